// Masking and redaction. Secret values are registered with the runner before
// anything that could contain them is printed; redaction replaces them in
// everything this action writes itself (the `response` output, the summary).
import * as core from '@actions/core'

const REDACTED = '***'

/**
 * Registers a value as a secret with the runner. The runner masks registered
 * strings line by line, so each line of a multi-line value is registered too.
 */
export function registerSecret(value: string): void {
  if (value.trim() === '') return
  core.setSecret(value)
  if (!/[\r\n]/.test(value)) return
  for (const line of value.split(/\r?\n|\r/)) {
    if (line.trim() !== '') core.setSecret(line)
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function collectStrings(value: unknown, into: string[], skipKeys: ReadonlySet<string>): void {
  if (typeof value === 'string') {
    into.push(value)
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into, skipKeys)
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!skipKeys.has(key)) collectStrings(item, into, skipKeys)
    }
  }
}

// `encoding` of a file entry ("utf-8", "base64") is metadata, not content;
// masking it would blank that word out of every log line.
const FILE_METADATA = new Set(['encoding'])

/**
 * Every secret string of a definition: each string leaf of `secrets.values`
 * and the contents of `secrets.files`. Names, ids and keys are never secret.
 */
export function secretStrings(definition: unknown): string[] {
  const found: string[] = []
  if (!isPlainObject(definition) || !isPlainObject(definition.secrets)) return found
  collectStrings(definition.secrets.values, found, new Set())
  collectStrings(definition.secrets.files, found, FILE_METADATA)
  return found
}

function redactLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactLeaves)
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLeaves(v)]))
  }
  return value === null || value === undefined ? value : REDACTED
}

/** A copy of an API `data` object with every leaf under `secrets` replaced by `***`. */
export function redactSecretValues(data: unknown): unknown {
  if (!isPlainObject(data)) return data
  const copy: Record<string, unknown> = { ...data }
  if ('secrets' in copy) copy.secrets = redactLeaves(copy.secrets)
  return copy
}
