// Turns loaded documents into the definitions a run will send: applies the
// `name`/`description`/`type` overrides and `values-from-env`, validates each
// definition, then the batch as a whole. Pure: returns values and diagnostics.
import type { GlobalSecretDefinition, SecretType } from './secret-definition.js'
import type { Diagnostic, ParsedDocument } from './types.js'
import { assignEnvValues, type EnvValue } from './env-values.js'
import { applyOverrides } from './overrides.js'
import { validateBatch, validateDefinition } from './validate.js'

export interface PreparedDefinition {
  /** The document as it will be sent (overrides applied), with its source positions. */
  doc: ParsedDocument
  /** Set only when the definition is valid. */
  definition?: GlobalSecretDefinition
  /** The name and type whenever each is valid itself, so reports can name the definition. */
  name?: string
  type?: SecretType
}

export interface PrepareOptions {
  overrides: { name?: string; description?: string; type?: string }
  valuesFromEnv: readonly EnvValue[]
  teamId?: string
  /** Unknown fields are warnings, sent as written (the `allow-unknown-fields` input). */
  allowUnknownFields?: boolean
}

export function prepareDefinitions(
  documents: readonly ParsedDocument[],
  options: PrepareOptions
): { prepared: PreparedDefinition[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const { name, description, type } = options.overrides
  if ((name || description || type) && documents.length > 1) {
    diagnostics.push({
      severity: 'error',
      message: `Inputs "name", "description" and "type" override one definition, but this run holds ${documents.length}; set these fields in each definition instead.`
    })
  }

  const assigned = assignEnvValues(documents, options.valuesFromEnv, name)
  diagnostics.push(...assigned.diagnostics)
  const prepared = documents.map((original, index): PreparedDefinition => {
    const doc = applyOverrides(original, {
      name,
      description,
      type,
      values: assigned.values[index]
    })
    const { diagnostics: found, ...valid } = validateDefinition(doc, {
      allowUnknownFields: options.allowUnknownFields
    })
    diagnostics.push(...found)
    return { doc, ...valid }
  })
  const valid = prepared.filter(
    (p): p is Required<PreparedDefinition> => p.definition !== undefined
  )
  const refused = new Set<ParsedDocument>()
  diagnostics.push(...validateBatch(valid, options.teamId, (doc) => refused.add(doc)))
  return {
    // A definition refused for the batch's sake (a duplicate id) is not valid either.
    prepared: prepared.map((p) => (refused.has(p.doc) ? { ...p, definition: undefined } : p)),
    diagnostics
  }
}
