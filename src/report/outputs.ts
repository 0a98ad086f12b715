// Step outputs, as action.yml declares them. None holds a string the action masked (the runner
// would drop it), and each stays under GitHub's 1 MB limit per output.
import * as core from '@actions/core'
import { redactSecretValues } from './mask.js'
import { CHANGING_OUTCOMES, type RunReport } from './results.js'

/** GitHub's limit is 1 MB per output; stay below it. */
export const OUTPUT_BUDGET = 900_000

/** `results` as JSON, with as many entries as fit the budget (in order). */
function resultsJson(report: RunReport, shortened: string[]): string {
  const entries = report.results.map((r) =>
    JSON.stringify({
      name: r.name ?? null,
      id: r.id ?? null,
      outcome: r.outcome,
      file: r.source.file ?? null,
      ...(r.changes !== undefined ? { changes: r.changes } : {})
    })
  )
  let size = 2
  let kept = 0
  for (const entry of entries) {
    size += Buffer.byteLength(entry) + 1
    if (size > OUTPUT_BUDGET) break
    kept++
  }
  if (kept < entries.length) {
    shortened.push(
      `The \`results\` output holds the first ${kept.toLocaleString('en-US')} of ` +
        `${entries.length.toLocaleString('en-US')} definitions (GitHub's limit is 1 MB per output); the table and the log list every one.`
    )
  }
  return `[${entries.slice(0, kept).join(',')}]`
}

/** Writes every output; returns what was left out to stay within GitHub's limits. */
export function writeOutputs(report: RunReport): string[] {
  const shortened: string[] = []
  core.setOutput('results', resultsJson(report, shortened))
  // A dry run reads nothing, so it cannot tell.
  if (!report.dryRun) {
    // A write whose answer was lost may have changed Northflank: say so rather than guess not.
    const changing = report.results.some(
      (r) => CHANGING_OUTCOMES.has(r.outcome) || r.maybeApplied === true
    )
    core.setOutput('has-changes', changing ? 'true' : 'false')
  }

  // Single-value outputs describe one definition; with several they would
  // silently describe an arbitrary one, so they stay unset. A file that could not be loaded
  // (count 0) is a row of `results` but no definition.
  const definitions = report.results.filter((r) => r.source.count > 0)
  if (definitions.length !== 1) return shortened
  const only = definitions[0]!
  if (only.name !== undefined) core.setOutput('name', only.name)
  if (only.id !== undefined) core.setOutput('id', only.id)
  core.setOutput('outcome', only.outcome)
  if (only.data !== undefined) {
    const response = JSON.stringify(redactSecretValues(only.data))
    if (Buffer.byteLength(response) <= OUTPUT_BUDGET) core.setOutput('response', response)
    else {
      shortened.push(
        "The `response` output is not set: the API's answer is over GitHub's limit of 1 MB per output."
      )
    }
  }
  return shortened
}
