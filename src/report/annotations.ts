// Diagnostics and per-definition results as workflow commands, anchored to the
// file, line and column they concern so GitHub shows them on the pull request.
// GitHub shows at most 10 error and 10 warning annotations per step and 50 per job: the first
// ANNOTATION_LIMIT of each level are annotations, the rest plain log lines; all are counted
// and the job summary lists every problem.
import * as core from '@actions/core'
import type { Diagnostic } from '../definition/types.js'
import type { DefinitionResult } from './results.js'
import { inert, logLine } from './text.js'

export const ANNOTATION_LIMIT = 50
/** The longest message written as one annotation or log line (the summary has the whole). */
const MESSAGE_CHARS = 2_000

type Level = 'error' | 'warning' | 'notice'
const counts: Record<Level, { emitted: number; total: number }> = {
  error: { emitted: 0, total: 0 },
  warning: { emitted: 0, total: 0 },
  notice: { emitted: 0, total: 0 }
}

function clip(text: string): string {
  return text.length <= MESSAGE_CHARS ? text : `${text.slice(0, MESSAGE_CHARS - 1)}…`
}

/**
 * Every annotation of the action goes through here: outside text made inert, the first
 * ANNOTATION_LIMIT of each level as annotations, the others as plain log lines (`Error: …`).
 */
export function annotate(
  level: Level,
  message: string,
  properties: core.AnnotationProperties = {}
): void {
  const count = counts[level]
  count.total++
  const text = clip(inert(message))
  if (count.emitted < ANNOTATION_LIMIT) {
    count.emitted++
    if (level === 'error') core.error(text, properties)
    else if (level === 'warning') core.warning(text, properties)
    else core.notice(text, properties)
    return
  }
  const at = properties.file
    ? ` (${properties.file}${properties.startLine !== undefined ? `:${properties.startLine}` : ''})`
    : ''
  core.info(logLine(`${level[0]!.toUpperCase()}${level.slice(1)}${at}: ${text}`))
}

/** How many annotations of each level the run produced, and how many were written as such. */
export function annotationCounts(): Readonly<Record<Level, { emitted: number; total: number }>> {
  return counts
}

/** Says, once at the end, how many problems were logged instead of annotated. */
export function reportAnnotationOverflow(): void {
  const over = (['error', 'warning', 'notice'] as const)
    .filter((level) => counts[level].total > counts[level].emitted)
    .map((level) => `${counts[level].total - counts[level].emitted} ${level}s`)
  if (over.length === 0) return
  core.info(
    `${over.join(' and ')} more than the first ${ANNOTATION_LIMIT} of each kind are plain log ` +
      'lines above, not annotations (GitHub shows at most 50 per job); the job summary lists every problem.'
  )
}

/** For tests: start counting afresh. */
export function resetAnnotationCountsForTests(): void {
  for (const count of Object.values(counts)) {
    count.emitted = 0
    count.total = 0
  }
}

function where(diagnostic: Diagnostic): string {
  if (diagnostic.file) return ''
  // The inline `definition` input has no file to anchor to: say where in the input.
  if (diagnostic.line !== undefined) {
    return ` (input "definition", line ${diagnostic.line}, column ${diagnostic.column ?? 1})`
  }
  return ''
}

const DIAGNOSTIC_TITLE: Record<Diagnostic['severity'], string> = {
  error: 'Invalid definition',
  warning: 'Definition warning',
  notice: 'Definition notice'
}

export function annotateDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const diagnostic of diagnostics) {
    const properties: core.AnnotationProperties = { title: DIAGNOSTIC_TITLE[diagnostic.severity] }
    if (diagnostic.file) {
      properties.file = diagnostic.file
      if (diagnostic.line !== undefined) properties.startLine = diagnostic.line
      if (diagnostic.column !== undefined) properties.startColumn = diagnostic.column
    }
    annotate(diagnostic.severity, diagnostic.message + where(diagnostic), properties)
  }
}

const VERB: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Unchanged (nothing sent)',
  exists: 'Already exists (left unchanged)',
  validated: 'Valid',
  create: 'Plan: would create',
  update: 'Plan: would update',
  conflict: 'Plan: would fail'
}

// A notice is one line on the pull request; the summary lists every path.
const CHANGES_IN_NOTICE = 10

function changeList(result: DefinitionResult): string {
  const changes = result.changes ?? []
  if (changes.length === 0 || result.outcome === 'created') return ''
  const shown = changes.slice(0, CHANGES_IN_NOTICE).join(', ')
  const more = changes.length - CHANGES_IN_NOTICE
  return `: ${shown}${more > 0 ? ` and ${more} more` : ''}`
}

function anchor(result: DefinitionResult, title: string): core.AnnotationProperties {
  const properties: core.AnnotationProperties = { title }
  if (result.source.file) {
    properties.file = result.source.file
    if (result.position) properties.startLine = result.position.line
  }
  return properties
}

function label(result: DefinitionResult): string {
  const id = result.id ? ` (${result.id})` : ''
  return `global secret "${result.name ?? result.source.label}"${id}`
}

/**
 * One notice per applied (or planned) definition and one error per failed one; a
 * plan's conflict is a warning (the plan itself succeeds).
 */
export function annotateResults(results: readonly DefinitionResult[], plan = false): void {
  for (const result of results) {
    if (plan && result.outcome === 'conflict') {
      annotate(
        'warning',
        `${VERB.conflict}: ${label(result)} already exists and on-conflict is fail; an apply ` +
          'would fail. Set on-conflict: skip to keep it, or on-conflict: update to replace it' +
          `${changeList(result)}.`,
        anchor(result, 'Northflank global secret plan')
      )
    } else if (plan && result.outcome === 'exists') {
      annotate(
        'notice',
        `Plan: would leave ${label(result)} as it is (it exists and differs; on-conflict: ` +
          `skip)${changeList(result)}.`,
        anchor(result, 'Northflank global secret plan')
      )
    } else if (result.outcome === 'failed') {
      annotate(
        'error',
        `${label(result)} from ${result.source.label}: ${result.error ?? 'failed'}`,
        anchor(result, 'Northflank global secret failed')
      )
    } else if (result.outcome !== 'validated') {
      annotate(
        'notice',
        `${VERB[result.outcome]}: ${label(result)}${changeList(result)}.`,
        anchor(result, plan ? 'Northflank global secret plan' : 'Northflank global secret')
      )
    }
  }
}
