// age, through `age-encryption` (by age's author): the public keys of the given identities and
// the SOPS data key unwrapped from a file's age recipients. The library is ESM and sizeable, so
// it is imported here on first use: a run whose SOPS files are not opened (no key) never loads it.
import type { AgeRecipient } from './metadata.js'

type AgeLibrary = typeof import('age-encryption')

let library: Promise<AgeLibrary> | undefined
const loadAge = (): Promise<AgeLibrary> => (library ??= import('age-encryption'))

/** The identities' public keys (age1…), in order; undefined for one that is not a valid identity. */
export async function publicKeysOf(identities: readonly string[]): Promise<(string | undefined)[]> {
  const age = await loadAge()
  return Promise.all(
    identities.map(async (identity) => {
      try {
        return await age.identityToRecipient(identity)
      } catch {
        return undefined
      }
    })
  )
}

export type Unwrapped =
  | { key: Uint8Array }
  /** No identity opens any of the file's age recipients. */
  | { key?: undefined; damaged?: AgeRecipient }

/**
 * The data key from the first age recipient that one of the identities opens. Recipients the
 * identities' public keys name are tried first; the others too (the `recipient` field is only a
 * label, the age header decides). `damaged`: a recipient of ours whose data key did not open.
 */
export async function unwrapDataKey(
  recipients: readonly AgeRecipient[],
  identities: readonly string[],
  publicKeys: readonly (string | undefined)[]
): Promise<Unwrapped> {
  const age = await loadAge()
  const decrypter = new age.Decrypter()
  identities.forEach((identity, i) => {
    if (publicKeys[i] !== undefined) decrypter.addIdentity(identity)
  })
  const ours = new Set(publicKeys.filter((k): k is string => k !== undefined))
  const ordered = [
    ...recipients.filter((r) => ours.has(r.recipient)),
    ...recipients.filter((r) => !ours.has(r.recipient))
  ]
  let damaged: AgeRecipient | undefined
  for (const recipient of ordered) {
    try {
      const key = await decrypter.decrypt(age.armor.decode(recipient.enc))
      // A SOPS data key is 32 bytes (AES-256); anything else was not written by sops.
      if (key.length === 32) return { key }
      if (ours.has(recipient.recipient)) damaged ??= recipient
    } catch {
      if (ours.has(recipient.recipient)) damaged ??= recipient
    }
  }
  return damaged === undefined ? {} : { damaged }
}
