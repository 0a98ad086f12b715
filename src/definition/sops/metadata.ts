// The `sops` metadata of a file: its recipients, MAC, time stamp and encryption rules, read as
// sops's stores/stores.go names them. Pure: returns what it found and the problems, each with
// the path of the metadata field it is about.
import { isPlainObject, type PlainObject } from '../internal.js'
import type { DocumentPath } from '../types.js'
import { normaliseLastModified } from './go-values.js'
import { METADATA_KEY } from './state.js'
import { DEFAULT_UNENCRYPTED_SUFFIX, type EncryptionRules } from './tree.js'

export interface AgeRecipient {
  /** The recipient's public key (age1…), as the file names it. */
  recipient: string
  /** The data key, age-encrypted and armored. */
  enc: string
  path: DocumentPath
}

export interface SopsMetadata {
  /** The encrypted MAC (an ENC[…] value). */
  mac: string
  /** `lastmodified` as sops authenticates the MAC with it. */
  lastModified: string
  age: AgeRecipient[]
  /** Names of the other kinds of recipient the file has (PGP, AWS KMS, …). */
  otherKinds: string[]
  rules: EncryptionRules
}

export interface MetadataProblem {
  path: DocumentPath
  message: string
}

/** Key lists of the other recipient kinds sops supports, and how people call them. */
const OTHER_KINDS: readonly [string, string][] = [
  ['pgp', 'PGP'],
  ['kms', 'AWS KMS'],
  ['gcp_kms', 'GCP KMS'],
  ['azure_kv', 'Azure Key Vault'],
  ['hc_vault', 'HashiCorp Vault'],
  ['hckms', 'HuaweiCloud KMS']
]

const RULE_FIELDS = [
  'unencrypted_suffix',
  'encrypted_suffix',
  'unencrypted_regex',
  'encrypted_regex',
  'unencrypted_comment_regex',
  'encrypted_comment_regex'
] as const

const at = (...path: DocumentPath): DocumentPath => [METADATA_KEY, ...path]

/**
 * Go's RE2 syntax as a JavaScript RegExp: the patterns people write for sops (`^(values|files)$`,
 * `^(data|stringData)$`, `(?i)password`) mean the same in both; a leading `(?flags)` group,
 * which JavaScript lacks, becomes RegExp flags.
 */
export function goRegExp(source: string): RegExp | undefined {
  let pattern = source
  let flags = ''
  const inline = /^\(\?([imsU]+)\)/.exec(pattern)
  if (inline !== null) {
    const groupFlags = inline[1] ?? ''
    if (groupFlags.includes('U')) return undefined // ungreedy has no JavaScript equivalent
    flags = [...new Set(groupFlags)].join('')
    pattern = pattern.slice(inline[0].length)
  }
  try {
    return new RegExp(pattern, flags)
  } catch {
    return undefined
  }
}

export function readMetadata(meta: PlainObject): {
  metadata?: SopsMetadata
  problems: MetadataProblem[]
} {
  const problems: MetadataProblem[] = []
  const problem = (path: DocumentPath, message: string) => problems.push({ path, message })

  const mac = meta.mac
  if (typeof mac !== 'string' || mac === '') {
    problem(
      at('mac'),
      'the SOPS file has no MAC (sops.mac is empty), so its values cannot be verified; encrypt it again with sops'
    )
  }
  const lastModifiedRaw = meta.lastmodified
  const lastModified =
    typeof lastModifiedRaw === 'string' ? normaliseLastModified(lastModifiedRaw) : undefined
  if (lastModified === undefined) {
    problem(
      at('lastmodified'),
      'sops.lastmodified is not an RFC 3339 time such as "2024-03-25T01:15:16Z"; it was changed after sops wrote it'
    )
  }

  // Recipients: flat lists (one key group, what sops writes by default) or `key_groups`.
  const groups: { value: PlainObject; path: DocumentPath }[] = [{ value: meta, path: at() }]
  const keyGroups = meta.key_groups
  if (Array.isArray(keyGroups) && keyGroups.length > 0) {
    if (keyGroups.length > 1) {
      problem(
        at('key_groups'),
        `the SOPS file splits its data key over ${keyGroups.length} key groups (Shamir's secret sharing), which this action does not support; encrypt it for one group of age recipients`
      )
    }
    keyGroups.forEach((group, i) => {
      if (isPlainObject(group)) groups.push({ value: group, path: at('key_groups', i) })
    })
  }
  const age: AgeRecipient[] = []
  const otherKinds = new Set<string>()
  for (const group of groups) {
    const list = group.value.age
    if (Array.isArray(list)) {
      list.forEach((entry, i) => {
        const path = [...group.path, 'age', i]
        if (
          isPlainObject(entry) &&
          typeof entry.recipient === 'string' &&
          typeof entry.enc === 'string'
        ) {
          age.push({ recipient: entry.recipient.trim(), enc: entry.enc, path })
        } else {
          problem(
            path,
            'this age entry of the SOPS metadata needs "recipient" and "enc"; it was changed after sops wrote it'
          )
        }
      })
    }
    for (const [field, kind] of OTHER_KINDS) {
      const keys = group.value[field]
      if (Array.isArray(keys) && keys.length > 0) otherKinds.add(kind)
    }
  }

  const rules = readRules(meta, problem)
  if (problems.length > 0 || rules === undefined) return { problems }
  return {
    metadata: {
      mac: mac as string,
      lastModified: lastModified as string,
      age,
      otherKinds: [...otherKinds],
      rules
    },
    problems
  }
}

function readRules(
  meta: PlainObject,
  problem: (path: DocumentPath, message: string) => void
): EncryptionRules | undefined {
  const set = RULE_FIELDS.filter((field) => {
    const value = meta[field]
    return value !== undefined && value !== null && value !== ''
  })
  if (set.length > 1) {
    problem(
      at(set[1] as string),
      `the SOPS metadata sets ${set.join(' and ')}; sops allows only one of them, so the file was changed after sops wrote it`
    )
    return undefined
  }
  const macOnly = meta.mac_only_encrypted
  const rules: EncryptionRules = {
    macOnlyEncrypted: macOnly === true || (typeof macOnly === 'string' && /^true$/i.test(macOnly))
  }
  const field = set[0]
  if (field === undefined) return { ...rules, unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX }
  const value = meta[field]
  if (typeof value !== 'string') {
    problem(at(field), `sops.${field} must be a string; it was changed after sops wrote it`)
    return undefined
  }
  switch (field) {
    case 'unencrypted_suffix':
      return { ...rules, unencryptedSuffix: value }
    case 'encrypted_suffix':
      return { ...rules, encryptedSuffix: value }
    case 'unencrypted_regex':
    case 'encrypted_regex': {
      const re = goRegExp(value)
      if (re === undefined) {
        problem(
          at(field),
          `sops.${field} is a regular expression this action cannot read the way sops (Go's RE2) does; use a plain pattern such as ^(values|files)$`
        )
        return undefined
      }
      return field === 'encrypted_regex'
        ? { ...rules, encryptedRegex: re }
        : { ...rules, unencryptedRegex: re }
    }
    default:
      problem(
        at(field),
        `the SOPS file uses ${field}, which this action does not support (it needs the file's comments); use encrypted_regex: ^(values|files)$ in .sops.yaml instead`
      )
      return undefined
  }
}
