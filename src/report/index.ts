// The only place that turns results into GitHub output.
export {
  addPublicText,
  addRunFactsAsPublicText,
  holdsSecretValues,
  redactRegistered,
  redactRegisteredDeep,
  redactSecretValues,
  registerDecryptedSecrets,
  registerDefinitionSecrets,
  registerRunSecrets,
  registerSecret,
  registerStoredSecrets,
  registeredSecrets,
  secretLeaves,
  secretStrings,
  type MaskOutcome,
  type SecretOrigin
} from './mask.js'
export { inert, logLine } from './text.js'
export { commentOnPullRequest } from './comment.js'
export {
  annotate,
  annotateDiagnostics,
  annotateResults,
  annotationCounts,
  reportAnnotationOverflow,
  ANNOTATION_LIMIT
} from './annotations.js'
export { writeOutputs } from './outputs.js'
export { logResults } from './log.js'
export { writeSummary, buildSummary, buildSummaryHtml, messageHtml } from './summary.js'
export {
  CHANGING_OUTCOMES,
  failureLine,
  notSentResults,
  resultOf,
  unloadedFileResults
} from './results.js'
export type { DefinitionResult, Outcome, RunReport } from './results.js'
