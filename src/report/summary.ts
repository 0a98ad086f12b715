// The job summary: what a person reads on the run page. It accounts for every file (a file
// that could not be loaded is a row too) and lists every problem, condensed per file. The
// runner refuses a summary over 1 MiB per step, so each section has a share of a budget below
// that, and the summary says what it left out.
import * as core from '@actions/core'
import type { Diagnostic } from '../definition/types.js'
import { annotate } from './annotations.js'
import { redactRegistered } from './mask.js'
import type { DefinitionResult, Outcome, RunReport } from './results.js'
import { readRunContext } from './run-context.js'
import { inert } from './text.js'

const BADGE: Record<Outcome, string> = {
  created: '✅ created',
  updated: '🔄 updated',
  unchanged: '🟰 unchanged',
  exists: '⏭️ exists',
  validated: '☑️ validated',
  failed: '❌ failed',
  create: '➕ create',
  update: '✏️ update',
  conflict: '⛔ conflict'
}

// Enough for any real definition; a table cell with hundreds of paths helps nobody.
const CHANGES_PER_CELL = 50

/** The runner's limit is 1 MiB (1,048,576 bytes) per step; stay well below it. */
export const SUMMARY_BUDGET = 1_000_000
/** Shares of the budget: the table, the failures, the problems (the rest is small and fixed). */
const TABLE_BUDGET = 480_000
const FAILURES_BUDGET = 220_000
const PROBLEMS_BUDGET = 260_000
/** One message is shown up to this many characters (the log has it whole). */
const MESSAGE_CHARS = 1_000

// Summary text is HTML inside Markdown: keep outside text from becoming markup, and from
// ending its line or cell (a blank line would end the HTML block and start Markdown).
// Registered secrets are redacted first: the runner masks the summary line by line, but once
// `my_repo` is written `my&#95;repo` its mask no longer matches.
export function escape(text: string): string {
  return inert(redactRegistered(text)).replace(/[&<>"'|`*_[\]\\]/g, (c) => `&#${c.charCodeAt(0)};`)
}

function code(text: string): string {
  return `<code>${escape(text)}</code>`
}

function clip(text: string, max = MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** A message of the action: `backticked` spans as <code>, the rest escaped. */
export function messageHtml(text: string): string {
  // Redacted before it is clipped or split at backticks, which could cut a secret in two.
  const parts = clip(redactRegistered(text)).split('`')
  // An odd count of backticks leaves the last one unpaired: keep it as text.
  const paired = parts.length % 2 === 1 ? parts : [...parts.slice(0, -2), parts.slice(-2).join('`')]
  return paired.map((part, i) => (i % 2 === 1 ? code(part) : escape(part))).join('')
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`
}

function totals(results: readonly DefinitionResult[]): string {
  const counts = new Map<Outcome, number>()
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1)
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`)
  const noun = results.length === 1 ? 'definition' : 'definitions'
  return `${results.length} ${noun}: ${parts.join(', ') || 'none'}`
}

/** Adds items while they fit in `budget` bytes; returns how many did not. */
function fill(into: string[], items: Iterable<string>, budget: number): number {
  let used = 0
  let left = 0
  for (const item of items) {
    const size = Buffer.byteLength(item)
    if (left > 0 || used + size > budget) {
      left++
      continue
    }
    into.push(item)
    used += size
  }
  return left
}

/** The changed paths, one per line (`~ description`); `—` when nothing changes. */
function changesCell(r: DefinitionResult): string {
  if (r.changes === undefined) return r.outcome === 'failed' ? '—' : '<em>not read</em>'
  if (r.changes.length === 0) return '—'
  const shown = r.changes.slice(0, CHANGES_PER_CELL).map(code)
  const more = r.changes.length - CHANGES_PER_CELL
  if (more > 0) shown.push(`… and ${more} more`)
  return shown.join('<br>')
}

/** Changes are known whenever Northflank was read: a plan, or `on-conflict: update`. */
function showsChanges(report: RunReport): boolean {
  return report.plan === true || report.results.some((r) => r.changes !== undefined)
}

const CHANGES_LEGEND =
  '<p><sub><code>+</code> added · <code>-</code> removed · <code>~</code> changed · ' +
  '<code>?</code> holds a Northflank expression (<code>${...}</code>) that cannot be ' +
  'compared; never sent on its own. Values are never shown.</sub></p>'

function table(report: RunReport, shortened: string[]): string {
  const withChanges = showsChanges(report)
  const header =
    '<tr><th>Name</th><th>Identifier</th><th>Type</th><th>Outcome</th>' +
    `${withChanges ? '<th>Changes</th>' : ''}<th>Source</th></tr>`
  const rows: string[] = []
  const left = fill(
    rows,
    report.results.map(
      (r) =>
        `<tr><td>${r.name ? escape(r.name) : '—'}</td><td>${r.id ? code(r.id) : '—'}</td>` +
        `<td>${r.type ? escape(r.type) : '—'}</td><td>${BADGE[r.outcome]}</td>` +
        `${withChanges ? `<td>${changesCell(r)}</td>` : ''}` +
        `<td>${code(r.source.label)}</td></tr>`
    ),
    TABLE_BUDGET
  )
  if (left > 0) {
    shortened.push(
      `The table shows the first ${plural(rows.length, 'definition')} of ` +
        `${report.results.length.toLocaleString('en-US')}; the log and the \`results\` output list every one.`
    )
  }
  return `<table>${header}${rows.join('')}</table>${withChanges ? CHANGES_LEGEND : ''}`
}

function failures(report: RunReport, shortened: string[]): string {
  const failed = report.results.filter((r) => r.outcome === 'failed')
  if (failed.length === 0) return ''
  const items: string[] = []
  const left = fill(
    items,
    failed.map(
      (r) => `<li>${code(r.name ?? r.source.label)}: ${messageHtml(r.error ?? 'failed')}</li>`
    ),
    FAILURES_BUDGET
  )
  if (left > 0) {
    shortened.push(
      `The failures list shows ${plural(items.length, 'failure')} of ${failed.length.toLocaleString('en-US')}; the log has every one.`
    )
  }
  return `<h3>Failures</h3><ul>${items.join('')}</ul>`
}

function position(d: Diagnostic): string {
  if (d.line === undefined) return ''
  return d.column === undefined ? `line ${d.line}` : `${d.line}:${d.column}`
}

/** Every problem, grouped per file, identical messages of a file merged (with their lines). */
function problems(report: RunReport, shortened: string[]): string {
  const all = report.problems ?? []
  if (all.length === 0) return ''
  const byFile = new Map<string, Map<string, { severity: string; where: string[] }>>()
  for (const d of all) {
    const file = d.file ?? ''
    let messages = byFile.get(file)
    if (!messages) byFile.set(file, (messages = new Map()))
    const key = `${d.severity}\u0000${d.message}`
    let entry = messages.get(key)
    if (!entry) messages.set(key, (entry = { severity: d.severity, where: [] }))
    const at = position(d)
    if (at) entry.where.push(at)
  }
  const blocks: string[] = []
  let total = 0
  for (const [file, messages] of byFile) {
    let errors = 0
    let warnings = 0
    const items = [...messages].map(([key, entry]) => {
      const count = entry.where.length || 1
      if (entry.severity === 'error') errors += count
      else warnings += count
      total += count
      const where = entry.where.length
        ? ` <sub>(${escape(clip(entry.where.join(', '), 200))})</sub>`
        : ''
      const icon = entry.severity === 'error' ? '❌' : entry.severity === 'warning' ? '⚠️' : 'ℹ️'
      return `<li>${icon} ${messageHtml(key.slice(key.indexOf('\u0000') + 1))}${where}</li>`
    })
    const title = file ? code(file) : 'Inputs and the <code>definition</code> input'
    const counts = [errors && plural(errors, 'error'), warnings && plural(warnings, 'warning')]
      .filter(Boolean)
      .join(', ')
    blocks.push(`<p>${title} (${counts})</p><ul>${items.join('')}</ul>`)
  }
  const shown: string[] = []
  const left = fill(shown, blocks, PROBLEMS_BUDGET)
  if (left > 0) {
    shortened.push(
      `The problems list shows ${plural(shown.length, 'file')} of ${byFile.size.toLocaleString('en-US')}; ` +
        'the log has every problem.'
    )
  }
  return `<h3>Problems (${plural(total, 'problem')})</h3>${shown.join('')}`
}

export function buildSummaryHtml(report: RunReport): string {
  const context = readRunContext()
  const shortened = [...(report.shortened ?? [])]
  const parts: string[] = [
    `<h2>Northflank global secrets${report.dryRun ? ' (dry run)' : report.plan ? ' (plan)' : ''}</h2>`
  ]

  const facts: string[] = []
  if (context.repository) {
    const commit = context.sha ? context.sha.slice(0, 7) : undefined
    const commitText =
      commit && context.commitUrl
        ? ` at <a href="${escape(context.commitUrl)}">${escape(commit)}</a>`
        : ''
    facts.push(
      `Repository ${code(context.repository)}${commitText}${context.ref ? ` (${code(context.ref)})` : ''}`
    )
  }
  facts.push(report.teamId ? `Team ${code(report.teamId)}` : 'Scope: the API token’s own')
  if (report.dryRun) facts.push('Dry run: validated only, nothing was sent to Northflank')
  if (report.plan) {
    facts.push(
      'Plan: read only, nothing was changed in Northflank; the outcomes say what an apply would do'
    )
  }
  parts.push(`<p>${facts.join(' · ')}</p>`)

  if (report.results.length > 0) parts.push(table(report, shortened))
  parts.push(`<p><strong>${escape(totals(report.results))}</strong></p>`)
  if (report.notSent) parts.push(`<p>⚠️ ${messageHtml(report.notSent)}</p>`)
  parts.push(failures(report, shortened))
  parts.push(problems(report, shortened))
  if (shortened.length > 0) {
    parts.push(
      `<h3>Shortened</h3><ul>${shortened.map((s) => `<li>${messageHtml(s)}</li>`).join('')}</ul>`
    )
  }
  if (context.runUrl) {
    parts.push(`<p><sub><a href="${escape(context.runUrl)}">Workflow run</a></sub></p>`)
  }
  return parts.filter(Boolean).join('\n') + '\n'
}

export function buildSummary(report: RunReport): typeof core.summary {
  return core.summary.addRaw(buildSummaryHtml(report))
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
    annotate(
      'warning',
      `The job summary could not be written (${reason}); the log above has every outcome.`
    )
  } finally {
    core.summary.emptyBuffer()
  }
}
