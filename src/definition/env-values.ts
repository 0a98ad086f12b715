// Decides which definition each `values-from-env` entry fills. With one
// definition an entry may name no target; with several, each must name the
// identifier of the one it is for, so a database password never lands in an
// unrelated secret by accident.
import { deriveSecretId } from './identifier.js'
import type { Diagnostic, ParsedDocument } from './types.js'

export interface EnvValue {
  target?: string
  key: string
  variable: string
  value: string
}

function nameOf(doc: ParsedDocument, nameOverride?: string): string | undefined {
  if (nameOverride) return nameOverride
  const value = doc.value as { name?: unknown } | null
  return typeof value === 'object' && value !== null && typeof value.name === 'string'
    ? value.name
    : undefined
}

/** The `secrets.values` additions for each document, in document order. */
export function assignEnvValues(
  documents: readonly ParsedDocument[],
  entries: readonly EnvValue[],
  nameOverride?: string
): { values: Record<string, string>[]; diagnostics: Diagnostic[] } {
  const values = documents.map(() => ({}) as Record<string, string>)
  const diagnostics: Diagnostic[] = []
  const ids = documents.map((doc) => {
    const name = nameOf(doc, nameOverride)
    return name === undefined ? undefined : deriveSecretId(name)
  })
  for (const entry of entries) {
    if (entry.target === undefined) {
      if (documents.length === 1) values[0]![entry.key] = entry.value
      else if (documents.length > 1) {
        diagnostics.push({
          severity: 'error',
          message: `Input "values-from-env": entry "${entry.key}" names no definition, but this run holds ${documents.length}; prefix it with the identifier of the one it is for, e.g. "${ids.find(Boolean) ?? 'shared-config'}:${entry.key}=${entry.variable}".`
        })
      }
      continue
    }
    const index = ids.indexOf(entry.target)
    if (index === -1) {
      const known = [...new Set(ids.filter(Boolean))].join(', ') || 'none'
      diagnostics.push({
        severity: 'error',
        message: `Input "values-from-env": no definition has the identifier "${entry.target}" (entry "${entry.target}:${entry.key}"); identifiers in this run: ${known}.`
      })
      continue
    }
    values[index]![entry.key] = entry.value
  }
  return { values, diagnostics }
}
