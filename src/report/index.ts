// The only place that turns results into GitHub output.
export { registerSecret, secretStrings, redactSecretValues } from './mask.js'
export { annotateDiagnostics, annotateResults } from './annotations.js'
export { writeOutputs } from './outputs.js'
export { logResults } from './log.js'
export { writeSummary, buildSummary } from './summary.js'
export type { DefinitionResult, Outcome, RunReport } from './results.js'
