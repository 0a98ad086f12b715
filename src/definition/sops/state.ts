// What the rest of the action needs to know about SOPS without loading the decryption code:
// whether a document is a SOPS file, which of its values were encrypted, and whether they were
// decrypted. Small on purpose: it is part of every run; ./open.ts (lazily loaded) does the work.
import { hasOwn, isPlainObject } from '../internal.js'
import type { DocumentPath, ParsedDocument } from '../types.js'

/** The top-level key holding a SOPS file's metadata. */
export const METADATA_KEY = 'sops'

/** A top-level `sops` mapping with `mac` and `lastmodified`: the document is a SOPS file. */
export function isSopsValue(value: unknown): boolean {
  if (!isPlainObject(value) || !hasOwn(value, METADATA_KEY)) return false
  const meta = value[METADATA_KEY]
  return isPlainObject(meta) && hasOwn(meta, 'mac') && hasOwn(meta, 'lastmodified')
}

/**
 * A top-level `sops` mapping that has some SOPS metadata but not all that sops writes: a SOPS
 * file damaged by hand (reported as such rather than as an unknown `sops` field).
 */
export function isDamagedSopsValue(value: unknown): boolean {
  if (!isPlainObject(value) || !hasOwn(value, METADATA_KEY) || isSopsValue(value)) return false
  const meta = value[METADATA_KEY]
  return (
    isPlainObject(meta) &&
    ['mac', 'lastmodified', 'version', 'age', 'pgp', 'kms', 'key_groups'].some((k) =>
      hasOwn(meta, k)
    )
  )
}

/** Whether any of the documents needs the SOPS stage (and its lazily loaded code). */
export function holdsSops(documents: readonly ParsedDocument[]): boolean {
  return documents.some((d) => isSopsValue(d.value) || isDamagedSopsValue(d.value))
}

function startsWith(path: DocumentPath, prefix: DocumentPath): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i])
}

/**
 * Whether the value at `path` (or above it) is still encrypted and so was not checked: a SOPS
 * file read without a key (a dry run). Validation says nothing about such values.
 */
export function isUnchecked(doc: ParsedDocument, path: DocumentPath): boolean {
  const sops = doc.sops
  if (sops === undefined || sops.decrypted) return false
  return sops.encrypted.some((encrypted) => startsWith(path, encrypted))
}

function valueAt(root: unknown, path: DocumentPath): unknown {
  let current = root
  for (const part of path) {
    if (Array.isArray(current) && typeof part === 'number') current = current[part]
    else if (isPlainObject(current) && typeof part === 'string' && hasOwn(current, part)) {
      current = current[part]
    } else return undefined
  }
  return current
}

/** Top-level fields that are public text whatever the file does: never masked. */
const PUBLIC_TEXT_FIELDS = new Set(['name', 'type'])

/**
 * Whether the value at `path` (or above it) was decrypted from a SOPS file and is so a secret
 * (see decryptedLeaves; `name` and `type` are public text): messages never quote it.
 */
export function isDecryptedSecret(doc: ParsedDocument, path: DocumentPath): boolean {
  const sops = doc.sops
  if (sops === undefined || !sops.decrypted) return false
  if (path.length === 1 && PUBLIC_TEXT_FIELDS.has(path[0] as string)) return false
  return sops.encrypted.some((encrypted) => startsWith(path, encrypted))
}

/**
 * Every decrypted value of a document, with its path: each is a secret, whatever the
 * definition's `type`, because its author encrypted it. `name` and `type` are left out: the
 * action shows the name (and the identifier derived from it) as the run's public text, and
 * `type` is `secret` or `config`, words of every log line.
 */
export function decryptedLeaves(
  doc: ParsedDocument
): { path: DocumentPath; value: string | number | boolean }[] {
  const sops = doc.sops
  if (sops === undefined || !sops.decrypted) return []
  const found: { path: DocumentPath; value: string | number | boolean }[] = []
  for (const path of sops.encrypted) {
    if (path.length === 1 && PUBLIC_TEXT_FIELDS.has(path[0] as string)) continue
    const value = valueAt(doc.value, path)
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      found.push({ path, value })
    }
  }
  return found
}
