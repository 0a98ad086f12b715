// Runs the bundled action (dist/index.js) in a child process the way a runner
// does: inputs as INPUT_* variables, outputs and summary in files, workflow
// commands on stdout. Asynchronous on purpose: a stand-in server in this test
// process must keep answering while the action runs.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodedForms } from '../src/report/runner-forms.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BUNDLE = path.join(ROOT, 'dist', 'index.js')

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  message: string
  file?: string
  line?: number
  col?: number
  title?: string
}

export interface ActionRun {
  code: number | null
  signal: NodeJS.Signals | null
  /** Raw stdout, as the action wrote it (::add-mask:: lines included, nothing masked). */
  stdout: string
  /**
   * The step log as the runner shows it: stdout and stderr in the order they arrived, both
   * through the command processor and masked, no ::add-mask:: lines.
   */
  log: string
  /** Raw stderr, as the action wrote it (nothing masked). */
  stderr: string
  /** Step outputs the runner keeps: one that contains a masked string is dropped. */
  outputs: Record<string, string>
  /** Names of the outputs dropped because they contain a masked string. */
  droppedOutputs: string[]
  /** The job summary after the runner masked each line. */
  summary: string
  annotations: Annotation[]
  /** Every line the runner processed as a workflow command. */
  commands: RunnerCommand[]
  /** True when ::stop-commands:: turned command processing off for the rest of the step. */
  commandsStopped: boolean
  /** Every string registered with ::add-mask:: (and each line of multi-line ones). */
  masks: string[]
  /**
   * The run's public text that a registered mask would garble (repository, commit, links,
   * names, identifiers, files, keys and changed paths of the results, every line of the
   * summary, text and markup) and outputs the runner dropped.
   */
  maskProblems: string[]
  /**
   * What anyone could read afterwards: the masked log, stderr and summary, and the outputs
   * file unmasked (the runner hands step outputs on as they are).
   */
  everything: string
  elapsedMs: number
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  workspace?: string
  /** Kill the child after this long (the test then fails on `signal`). */
  killAfterMs?: number
  /** Step debug logging (RUNNER_DEBUG); on by default so tests see every debug line. */
  debug?: boolean
  /** Node executable (default: the one running this process). */
  node?: string
  /** The script to run instead of the bundle (tests of this emulation itself). */
  script?: string
  /**
   * Return a run whose masks garble public text or drop an output instead of throwing; only for
   * tests about exactly that.
   */
  allowMaskProblems?: boolean
  /** Arguments for Node before the script (tests preload instrumentation with them). */
  nodeArgs?: string[]
}

// ---------------------------------------------------------------------------
// The runner's treatment of stdout, the summary and outputs (actions/runner:
// ActionCommand.TryParseV2/TryParse, ActionCommandManager, SecretMasker,
// ValueEncoders, JobExtension). This is the only place that knows it: every test
// that runs the bundle reads the log, annotations, summary and outputs through it.
// ---------------------------------------------------------------------------

/** The runner's SecretMasker: every occurrence of every registered string becomes `***`. */
export class RunnerMasker {
  /** The values registered with ::add-mask:: (and their lines), without encoded forms. */
  readonly registered: string[] = []
  private readonly seen = new Set<string>()
  /** Registered strings and their encoded forms, by length (a hash lookup per position). */
  private readonly byLength = new Map<number, Set<string>>()
  /** For forms of 4+ characters: the lengths to try at a position, by its first 4 characters. */
  private readonly lengthsByPrefix = new Map<string, Set<number>>()
  /** Lengths of the forms shorter than 4 characters (tried at every position). */
  private readonly shortLengths = new Set<number>()

  add(value: string): void {
    if (value === '' || this.seen.has(value)) return
    this.seen.add(value)
    this.registered.push(value)
    for (const form of [value, ...encodedForms(value)]) {
      let forms = this.byLength.get(form.length)
      if (!forms) this.byLength.set(form.length, (forms = new Set()))
      forms.add(form)
      if (form.length < 4) this.shortLengths.add(form.length)
      else {
        const prefix = form.slice(0, 4)
        let lengths = this.lengthsByPrefix.get(prefix)
        if (!lengths) this.lengthsByPrefix.set(prefix, (lengths = new Set()))
        lengths.add(form.length)
      }
    }
  }

  mask(input: string): string {
    if (input === '' || this.byLength.size === 0) return input
    // Every occurrence of every value, as the runner finds them (ordinal, overlapping).
    const ranges: [number, number][] = []
    const tryAt = (at: number, length: number): void => {
      if (
        at + length <= input.length &&
        this.byLength.get(length)!.has(input.slice(at, at + length))
      ) {
        ranges.push([at, at + length])
      }
    }
    for (let at = 0; at < input.length; at++) {
      for (const length of this.shortLengths) tryAt(at, length)
      const lengths = this.lengthsByPrefix.get(input.slice(at, at + 4))
      if (lengths) for (const length of lengths) tryAt(at, length)
    }
    if (ranges.length === 0) return input
    ranges.sort((a, b) => a[0] - b[0])
    let out = ''
    let done = 0
    let current = ranges[0]!
    const flush = (range: [number, number]): void => {
      out += input.slice(done, range[0]) + '***'
      done = range[1]
    }
    for (const range of ranges.slice(1)) {
      if (range[0] <= current[1]) current = [current[0], Math.max(current[1], range[1])]
      else {
        flush(current)
        current = range
      }
    }
    flush(current)
    return out + input.slice(done)
  }

  /** Whether a text would be changed by the masks (the runner's "may contain secret" test). */
  hides(text: string): boolean {
    return this.mask(text) !== text
  }
}

export interface RunnerCommand {
  name: string
  properties: Record<string, string>
  data: string
}

// Commands the runner has extensions for (ActionCommandManager); anything else is plain text.
const RUNNER_COMMANDS = new Set([
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'add-path',
  'set-env',
  'set-output',
  'save-state',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo',
  'stop-commands'
])

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}
function unescapeProperty(s: string): string {
  return s
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%')
}
function unescapeLegacy(s: string): string {
  return s
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%3B/g, ';')
    .replace(/%25/g, '%')
}

/** ActionCommand.TryParseV2 (`::name props::data` after leading white space) and TryParse (`##[name props]data` anywhere). */
export function parseRunnerCommand(
  line: string,
  commands: ReadonlySet<string> = RUNNER_COMMANDS
): RunnerCommand | undefined {
  const trimmed = line.replace(/^\s+/u, '')
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2)
    if (end >= 0) {
      const info = trimmed.slice(2, end)
      const space = info.indexOf(' ')
      const name = space < 0 ? info : info.slice(0, space)
      if (commands.has(name)) {
        const properties: Record<string, string> = {}
        if (space > 0) {
          for (const pair of info
            .slice(space + 1)
            .trim()
            .split(',')
            .filter(Boolean)) {
            const eq = pair.indexOf('=')
            if (eq > 0 && eq < pair.length - 1) {
              properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1))
            }
          }
        }
        return { name, properties, data: unescapeData(trimmed.slice(end + 2)) }
      }
    }
  }
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const close = line.indexOf(']', prefix)
  if (close < 0) return undefined
  const info = line.slice(prefix + 3, close)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!commands.has(name)) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .split(';')
      .filter(Boolean)) {
      const eq = pair.indexOf('=')
      if (eq > 0 && eq < pair.length - 1) {
        properties[pair.slice(0, eq)] = unescapeLegacy(pair.slice(eq + 1))
      }
    }
  }
  return { name, properties, data: unescapeLegacy(line.slice(close + 1)) }
}

export interface RunnerView {
  /** The step's log as the runner shows it: masked, without ::add-mask:: lines. */
  log: string[]
  /** Every line the runner took as a workflow command, in order (data unmasked). */
  commands: RunnerCommand[]
  /** The annotations the runner creates (messages masked, as it does). */
  annotations: Annotation[]
  /** Set when something turned command processing off (::stop-commands::) and never back on. */
  commandsStopped: boolean
  masker: RunnerMasker
}

/** A piece of the child's output as it arrived, and from which stream. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr'
  text: string
}

/** Feeds the action's stdout through the runner's command processor, line by line. */
export function processStdout(stdout: string): RunnerView {
  return processOutput([{ stream: 'stdout', text: stdout }])
}

/**
 * Feeds stdout and stderr, in the order they arrived, through the runner's command processor.
 * The runner gives each stream its own OutputManager (its own lines) but one
 * ActionCommandManager and one masker (NodeScriptActionHandler): a command on stderr is a
 * command, a mask registered on one stream masks the other, and both show in the step's log.
 */
export function processOutput(chunks: readonly OutputChunk[]): RunnerView {
  const masker = new RunnerMasker()
  const view: RunnerView = {
    log: [],
    commands: [],
    annotations: [],
    commandsStopped: false,
    masker
  }
  const commands = new Set(RUNNER_COMMANDS)
  let stopToken: string | undefined
  const processLine = (line: string): void => {
    const command = parseRunnerCommand(line, commands)
    if (command && stopToken !== undefined) {
      if (command.name.toLowerCase() === stopToken.toLowerCase()) {
        commands.delete(stopToken)
        stopToken = undefined
        view.commands.push(command)
      }
      view.log.push(masker.mask(line))
      return
    }
    if (!command) {
      view.log.push(masker.mask(line))
      return
    }
    view.commands.push(command)
    switch (command.name) {
      case 'add-mask':
        if (command.data.trim() === '') break
        masker.add(command.data)
        for (const item of command.data.split(/[\r\n]/)) {
          if (item.trim() !== '') masker.add(item.trim())
        }
        break // OmitEcho: the line never shows
      case 'stop-commands':
        stopToken = command.data
        commands.add(stopToken)
        if (stopToken.length > 6) masker.add(stopToken)
        view.log.push(masker.mask(line))
        break
      case 'error':
      case 'warning':
      case 'notice': {
        const annotation: Annotation = {
          level: command.name,
          message: masker.mask(command.data)
        }
        const { file, title, line: at, col } = command.properties
        if (file !== undefined) annotation.file = file
        if (title !== undefined) annotation.title = masker.mask(title)
        if (at !== undefined) annotation.line = Number(at)
        if (col !== undefined) annotation.col = Number(col)
        view.annotations.push(annotation)
        view.log.push(masker.mask(line))
        break
      }
      default:
        view.log.push(masker.mask(line))
    }
  }
  // The runner reads each stream with StreamReader.ReadLine: \r\n, \r and \n all end a line;
  // a line is processed once it is complete (or the stream ends).
  const pending = { stdout: '', stderr: '' }
  for (const chunk of chunks) {
    const lines = (pending[chunk.stream] + chunk.text).split(/\r\n|\r|\n/)
    pending[chunk.stream] = lines.pop()!
    // A \r at a chunk's end may be the first half of \r\n: keep it for the next chunk.
    if (pending[chunk.stream] === '' && chunk.text.endsWith('\r')) {
      pending[chunk.stream] = lines.pop()! + '\r'
    }
    for (const line of lines) processLine(line)
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const rest = pending[stream].replace(/\r$/, '')
    if (pending[stream] !== '') processLine(rest)
  }
  view.commandsStopped = stopToken !== undefined
  return view
}

export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!)
    outputs[name!] = value.join('\n')
  }
  return outputs
}

/** The GITHUB_* facts of the emulated workflow run. */
export const RUN_FACTS: Readonly<Record<string, string>> = {
  GITHUB_REPOSITORY: 'acme/platform-config',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_REF_NAME: 'config',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '42',
  GITHUB_ACTIONS: 'true'
}

export interface RawRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout and stderr as they arrived, interleaved (what the runner's log is made of). */
  chunks: OutputChunk[]
  /** The GITHUB_OUTPUT file's content. */
  outputText: string
  /** The GITHUB_STEP_SUMMARY file's content. */
  summary: string
  /** Wall time from spawn to exit (high resolution, for the benchmark too). */
  elapsedMs: number
}

export interface SpawnOptions {
  workspace: string
  env?: Record<string, string | undefined>
  debug?: boolean
  node?: string
  nodeArgs?: string[]
  killAfterMs?: number
}

/**
 * Spawns `node script` as a runner starts an action: inputs as INPUT_* variables, empty
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a clean environment with the GITHUB_* facts a
 * run has. Asynchronous, so a stand-in in this process keeps answering meanwhile.
 */
export async function spawnLikeRunner(
  script: string,
  inputs: Record<string, string>,
  options: SpawnOptions
): Promise<RawRun> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'nf-action-run-'))
  const outputFile = path.join(scratch, 'output')
  const summaryFile = path.join(scratch, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: options.workspace,
    ...RUN_FACTS
  }
  if (options.debug) env.RUNNER_DEBUG = '1'
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }

  const started = process.hrtime.bigint()
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), script], {
    env,
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  const chunks: OutputChunk[] = []
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
    chunks.push({ stream: 'stdout', text })
  })
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
    chunks.push({ stream: 'stderr', text })
  })
  let ended = started
  child.once('exit', () => (ended = process.hrtime.bigint()))
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000)
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject)
        child.once('close', (c, s) => resolve([c, s]))
      }
    )
    return {
      code,
      signal,
      stdout,
      stderr,
      chunks,
      outputText: readFileSync(outputFile, 'utf8'),
      summary: readFileSync(summaryFile, 'utf8'),
      elapsedMs: Number(ended - started) / 1e6
    }
  } finally {
    clearTimeout(killer)
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Runs dist/index.js with the given action inputs (names as in action.yml). */
export async function runAction(
  inputs: Record<string, string>,
  options: RunOptions = {}
): Promise<ActionRun> {
  const { code, signal, stdout, stderr, chunks, outputText, summary, elapsedMs } =
    await spawnLikeRunner(options.script ?? BUNDLE, inputs, {
      workspace: options.workspace ?? ROOT,
      env: options.env,
      debug: options.debug ?? true,
      node: options.node,
      nodeArgs: options.nodeArgs,
      killAfterMs: options.killAfterMs
    })
  const view = processOutput(chunks)
  const masker = view.masker
  const rawOutputs = parseOutputs(outputText)
  const outputs: Record<string, string> = {}
  const droppedOutputs: string[] = []
  const log = [...view.log]
  for (const [name, value] of Object.entries(rawOutputs)) {
    if (masker.hides(value)) {
      droppedOutputs.push(name)
      // JobExtension's warning for a job output; @github/local-action refuses step outputs alike.
      const warning = `Skip output '${name}' since it may contain secret.`
      log.push(`##[warning]${warning}`)
      view.annotations.push({ level: 'warning', message: warning })
    } else outputs[name] = value
  }
  // The runner masks the summary line by line before it uploads it.
  const maskedSummary = summary
    .split('\n')
    .map((line) => masker.mask(line))
    .join('\n')
  const maskProblems = [
    ...droppedOutputs.map((name) => `output "${name}" dropped: it contains a masked string`),
    ...publicText(options.env, rawOutputs)
      .filter((text) => masker.hides(text))
      .map((text) => `public text ${JSON.stringify(text)} is garbled by a mask`),
    // The action never writes a secret into the summary (it redacts what it quotes), so any
    // line a mask changes is garbled: its text, or its markup (`<***>` for a value `code`).
    ...summary
      .split('\n')
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => masker.hides(line))
      .map(
        ({ line, index }) =>
          `summary line ${index + 1} is garbled by a mask: ${JSON.stringify(clipped(masker.mask(line)))}`
      )
  ]
  const run: ActionRun = {
    code,
    signal,
    stdout,
    log: log.join('\n'),
    stderr,
    outputs,
    droppedOutputs,
    summary: maskedSummary,
    annotations: view.annotations,
    commands: view.commands,
    commandsStopped: view.commandsStopped,
    masks: masker.registered,
    maskProblems,
    everything: [log.join('\n'), masker.mask(stderr), outputText, maskedSummary].join('\n'),
    elapsedMs
  }
  if (maskProblems.length > 0 && !options.allowMaskProblems) {
    throw new Error(
      `The runner would garble this run (masks: ${JSON.stringify(masker.registered)}):\n` +
        maskProblems.join('\n')
    )
  }
  return run
}

function clipped(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/**
 * Text a person must be able to read in every run: the run's repository, commit and links, and
 * the names, identifiers and files the action reports (from the unmasked `results` output).
 */
function publicText(
  env: Record<string, string | undefined> | undefined,
  rawOutputs: Record<string, string>
): string[] {
  const facts = { ...RUN_FACTS, ...env }
  const texts = [
    facts.GITHUB_REPOSITORY,
    facts.GITHUB_SHA,
    facts.GITHUB_REF_NAME,
    `${facts.GITHUB_SERVER_URL}/${facts.GITHUB_REPOSITORY}/commit/${facts.GITHUB_SHA}`,
    `${facts.GITHUB_SERVER_URL}/${facts.GITHUB_REPOSITORY}/actions/runs/${facts.GITHUB_RUN_ID}`
  ]
  try {
    const results = JSON.parse(rawOutputs.results ?? '[]') as Record<string, unknown>[]
    for (const result of results) {
      // Every key the output writes, and the values that name things (the changed paths too).
      for (const [key, value] of Object.entries(result)) {
        texts.push(key)
        if (key === 'changes' && Array.isArray(value)) {
          texts.push(...value.filter((c): c is string => typeof c === 'string'))
        } else if (key !== 'error' && typeof value === 'string') texts.push(value)
      }
    }
  } catch {
    // A `results` output that is not JSON fails the tests that read it.
  }
  return texts.filter((text): text is string => typeof text === 'string' && text !== '')
}
