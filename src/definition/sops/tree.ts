// The SOPS tree as sops walks it: which values a file's rules encrypt, the order of the values
// (the MAC depends on it), the ENC[AES256_GCM,…] value format and its AES-256-GCM cipher, and
// the MAC. Pure functions over parsed values plus node:crypto; nothing here prints.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { isPlainObject, type PlainObject } from '../internal.js'
import type { DocumentPath } from '../types.js'
import type { SopsScalar } from './go-values.js'
import { METADATA_KEY } from './state.js'

/** Which values a file encrypts: at most one of these is set (sops refuses more). */
export interface EncryptionRules {
  unencryptedSuffix?: string
  encryptedSuffix?: string
  unencryptedRegex?: RegExp
  encryptedRegex?: RegExp
  /** The MAC covers only encrypted values (and starts from a fixed prefix). */
  macOnlyEncrypted: boolean
}

/** sops's default when a file names no rule. */
export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted'

/**
 * sops's shouldBeEncrypted: the rules look at every key on the path (list positions are not
 * part of it), so a key matching anywhere above a value decides for everything below it.
 */
export function shouldBeEncrypted(path: DocumentPath, rules: EncryptionRules): boolean {
  const keys = path.filter((p): p is string => typeof p === 'string')
  let encrypted = true
  if (rules.unencryptedSuffix) {
    if (keys.some((k) => k.endsWith(rules.unencryptedSuffix as string))) encrypted = false
  }
  if (rules.encryptedSuffix) {
    encrypted = keys.some((k) => k.endsWith(rules.encryptedSuffix as string))
  }
  if (rules.unencryptedRegex) {
    const re = rules.unencryptedRegex
    if (keys.some((k) => re.test(k))) encrypted = false
  }
  if (rules.encryptedRegex) {
    const re = rules.encryptedRegex
    encrypted = keys.some((k) => re.test(k))
  }
  return encrypted
}

/** The additional data sops binds each value to: its keys joined by `:`, then `:`. */
export function additionalData(path: DocumentPath): string {
  return `${path.filter((p): p is string => typeof p === 'string').join(':')}:`
}

export interface Leaf {
  path: DocumentPath
  value: SopsScalar
}

/**
 * Every scalar of the tree in sops's order (the file's order; null values carry nothing and
 * are skipped, as sops skips them), the top-level `sops` key left out. `keysOf` gives a
 * mapping's keys in file order: JavaScript enumerates integer-like keys first, so the order
 * must come from the source positions.
 */
export function leaves(
  root: PlainObject,
  keysOf: (obj: PlainObject, path: DocumentPath) => string[] = (obj) => Object.keys(obj)
): Leaf[] {
  const found: Leaf[] = []
  const visit = (value: unknown, path: DocumentPath): void => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, i]))
    else if (isPlainObject(value)) {
      for (const key of keysOf(value, path)) {
        if (path.length === 0 && key === METADATA_KEY) continue
        visit(value[key], [...path, key])
      }
    } else if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      found.push({ path, value })
    }
  }
  visit(root, [])
  return found
}

/** The parts of an ENC[AES256_GCM,data:…,iv:…,tag:…,type:…] value. */
export interface EncryptedValue {
  data: Buffer
  iv: Buffer
  tag: Buffer
  type: string
}

const BASE64 = '[A-Za-z0-9+/]*={0,2}'
const ENCRYPTED = new RegExp(
  `^ENC\\[AES256_GCM,data:(${BASE64}),iv:(${BASE64}),tag:(${BASE64}),type:([a-z]+)\\]$`
)

/** Whether a value is written as sops writes an encrypted value (it may still be malformed). */
export function looksEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('ENC[')
}

/** Undefined when the text is not a well-formed encrypted value. */
export function parseEncrypted(text: string): EncryptedValue | undefined {
  const match = ENCRYPTED.exec(text)
  if (match === null) return undefined
  const [, data = '', iv = '', tag = '', type = ''] = match
  const parsed = {
    data: Buffer.from(data, 'base64'),
    iv: Buffer.from(iv, 'base64'),
    tag: Buffer.from(tag, 'base64'),
    type
  }
  // sops writes 32-byte IVs and 16-byte tags; anything else was not written by sops.
  if (parsed.iv.length < 12 || parsed.tag.length !== 16 || parsed.data.length === 0) {
    return undefined
  }
  return parsed
}

/** AES-256-GCM open; undefined when authentication fails (wrong key, path or bytes). */
export function decryptValue(
  value: EncryptedValue,
  key: Uint8Array,
  aad: string
): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, value.iv, { authTagLength: 16 })
    decipher.setAAD(Buffer.from(aad, 'utf8'))
    decipher.setAuthTag(value.tag)
    const plain = Buffer.concat([decipher.update(value.data), decipher.final()])
    return new TextDecoder('utf-8', { fatal: true }).decode(plain)
  } catch {
    return undefined
  }
}

/** AES-256-GCM seal in sops's format, with a fresh 32-byte IV (for encrypting). */
export function encryptValue(
  plaintext: string,
  type: string,
  key: Uint8Array,
  aad: string
): string {
  const iv = randomBytes(32)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${tag.toString('base64')},type:${type}]`
}

/**
 * sops's MACOnlyEncryptedInitialization: the MAC of a `mac_only_encrypted` file starts from
 * these bytes, so it can never equal the MAC of the same values without the setting.
 */
const MAC_ONLY_ENCRYPTED_PREFIX = Buffer.from([
  0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
  0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69
])

export interface MacInput {
  /** sops's ToBytes text of the plaintext value. */
  text: string
  encrypted: boolean
}

/** The MAC as sops computes it: SHA-512 over the values in tree order, upper-case hex. */
export function computeMac(values: readonly MacInput[], macOnlyEncrypted: boolean): string {
  const hash = createHash('sha512')
  if (macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_PREFIX)
  for (const value of values) {
    if (!macOnlyEncrypted || value.encrypted) hash.update(value.text, 'utf8')
  }
  return hash.digest('hex').toUpperCase()
}
