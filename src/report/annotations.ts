// Diagnostics and per-definition results as workflow commands, anchored to the
// file, line and column they concern so GitHub shows them on the pull request.
import * as core from '@actions/core'
import type { Diagnostic } from '../definition/types.js'
import type { DefinitionResult } from './results.js'

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
    const message = diagnostic.message + where(diagnostic)
    if (diagnostic.severity === 'error') core.error(message, properties)
    else if (diagnostic.severity === 'warning') core.warning(message, properties)
    else core.notice(message, properties)
  }
}

const VERB: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  exists: 'Already exists (left unchanged)',
  validated: 'Valid'
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

/** One notice per applied definition and one error per failed one. */
export function annotateResults(results: readonly DefinitionResult[]): void {
  for (const result of results) {
    if (result.outcome === 'failed') {
      core.error(
        `${label(result)} from ${result.source.label}: ${result.error ?? 'failed'}`,
        anchor(result, 'Northflank global secret failed')
      )
    } else if (result.outcome !== 'validated') {
      core.notice(
        `${VERB[result.outcome]}: ${label(result)}.`,
        anchor(result, 'Northflank global secret')
      )
    }
  }
}
