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

export function logResults(report: RunReport): void {
  if (report.results.length === 0) return // nothing was loaded; the errors say why
  for (const r of report.results) core.info(logLine(line(r)))
  const counts = new Map<string, number>()
  for (const r of report.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1)
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ')
  const noun = report.results.length === 1 ? 'definition' : 'definitions'
  core.info(`${report.results.length} ${noun}: ${parts || 'none'}.`)
}
