// Action inputs that replace fields of a definition (`name`, `description`, `type`,
// `values-from-env`). The result remembers which paths the inputs set, so validation can
// blame the input rather than the file.
import { defineKey, isPlainObject, safeClone, type PlainObject } from './internal.js'
import type { DocumentPath, OverriddenPath, ParsedDocument } from './types.js'

export interface DefinitionOverrides {
  /** Unset or empty: keep the definition's own value (an input cannot hold a valid empty one). */
  name?: string
  description?: string
  type?: string
  /** Each entry sets `secrets.values.KEY`; other values of the definition are kept. */
  values?: Record<string, string>
}

/**
 * Returns a new document with the overrides applied; `doc` is never changed. `secrets` and
 * `secrets.values` are created when absent (or null); when the file gives them a value that
 * is not a mapping they are left alone, so validation reports the file's mistake.
 *
 * Positions: `locate` still answers with the file's positions (an overridden key that the
 * file also has keeps its file position), but `overrides` lists the paths set by inputs and
 * validation reports problems under them as `input "name": ...` without a file position.
 */
export function applyOverrides(doc: ParsedDocument, o: DefinitionOverrides): ParsedDocument {
  const value = safeClone(doc.value)
  const overrides: OverriddenPath[] = [...(doc.overrides ?? [])]
  const set = (target: PlainObject, path: DocumentPath, key: string, v: unknown, input: string) => {
    defineKey(target, key, v)
    overrides.push({ path: [...path, key], input })
  }

  if (isPlainObject(value)) {
    const fields = [
      ['name', o.name],
      ['description', o.description],
      ['type', o.type]
    ] as const
    for (const [field, v] of fields) {
      if (v !== undefined && v !== '') set(value, [], field, v, field)
    }
    const entries = Object.entries(o.values ?? {})
    if (entries.length > 0) {
      const secrets = container(value, 'secrets')
      const values = secrets === undefined ? undefined : container(secrets, 'values')
      if (values !== undefined) {
        for (const [key, v] of entries)
          set(values, ['secrets', 'values'], key, v, 'values-from-env')
      }
    }
  }

  return {
    source: doc.source,
    value,
    // Paths are the same as in the original, so its positions still apply.
    locate: (path, which) => doc.locate(path, which),
    overrides,
    ...(doc.changedScalars === undefined ? {} : { changedScalars: doc.changedScalars }),
    ...(doc.sops === undefined ? {} : { sops: doc.sops })
  }
}

/** The mapping at `parent[key]`, created when absent or null; undefined when it is not one. */
function container(parent: PlainObject, key: string): PlainObject | undefined {
  const existing = Object.prototype.hasOwnProperty.call(parent, key) ? parent[key] : undefined
  if (existing === undefined || existing === null) {
    const created: PlainObject = {}
    defineKey(parent, key, created)
    return created
  }
  return isPlainObject(existing) ? existing : undefined
}
