// Shared test helpers for the definition stage (pure functions only, no mocks).
import { expect } from '@jest/globals'
import { parseDefinitionText, type DefinitionFormat } from '../../src/definition/parse.js'
import { validateDefinition, type ValidateOptions } from '../../src/definition/validate.js'
import type { Diagnostic, ParsedDocument } from '../../src/definition/types.js'

export const VALID_GITOPS = {
  vcsService: 'github',
  repoUrl: 'https://github.com/owner/repo',
  branch: 'main',
  filePath: '/secrets.json'
}

/**
 * Loads both parsers (inline text that is not JSON needs both), for tests with time limits:
 * they measure parsing, not the first import.
 */
export async function loadParsers(): Promise<void> {
  await parseDefinitionText('a: 1', { format: 'auto' })
}

/** Parses text that must hold exactly one document, failing the test otherwise. */
export async function parseOne(
  text: string,
  format: DefinitionFormat = 'json',
  file = 'a.json'
): Promise<ParsedDocument> {
  const result = await parseDefinitionText(text, { file, format })
  expect(result.diagnostics).toEqual([])
  expect(result.documents).toHaveLength(1)
  return result.documents[0] as ParsedDocument
}

/** Validates a plain value (written as JSON) and returns the outcome. */
export async function check(value: unknown, options?: ValidateOptions) {
  return validateDefinition(await parseOne(JSON.stringify(value, null, 2)), options)
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
export async function errorsAt(value: unknown, path: string): Promise<Diagnostic[]> {
  return errors((await check(value)).diagnostics).filter((d) => d.path === path)
}
