// Shared test helpers for the definition stage (pure functions only, no mocks).
import { expect } from '@jest/globals'
import { parseDefinitionText, type DefinitionFormat } from '../../src/definition/parse.js'
import { validateDefinition } from '../../src/definition/validate.js'
import type { Diagnostic, ParsedDocument } from '../../src/definition/types.js'

export const VALID_GITOPS = {
  vcsService: 'github',
  repoUrl: 'https://github.com/owner/repo',
  branch: 'main',
  filePath: '/secrets.json'
}

/** Parses text that must hold exactly one document, failing the test otherwise. */
export function parseOne(
  text: string,
  format: DefinitionFormat = 'json',
  file = 'a.json'
): ParsedDocument {
  const result = parseDefinitionText(text, { file, format })
  expect(result.diagnostics).toEqual([])
  expect(result.documents).toHaveLength(1)
  return result.documents[0] as ParsedDocument
}

/** Validates a plain value (written as JSON) and returns the outcome. */
export function check(value: unknown) {
  return validateDefinition(parseOne(JSON.stringify(value, null, 2)))
}

/** A definition with `name` and `type`, plus whatever is given. */
export function withBase(extra: Record<string, unknown>): Record<string, unknown> {
  return { name: 'My Secret', type: 'secret', ...extra }
}

export function errors(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error')
}

export function warnings(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'warning')
}

/** Errors on one dotted path. */
export function errorsAt(value: unknown, path: string): Diagnostic[] {
  return errors(check(value).diagnostics).filter((d) => d.path === path)
}
