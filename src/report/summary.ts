// The job summary: what a person reads on the run page.
import * as core from '@actions/core'
import type { DefinitionResult, Outcome, RunReport } from './results.js'
import { readRunContext } from './run-context.js'

const BADGE: Record<Outcome, string> = {
  created: '✅ created',
  updated: '🔄 updated',
  exists: '⏭️ exists',
  validated: '☑️ validated',
  failed: '❌ failed'
}

// Summary text is Markdown/HTML: keep user-controlled text from becoming markup.
export function escape(text: string): string {
  return text.replace(/[&<>"'|`*_[\]\\]/g, (c) => `&#${c.charCodeAt(0)};`)
}

function code(text: string): string {
  return `<code>${escape(text)}</code>`
}

function totals(results: readonly DefinitionResult[]): string {
  const counts = new Map<Outcome, number>()
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1)
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`)
  const noun = results.length === 1 ? 'definition' : 'definitions'
  return `${results.length} ${noun}: ${parts.join(', ') || 'none'}`
}

export function buildSummary(report: RunReport): typeof core.summary {
  const summary = core.summary
  const context = readRunContext()
  summary.addHeading(
    report.dryRun ? 'Northflank global secrets (dry run)' : 'Northflank global secrets',
    2
  )

  const facts: string[] = []
  if (context.repository) {
    const commit = context.sha ? context.sha.slice(0, 7) : undefined
    const commitText =
      commit && context.commitUrl ? ` at <a href="${context.commitUrl}">${commit}</a>` : ''
    facts.push(
      `Repository ${code(context.repository)}${commitText}${context.ref ? ` (${code(context.ref)})` : ''}`
    )
  }
  facts.push(report.teamId ? `Team ${code(report.teamId)}` : 'Scope: the API token’s own')
  if (report.dryRun) facts.push('Dry run: validated only, nothing was sent to Northflank')
  summary.addRaw(`<p>${facts.join(' · ')}</p>`, true)

  if (report.results.length > 0) {
    summary.addTable([
      [
        { data: 'Name', header: true },
        { data: 'Identifier', header: true },
        { data: 'Type', header: true },
        { data: 'Team', header: true },
        { data: 'Outcome', header: true },
        { data: 'Source', header: true }
      ],
      ...report.results.map((r) => [
        r.name ? escape(r.name) : '—',
        r.id ? code(r.id) : '—',
        r.type ? escape(r.type) : '—',
        report.teamId ? code(report.teamId) : '—',
        BADGE[r.outcome],
        code(r.source.label)
      ])
    ])
  }
  summary.addRaw(`<p><strong>${escape(totals(report.results))}</strong></p>`, true)

  if (report.notSent) summary.addRaw(`<p>⚠️ ${escape(report.notSent)}</p>`, true)

  const failures = report.results.filter((r) => r.outcome === 'failed')
  if (failures.length > 0) {
    summary.addHeading('Failures', 3)
    summary.addList(
      failures.map((r) => `${code(r.name ?? r.source.label)}: ${escape(r.error ?? 'failed')}`)
    )
  }
  if (context.runUrl)
    summary.addRaw(`<p><sub><a href="${context.runUrl}">Workflow run</a></sub></p>`, true)
  return summary
}

/** Writes the summary when the runner provides a summary file; a local run has none. */
export async function writeSummary(report: RunReport): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  try {
    await buildSummary(report).write()
  } catch (error) {
    // The secrets were already applied and reported in the log; a summary file the
    // runner cannot take must not turn that into a failed step.
    const reason = error instanceof Error ? error.message : String(error)
    core.warning(
      `The job summary could not be written (${reason}); the log above has every outcome.`
    )
  } finally {
    core.summary.emptyBuffer()
  }
}
