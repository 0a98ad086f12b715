// Plain log lines: one per definition and a totals line, readable in the raw log.
import * as core from '@actions/core'
import type { DefinitionResult, RunReport } from './results.js'
import { logLine } from './text.js'

function line(r: DefinitionResult): string {
  const id = r.id ? ` (${r.id})` : ''
  const timing =
    r.attempts !== undefined && r.elapsedMs !== undefined
      ? `, ${r.attempts} request${r.attempts === 1 ? '' : 's'} in ${r.elapsedMs} ms`
      : ''
  return `${r.outcome.padEnd(9)} ${r.name ?? '(no valid name)'}${id} from ${r.source.label}${timing}`
}

/** The changed paths, one indented line each. A create's are every field: shown in a plan only. */
function changeLines(r: DefinitionResult): string[] {
  if (!r.changes || r.outcome === 'created') return []
  return r.changes.map((change) => `    ${change}`)
}

export function logResults(report: RunReport): void {
  if (report.results.length === 0) return // nothing was loaded; the errors say why
  if (report.listing) {
    const { secrets, pages, attempts, elapsedMs } = report.listing
    core.info(
      `Listed ${secrets} existing secret${secrets === 1 ? '' : 's'} in ${pages} page${pages === 1 ? '' : 's'} (${attempts} request${attempts === 1 ? '' : 's'} in ${elapsedMs} ms).`
    )
  }
  for (const r of report.results) {
    core.info(logLine(line(r)))
    for (const change of changeLines(r)) core.info(logLine(change))
  }
  const counts = new Map<string, number>()
  for (const r of report.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1)
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ')
  const noun = report.results.length === 1 ? 'definition' : 'definitions'
  const mode = report.plan ? ' (plan: nothing was changed in Northflank)' : ''
  core.info(`${report.results.length} ${noun}: ${parts || 'none'}${mode}.`)
}
