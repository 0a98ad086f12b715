// What happened to each definition: the one model every report is built from.
import { deriveSecretId } from '../definition/identifier.js'
import type { PreparedDefinition } from '../definition/prepare.js'
import type { Diagnostic, DefinitionSource, SourcePosition } from '../definition/types.js'

/**
 * An apply's outcomes (`created`, `updated`, `unchanged`, `exists`, `failed`), a
 * plan's (`create`, `update`, `unchanged`, `exists`, `conflict`, `failed`), and a
 * dry run's (`validated`, `failed`).
 */
export type Outcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'exists'
  | 'validated'
  | 'failed'
  | 'create'
  | 'update'
  | 'conflict'

/** The outcomes that write (or, in a plan, would write) to Northflank. */
export const CHANGING_OUTCOMES: ReadonlySet<Outcome> = new Set([
  'created',
  'updated',
  'create',
  'update'
])

export interface DefinitionResult {
  source: DefinitionSource
  /** Where the definition starts in its file, for file-anchored notices. */
  position?: SourcePosition
  name?: string
  id?: string
  type?: string
  outcome: Outcome
  /** Why it failed; written for a person, never contains a secret value. */
  error?: string
  /** Changed paths (`~ description`, `+ secrets.values.KEY`); never values. */
  changes?: string[]
  /** The API's `data` (unredacted: report/ redacts before writing it anywhere). */
  data?: unknown
  attempts?: number
  elapsedMs?: number
  /** Failed after a write whose answer was lost: it may have been applied all the same. */
  maybeApplied?: boolean
}

export interface RunReport {
  results: DefinitionResult[]
  dryRun: boolean
  /** A plan run: read only, outcomes say what an apply would do. */
  plan?: boolean
  /** What the list endpoint cost, when the scope was listed. */
  listing?: { secrets: number; pages: number; attempts: number; elapsedMs: number }
  teamId?: string
  /** Set when the run stopped before sending anything (invalid definitions, bad inputs). */
  notSent?: string
  /** Every problem found before sending (inputs, files, definitions): the summary lists them. */
  problems?: readonly Diagnostic[]
  /** What the outputs left out to stay within GitHub's limits, for the summary to say. */
  shortened?: readonly string[]
}

/** The part of a definition's result known before anything is sent. */
export function resultOf(c: PreparedDefinition): Omit<DefinitionResult, 'outcome'> {
  // Set whenever the name (type) is valid itself, even in a definition with other errors.
  const { name, type } = c
  return {
    source: c.doc.source,
    position: c.doc.locate([]),
    name,
    id: name !== undefined ? deriveSecretId(name) : undefined,
    type
  }
}

/**
 * Results of a run that stops before sending anything: the step fails, so every outcome is
 * `failed`, a valid definition's too (`validated` would say the run passed).
 */
export function notSentResults(
  checked: readonly PreparedDefinition[],
  dryRun: boolean
): DefinitionResult[] {
  return checked.map((c) => ({
    ...resultOf(c),
    outcome: 'failed',
    error:
      c.definition === undefined
        ? 'invalid definition (see annotations)'
        : dryRun
          ? 'valid, but other definitions or files have errors (see annotations)'
          : 'valid, but nothing was sent: other definitions or files have errors (see annotations)'
  }))
}

/** A row for each file that produced no definition because it could not be read or parsed. */
export function unloadedFileResults(
  documents: readonly { source: { file?: string } }[],
  diagnostics: readonly Diagnostic[]
): DefinitionResult[] {
  const loadedFiles = new Set(documents.map((d) => d.source.file))
  const rows = new Map<string, DefinitionResult>()
  for (const d of diagnostics) {
    if (d.severity !== 'error' || d.file === undefined || loadedFiles.has(d.file)) continue
    if (rows.has(d.file)) continue
    rows.set(d.file, {
      source: { file: d.file, index: 0, count: 0, label: d.file },
      position: d.line !== undefined ? { line: d.line, column: d.column ?? 1 } : undefined,
      outcome: 'failed',
      error: d.message
    })
  }
  return [...rows.values()]
}

/** The log's closing line for a run in which some definitions failed. */
export function failureLine(results: readonly DefinitionResult[], plan: boolean): string {
  const failed = results.filter((r) => r.outcome === 'failed')
  const total = results.length
  const run = total === 1 ? '1 definition' : `${total} definitions`
  if (plan) return `${failed.length} of ${run} could not be planned (see the summary).`
  const uncertain = failed.filter((r) => r.maybeApplied).length
  const maybe =
    uncertain === 0
      ? ''
      : ` ${uncertain === 1 ? 'One of them' : `${uncertain} of them`} may have been applied all ` +
        'the same (an answer was lost): run the step again to see.'
  if (failed.length < total) {
    return `${failed.length} of ${run} failed; the others were applied (see the summary).${maybe}`
  }
  const head = total === 1 ? 'The definition failed' : `All ${total} definitions failed`
  return uncertain === 0
    ? `${head}; nothing was applied (see the summary).`
    : `${head} (see the summary).${maybe}`
}
