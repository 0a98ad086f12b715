// What happened to each definition: the one model every report is built from.
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
