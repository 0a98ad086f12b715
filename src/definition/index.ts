// The definition stage: find, read, parse, override and validate definitions. Pure: it
// returns documents and diagnostics and never prints (main.ts reports them).
import path from 'node:path'
import { mapWithConcurrency } from '../pool.js'
import { readDefinitionFile, resolveDefinitionFiles, workspaceRoot } from './files.js'
import { parseDefinitionText } from './parse.js'
import type { SopsOptions } from './sops/open.js'
import { holdsSops } from './sops/state.js'
import type { Diagnostic, ParsedDocument } from './types.js'

export { resolveDefinitionFiles, readDefinitionFile, workspaceRoot } from './files.js'
export type { WorkspaceRoot } from './files.js'
export { parseDefinitionText, MAX_ALIASES, MAX_EXPANDED_NODES } from './parse.js'
export type { DefinitionFormat, ParseOptions, ParseResult } from './parse.js'
export { deriveSecretId } from './identifier.js'
export { applyOverrides } from './overrides.js'
export type { DefinitionOverrides } from './overrides.js'
export { validateDefinition, validateBatch } from './validate.js'
export type { ValidateOptions, ValidationResult } from './validate.js'
export { MAX_DEFINITION_SIZE, MAX_DEPTH } from './internal.js'
export { readAgeIdentities } from './sops/identities.js'
export type { AgeKeyReading } from './sops/identities.js'
export { decryptedLeaves, isUnchecked } from './sops/state.js'
export type { SopsOptions } from './sops/open.js'
export type * from './types.js'
export type {
  GlobalSecretDefinition,
  GitopsSettings,
  SecretType,
  VcsService
} from './secret-definition.js'

export interface LoadRequest {
  /** Entries of the `file` input: paths or globs relative to the workspace (absolute paths inside it work too). */
  files: string[]
  /** The `definition` input; when it is not blank it is used and `files` is ignored. */
  inline?: string
  workspace: string
  /**
   * How to open SOPS files (the age identities and whether the run is a dry run). Unset: no
   * key, not a dry run, so a SOPS file is an error rather than something passed on unread.
   */
  sops?: SopsOptions
}

export interface LoadResult {
  /** In file order, then document order inside each file. */
  documents: ParsedDocument[]
  /** Every problem of every file: loading goes on after a bad file. */
  diagnostics: Diagnostic[]
}

/** Files read (and parsed) at once: enough to keep the disk busy, few open handles. */
const READ_CONCURRENCY = 16

/**
 * Reads every definition of the run. SOPS files are decrypted in memory (and their MAC checked)
 * here, before anything validates them; the code for it is loaded only when a run holds one.
 */
export async function loadDefinitions(req: LoadRequest): Promise<LoadResult> {
  const read = await readDefinitions(req)
  if (!holdsSops(read.documents)) return read
  const { openSopsDocuments } = await import('./sops/open.js')
  const opened = await openSopsDocuments(
    read.documents,
    req.sops ?? { identities: [], keySource: 'Input "sops-age-key"', dryRun: false }
  )
  return {
    documents: opened.documents,
    diagnostics: [...read.diagnostics, ...opened.diagnostics]
  }
}

async function readDefinitions(req: LoadRequest): Promise<LoadResult> {
  const patterns = req.files.map((f) => f.trim()).filter((f) => f !== '')
  if (req.inline !== undefined && req.inline.trim() !== '') {
    const parsed = await parseDefinitionText(req.inline, { format: 'auto' })
    if (patterns.length === 0) return parsed
    return {
      documents: parsed.documents,
      diagnostics: [
        {
          severity: 'warning',
          message:
            'Input "file" is ignored because input "definition" is set (it takes precedence, ' +
            "as the Northflank CLI's --input does over --file)"
        },
        ...parsed.diagnostics
      ]
    }
  }
  if (patterns.length === 0) {
    return {
      documents: [],
      diagnostics: [
        {
          severity: 'error',
          message: 'Neither input "file" nor input "definition" is set; set one of them.'
        }
      ]
    }
  }

  const root = await workspaceRoot(req.workspace)
  const resolved = await resolveDefinitionFiles(patterns, root)
  const loaded = await mapWithConcurrency(resolved.files, READ_CONCURRENCY, async (file) => {
    const read = await readDefinitionFile(file, root)
    if (read.text === undefined) return { documents: [], diagnostics: read.diagnostics }
    const format = path.extname(file).toLowerCase() === '.json' ? 'json' : 'yaml'
    return parseDefinitionText(read.text, { file: read.file, format })
  })
  // In file order, however the reads finished.
  return {
    documents: loaded.flatMap((l) => l.documents),
    diagnostics: [...resolved.diagnostics, ...loaded.flatMap((l) => l.diagnostics)]
  }
}
