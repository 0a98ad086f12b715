// What happened to each definition: the one model every report is built from.
import type { Diagnostic, DefinitionSource, SourcePosition } from '../definition/types.js'

export type Outcome = 'created' | 'updated' | 'exists' | 'validated' | 'failed'

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
  /** The API's `data` (unredacted: report/ redacts before writing it anywhere). */
  data?: unknown
  attempts?: number
  elapsedMs?: number
}

export interface RunReport {
  results: DefinitionResult[]
  dryRun: boolean
  teamId?: string
  /** Set when the run stopped before sending anything (invalid definitions, bad inputs). */
  notSent?: string
  /** Every problem found before sending (inputs, files, definitions): the summary lists them. */
  problems?: readonly Diagnostic[]
  /** What the outputs left out to stay within GitHub's limits, for the summary to say. */
  shortened?: readonly string[]
}
