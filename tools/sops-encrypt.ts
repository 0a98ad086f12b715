// Test-only SOPS encryption (not bundled, never used by the action): writes definition-shaped
// files as sops 3.8 does with age recipients, through the same value format, rules and MAC code
// the action decrypts with (src/definition/sops/). That code is proven against a file written by
// real sops (__tests__/fixtures/sops/), so files made here are what sops would make.
//
// CLI (regenerates the encrypted example):
//   tsx tools/sops-encrypt.ts --recipient age1… [--encrypted-regex RE] [--json] IN.yaml > OUT.yaml
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { armor, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption'
import { dump, load } from 'js-yaml'
import {
  formatGoFloat,
  macText,
  plaintextOf,
  type SopsScalar
} from '../src/definition/sops/go-values.js'
import { goRegExp } from '../src/definition/sops/metadata.js'
import {
  additionalData,
  computeMac,
  encryptValue,
  shouldBeEncrypted,
  type EncryptionRules,
  type MacInput
} from '../src/definition/sops/tree.js'
import type { DocumentPath } from '../src/definition/types.js'

/** A mapping is a plain object, or a Map when its key order must survive (integer-like keys). */
export type Tree = SopsScalar | null | Tree[] | { [key: string]: Tree } | Map<string, Tree>

export interface EncryptOptions {
  /** age public keys (age1…) to encrypt the data key for; may be empty (see `metadata`). */
  recipients: readonly string[]
  format?: 'yaml' | 'json'
  /** At most one rule, named as in .sops.yaml; none means sops's default `_unencrypted` suffix. */
  rule?:
    | { encrypted_regex: string }
    | { unencrypted_regex: string }
    | { encrypted_suffix: string }
    | { unencrypted_suffix: string }
  macOnlyEncrypted?: boolean
  /** Default: now, to the second, as sops writes it. */
  lastModified?: string
  /** Extra metadata keys, e.g. `pgp` entries for a file encrypted for PGP only. */
  metadata?: Record<string, unknown>
}

export interface AgeKeyPair {
  identity: string
  recipient: string
}

export async function generateAgeKey(): Promise<AgeKeyPair> {
  const identity = await generateX25519Identity()
  return { identity, recipient: await identityToRecipient(identity) }
}

function entriesOf(value: Tree): [string, Tree][] | undefined {
  if (value instanceof Map) return [...value.entries()]
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value)
  }
  return undefined
}

function rulesOf(options: EncryptOptions): EncryptionRules {
  const rules: EncryptionRules = { macOnlyEncrypted: options.macOnlyEncrypted ?? false }
  const rule = (options.rule ?? { unencrypted_suffix: '_unencrypted' }) as Record<string, string>
  if (rule.unencrypted_suffix !== undefined) rules.unencryptedSuffix = rule.unencrypted_suffix
  if (rule.encrypted_suffix !== undefined) rules.encryptedSuffix = rule.encrypted_suffix
  if (rule.encrypted_regex !== undefined) rules.encryptedRegex = goRegExp(rule.encrypted_regex)
  if (rule.unencrypted_regex !== undefined) {
    rules.unencryptedRegex = goRegExp(rule.unencrypted_regex)
  }
  return rules
}

/** Encrypts `tree` (the definition) into the text of a SOPS file. */
export async function sopsEncrypt(tree: Tree, options: EncryptOptions): Promise<string> {
  const dataKey = randomBytes(32)
  const rules = rulesOf(options)
  const mac: MacInput[] = []

  // Walks in the order the file will have (as sops does) and encrypts what the rules say.
  const encryptTree = (value: Tree, path: DocumentPath): Tree => {
    if (Array.isArray(value)) return value.map((item, i) => encryptTree(item, [...path, i]))
    const entries = entriesOf(value)
    if (entries !== undefined) {
      return new Map(entries.map(([k, v]) => [k, encryptTree(v, [...path, k])]))
    }
    if (value === null) return null
    const encrypted = shouldBeEncrypted(path, rules)
    mac.push({ text: macText(value as SopsScalar), encrypted })
    if (!encrypted || value === '') return value
    const { text, type } = plaintextOf(value as SopsScalar)
    return encryptValue(text, type, dataKey, additionalData(path))
  }
  const encrypted = encryptTree(tree, []) as Map<string, Tree>

  const lastModified = options.lastModified ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  const age = await Promise.all(
    options.recipients.map(async (recipient) => {
      const encrypter = new Encrypter()
      encrypter.addRecipient(recipient)
      return { recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) }
    })
  )
  const metadata = new Map<string, unknown>([
    ['kms', []],
    ['gcp_kms', []],
    ['azure_kv', []],
    ['hc_vault', []],
    ['age', age],
    ['lastmodified', lastModified],
    ['mac', encryptValue(computeMac(mac, rules.macOnlyEncrypted), 'str', dataKey, lastModified)],
    ['pgp', []],
    ...Object.entries(options.rule ?? { unencrypted_suffix: '_unencrypted' }),
    ...(options.macOnlyEncrypted ? [['mac_only_encrypted', true] as [string, unknown]] : []),
    ['version', '3.8.1'],
    ...Object.entries(options.metadata ?? {})
  ])
  encrypted.set('sops', metadata as unknown as Tree)
  return options.format === 'json' ? toJson(encrypted) : toYaml(encrypted)
}

/** Plain objects for js-yaml (which keeps insertion order, integer-like keys aside). */
function toPlain(value: unknown): unknown {
  if (value instanceof Map) {
    const obj: Record<string, unknown> = {}
    for (const [k, v] of value) obj[k] = toPlain(v)
    return obj
  }
  if (Array.isArray(value)) return value.map(toPlain)
  return value
}

function toYaml(tree: Map<string, Tree>): string {
  return dump(toPlain(tree), { lineWidth: -1, noRefs: true, indent: 4 })
}

/** JSON with keys in Map order (JSON.stringify would put integer-like keys first). */
function toJson(value: unknown, indent = ''): string {
  const inner = `${indent}\t`
  if (
    value instanceof Map ||
    (typeof value === 'object' && value !== null && !Array.isArray(value))
  ) {
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value)
    if (entries.length === 0) return '{}'
    const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`)
    return `{\n${body.join(',\n')}\n${indent}}`
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((v) => `${inner}${toJson(v, inner)}`).join(',\n')}\n${indent}]`
  }
  if (typeof value === 'number') return formatGoFloat(value)
  return JSON.stringify(value)
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      recipient: { type: 'string', multiple: true },
      'encrypted-regex': { type: 'string' },
      json: { type: 'boolean', default: false }
    }
  })
  const input = positionals[0]
  if (input === undefined || !values.recipient?.length) {
    console.error(
      'usage: tsx tools/sops-encrypt.ts --recipient age1… [--encrypted-regex RE] [--json] IN'
    )
    process.exit(2)
  }
  const tree = load(readFileSync(input, 'utf8')) as Tree
  const regex = values['encrypted-regex']
  process.stdout.write(
    await sopsEncrypt(tree, {
      recipients: values.recipient,
      format: values.json ? 'json' : 'yaml',
      ...(regex === undefined ? {} : { rule: { encrypted_regex: regex } })
    })
  )
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
