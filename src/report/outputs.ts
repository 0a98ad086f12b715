// Step outputs, as action.yml declares them.
import * as core from '@actions/core'
import { redactSecretValues } from './mask.js'
import type { RunReport } from './results.js'

export function writeOutputs(report: RunReport): void {
  const results = report.results.map((r) => ({
    name: r.name ?? null,
    id: r.id ?? null,
    outcome: r.outcome,
    file: r.source.file ?? null
  }))
  core.setOutput('results', JSON.stringify(results))

  // Single-value outputs describe one definition; with several they would
  // silently describe an arbitrary one, so they stay unset.
  if (report.results.length !== 1) return
  const only = report.results[0]!
  if (only.name !== undefined) core.setOutput('name', only.name)
  if (only.id !== undefined) core.setOutput('id', only.id)
  core.setOutput('outcome', only.outcome)
  if (only.data !== undefined)
    core.setOutput('response', JSON.stringify(redactSecretValues(only.data)))
}
