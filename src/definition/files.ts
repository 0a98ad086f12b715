// Which files to read, and reading them safely: everything stays inside the workspace.
import { constants, type Stats } from 'node:fs'
import { open, readdir, realpath, lstat, stat } from 'node:fs/promises'
import path from 'node:path'
import { MAX_DEFINITION_SIZE } from './internal.js'
import type { Diagnostic } from './types.js'

const IS_WINDOWS = process.platform === 'win32'
const EXTENSIONS = ['.json', '.yaml', '.yml']

export interface ResolvedFiles {
  /** Absolute paths (under the workspace's real path), deduplicated, in a stable order. */
  files: string[]
  diagnostics: Diagnostic[]
}

export interface ReadResult {
  /** The text, BOM removed; undefined when the file was refused. */
  text?: string
  diagnostics: Diagnostic[]
  /** Workspace-relative path with forward slashes (the `file` of diagnostics and sources). */
  file: string
}

function inputError(message: string): Diagnostic {
  return { severity: 'error', message: `Input "file": ${message}` }
}

/** Whether @actions/glob would read `pattern` as a glob: `*`, `?`, `[…]` (no braces, no extglobs). */
function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern)
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

/** Workspace-relative path with forward slashes, as annotations expect. */
export function workspaceRelative(workspace: string, absPath: string): string {
  return path.relative(workspace, absPath).split(path.sep).join('/')
}

/** Escapes a literal path for @actions/glob (the same rules as its own internal escaping). */
function globEscape(literal: string): string {
  return (IS_WINDOWS ? literal : literal.replace(/\\/g, '\\\\'))
    .replace(/(\[)(?=[^/]+\])/g, '[[]')
    .replace(/\?/g, '[?]')
    .replace(/\*/g, '[*]')
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

async function realpathOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await realpath(p)
  } catch {
    return undefined
  }
}

/** What a path that is not a regular file is, for messages. */
function specialKind(info: Stats): string {
  if (info.isDirectory()) return 'a directory'
  if (info.isFIFO()) return 'a named pipe (FIFO)'
  if (info.isSocket()) return 'a socket'
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device'
  return 'a special file'
}

/**
 * Why a path that exists (`lstat` worked) has no real path: a symbolic link that leads back to
 * itself, or one whose target is missing.
 */
async function unresolvable(p: string): Promise<string> {
  try {
    await realpath(p)
    return 'does not exist'
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') return 'is a symbolic link loop (it leads back to itself)'
    if (code === 'ENOENT') return 'is a symbolic link to a file that does not exist'
    return 'does not exist'
  }
}

/**
 * When a definition is missing because the repository is not there: the workspace is empty or
 * is not a git checkout. Empty text otherwise.
 */
async function checkoutHint(workspaceReal: string): Promise<string> {
  let entries: string[]
  try {
    entries = await readdir(workspaceReal)
  } catch {
    return ''
  }
  if (entries.length === 0) {
    return '; the workspace is empty: actions/checkout probably did not run before this step'
  }
  if (!entries.includes('.git')) {
    return (
      '; the workspace has no .git directory: if the file is in your repository, ' +
      'actions/checkout probably did not run before this step'
    )
  }
  return ''
}

/** The workspace, absolute as given and real: worked out once per run, not per file. */
export interface WorkspaceRoot {
  abs: string
  /** Undefined when the workspace does not exist. */
  real?: string
}

export async function workspaceRoot(workspace: string): Promise<WorkspaceRoot> {
  const abs = path.resolve(workspace)
  const real = await realpathOrUndefined(abs)
  return real === undefined ? { abs } : { abs, real }
}

const rootOf = async (workspace: string | WorkspaceRoot): Promise<WorkspaceRoot> =>
  typeof workspace === 'string' ? workspaceRoot(workspace) : workspace

/**
 * Resolves the `file` input's entries (paths or globs, relative to the workspace; a leading
 * `!` excludes matches from every glob). Order: pattern order, then each glob's matches sorted.
 * Anything that resolves outside the workspace, symlinks included, is an error.
 */
export async function resolveDefinitionFiles(
  patterns: string[],
  workspace: string | WorkspaceRoot
): Promise<ResolvedFiles> {
  const diagnostics: Diagnostic[] = []
  const files: string[] = []
  const { abs: workspaceAbs, real: workspaceReal } = await rootOf(workspace)
  if (workspaceReal === undefined) {
    return { files, diagnostics: [inputError(`workspace ${workspaceAbs} does not exist`)] }
  }
  const seen = new Set<string>()
  const entries = patterns.map((p) => p.trim()).filter((p) => p !== '')
  const exclusions: string[] = []
  let hint: Promise<string> | undefined
  /** Said with a missing file: worked out once, and only when a file is missing. */
  const missingHint = (): Promise<string> => (hint ??= checkoutHint(workspaceReal))

  // Lexical check first: a path outside the workspace is refused without touching it.
  const inWorkspace = (entry: string): string | undefined => {
    const abs = path.resolve(workspaceAbs, entry)
    if (abs === workspaceAbs) return ''
    if (!isInside(workspaceAbs, abs)) {
      diagnostics.push(inputError(`"${entry}" is outside the workspace; only files in it are read`))
      return undefined
    }
    return path.relative(workspaceAbs, abs)
  }

  for (const entry of entries) {
    if (!entry.startsWith('!')) continue
    const rel = inWorkspace(entry.slice(1).trim())
    if (rel !== undefined && rel !== '')
      exclusions.push(`!${globEscape(workspaceReal)}${path.sep}${rel}`)
  }

  /**
   * Adds a candidate after the real-path check and reports what is wrong with it otherwise.
   * A directory is left to the caller (returns false): what to say depends on how it was named.
   */
  const accept = async (candidate: string, shown: string): Promise<boolean> => {
    const real = await realpathOrUndefined(candidate)
    if (real === undefined) {
      diagnostics.push(inputError(`"${shown}" ${await unresolvable(candidate)}`))
      return true
    }
    if (!isInside(workspaceReal, real)) {
      diagnostics.push(
        inputError(`"${shown}" resolves (through a symbolic link) outside the workspace; refused`)
      )
      return true
    }
    const info = await stat(real)
    if (info.isDirectory()) return false
    if (!info.isFile()) {
      diagnostics.push(
        inputError(
          `"${shown}" is ${specialKind(info)}, not a regular file; definitions are read from regular files only`
        )
      )
      return true
    }
    if (!seen.has(real)) {
      seen.add(real)
      files.push(candidate)
    }
    return true
  }

  for (const entry of entries) {
    if (entry.startsWith('!')) continue
    const rel = inWorkspace(entry)
    if (rel === undefined) continue
    const shown = entry
    if (rel === '') {
      diagnostics.push(inputError(`"${shown}" is the workspace itself; name files or use a glob`))
      continue
    }
    if (!isGlob(entry)) {
      const candidate = path.join(workspaceReal, rel)
      try {
        await lstat(candidate)
      } catch {
        diagnostics.push(inputError(`"${shown}" does not exist${await missingHint()}`))
        continue
      }
      if (!(await accept(candidate, shown))) {
        diagnostics.push(
          inputError(`"${shown}" is a directory; name files or use a glob such as ${shown}/*.yaml`)
        )
      }
      continue
    }
    // Loaded only for a glob (it is a chunk of its own): literal paths never pay for it.
    const glob = await import('@actions/glob')
    let matches: string[]
    try {
      // Symbolic links are not followed while searching, so a link to a directory outside
      // the workspace is never walked; links to files are checked by their real path below.
      const globber = await glob.create(
        [`${globEscape(workspaceReal)}${path.sep}${rel}`, ...exclusions].join('\n'),
        {
          followSymbolicLinks: false,
          implicitDescendants: false,
          matchDirectories: false,
          omitBrokenSymbolicLinks: true
        }
      )
      matches = (await globber.glob()).sort(byCodeUnits)
    } catch (error) {
      diagnostics.push(
        inputError(`invalid pattern "${shown}": ${error instanceof Error ? error.message : error}`)
      )
      continue
    }
    let matched = 0
    for (const match of matches) {
      const shownMatch = workspaceRelative(workspaceReal, match)
      if (await accept(match, shownMatch)) matched++
    }
    if (matched === 0) {
      diagnostics.push(inputError(`"${shown}" matched no files${await missingHint()}`))
    }
  }
  return { files, diagnostics }
}

/**
 * Reads one definition file: `.json`, `.yaml` or `.yml` only, at most 1 MiB, UTF-8 text
 * (no NUL bytes), not empty. The BOM is removed. Diagnostics carry the relative path.
 */
export async function readDefinitionFile(
  absPath: string,
  workspace: string | WorkspaceRoot
): Promise<ReadResult> {
  const root = await rootOf(workspace)
  const workspaceReal = root.real ?? root.abs
  const file = workspaceRelative(
    isInside(workspaceReal, absPath) ? workspaceReal : root.abs,
    absPath
  )
  const refuse = (message: string, line?: number, column?: number): ReadResult => ({
    file,
    diagnostics: [
      {
        severity: 'error',
        message,
        file,
        ...(line === undefined ? {} : { line, column: column ?? 1 })
      }
    ]
  })

  const extension = path.extname(absPath)
  if (!EXTENSIONS.includes(extension.toLowerCase())) {
    return refuse(
      extension === ''
        ? 'definition files need a .json, .yaml or .yml extension; this one has none'
        : `unsupported file extension "${extension}": definition files end in .json, .yaml or .yml`
    )
  }
  const real = await realpathOrUndefined(absPath)
  if (real === undefined) return refuse('the file does not exist')
  if (!isInside(workspaceReal, real))
    return refuse('the file resolves outside the workspace; refused')

  let bytes: Buffer
  // Non-blocking, so a file replaced by a named pipe since it was found cannot hang the run
  // (opening a FIFO waits for a writer); it changes nothing for a regular file.
  const handle = await open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  try {
    const info = await handle.stat()
    if (!info.isFile()) return refuse(`not a regular file: it is ${specialKind(info)}`)
    if (info.size > MAX_DEFINITION_SIZE) {
      return refuse(`the file is ${(info.size / 1024 / 1024).toFixed(1)} MiB; the limit is 1 MiB`)
    }
    // The size it has, plus one byte to notice that it grew since stat; a file that fills the
    // buffer gets room up to one byte past the limit.
    let buffer = Buffer.alloc(info.size + 1)
    let length = 0
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_DEFINITION_SIZE) break
        const larger = Buffer.alloc(MAX_DEFINITION_SIZE + 1)
        buffer.copy(larger, 0, 0, length)
        buffer = larger
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > MAX_DEFINITION_SIZE) return refuse('the file is larger than 1 MiB')
    bytes = buffer.subarray(0, length)
  } finally {
    await handle.close()
  }

  if (bytes.length === 0) return refuse('the file is empty')
  const wide = wideEncoding(bytes)
  if (wide !== undefined) return refuse(`the file is saved as ${wide}; save it as UTF-8`)
  const nul = bytes.indexOf(0)
  if (nul !== -1) {
    const { line, column } = bytePosition(bytes, nul)
    return refuse(
      'the file is binary (it contains a NUL byte), not JSON or YAML text',
      line,
      column
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return refuse('the file is not valid UTF-8 text; save it as UTF-8', firstInvalidLine(bytes))
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1)
  if (text.trim() === '') return refuse('the file is empty')
  return { text, diagnostics: [], file }
}

/**
 * UTF-16 or UTF-32 text, by its byte-order mark, or UTF-16 without one (NUL in every other byte
 * at the start, as ASCII text in UTF-16 has): what some Windows editors and PowerShell write.
 */
function wideEncoding(bytes: Buffer): string | undefined {
  const starts = (...prefix: number[]) => prefix.every((b, i) => bytes[i] === b)
  if (starts(0xff, 0xfe, 0, 0) || starts(0, 0, 0xfe, 0xff)) return 'UTF-32'
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return 'UTF-16'
  const head = bytes.subarray(0, Math.min(bytes.length, 64) & ~1)
  if (head.length < 4) return undefined
  for (const zero of [0, 1]) {
    let pattern = true
    for (let i = 0; i < head.length && pattern; i++) {
      pattern = (head[i] === 0) === (i % 2 === zero)
    }
    if (pattern) return 'UTF-16 (without a byte-order mark)'
  }
  return undefined
}

function bytePosition(bytes: Buffer, offset: number): { line: number; column: number } {
  let line = 1
  let start = 0
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++
      start = i + 1
    }
  }
  return { line, column: offset - start + 1 }
}

/** 1-based line holding the first byte sequence that is not UTF-8. */
function firstInvalidLine(bytes: Buffer): number {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let line = 1
  let start = 0
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i))
      } catch {
        return line
      }
      line++
      start = i + 1
    }
  }
  return 1
}
