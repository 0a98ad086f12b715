// SOPS files through the loading stage the action runs (loadDefinitions → the lazily loaded
// SOPS stage): a file written by real sops, and files from the test-only helper, which the real
// file proves right. Tampering, wrong keys, rules, types, MAC, positions.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDefinitions, validateDefinition, type LoadResult } from '../../src/definition/index.js'
import {
  formatGoFloat,
  normaliseLastModified,
  readTyped
} from '../../src/definition/sops/go-values.js'
import { readAgeIdentities } from '../../src/definition/sops/identities.js'
import { decryptedLeaves } from '../../src/definition/sops/state.js'
import {
  generateAgeKey,
  sopsEncrypt,
  type AgeKeyPair,
  type Tree
} from '../../tools/sops-encrypt.js'
import { makeWorkspace, type Workspace } from '../helpers/workspace.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const FIXTURES = path.join(ROOT, '__tests__/fixtures/sops')
const REAL_FILE = readFileSync(path.join(FIXTURES, 'real-sops-3.8.1.enc.yaml'), 'utf8')
const REAL_KEY = readFileSync(path.join(FIXTURES, 'real-sops-3.8.1.key.txt'), 'utf8')
const REAL_IDENTITY = REAL_KEY.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!
const REAL_RECIPIENT = 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr'

const DEFINITION = {
  name: 'Database Credentials',
  description: 'PostgreSQL for the API',
  type: 'secret',
  secrets: {
    values: {
      DATABASE_PASSWORD: 'correct horse battery staple',
      DATABASE_PORT: 5432,
      RATIO: 0.25,
      ENABLED: true,
      EMPTY: ''
    },
    files: { '/etc/app/ca.pem': { data: 'LS0tLS1CRUdJTg==', encoding: 'base64' } }
  }
}
const VALUES_ONLY = { encrypted_regex: '^(values|files)$' }
/**
 * DEFINITION as sent after a round trip: under `secrets` each value is the text sops
 * authenticated (its MAC covers the text, not the `type:` tag), booleans as sops writes them.
 */
const SENT = {
  ...DEFINITION,
  secrets: {
    ...DEFINITION.secrets,
    values: { ...DEFINITION.secrets.values, DATABASE_PORT: '5432', RATIO: '0.25', ENABLED: 'True' }
  }
}
const EMPTY_WARNING = expect.objectContaining({
  severity: 'warning',
  path: 'secrets.values.EMPTY',
  message: expect.stringContaining(
    'secrets.values.EMPTY is empty, and sops leaves an empty value in clear and outside its MAC'
  )
})

let ws: Workspace
afterEach(() => ws?.remove())

async function load(
  files: Record<string, string>,
  sops: { identities?: string[]; dryRun?: boolean } = {}
): Promise<LoadResult> {
  ws = makeWorkspace(files)
  return loadDefinitions({
    files: Object.keys(files),
    workspace: ws.dir,
    sops: {
      identities: sops.identities ?? [],
      keySource: 'Input "sops-age-key"',
      dryRun: sops.dryRun ?? false
    }
  })
}

const errors = (r: LoadResult) => r.diagnostics.filter((d) => d.severity === 'error')
const lineOf = (text: string, needle: string) =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1

describe('a file written by real sops 3.8.1', () => {
  it('is the same file as ../shared/sops when that is present', () => {
    const shared = path.resolve(ROOT, '../shared/sops/real-sops-3.8.1.enc.yaml')
    if (!existsSync(shared)) return // the copy in __tests__/fixtures is what the tests use
    expect(readFileSync(shared, 'utf8')).toBe(REAL_FILE)
  })

  it('opens with its published key, MAC verified, metadata gone', async () => {
    const result = await load({ 'real.yaml': REAL_FILE }, { identities: [REAL_IDENTITY] })
    expect(result.diagnostics).toEqual([])
    expect(result.documents).toHaveLength(1)
    const doc = result.documents[0]!
    expect(doc.value).toEqual({ secret: 'this is a secret' })
    expect(doc.sops).toEqual({ encrypted: [['secret']], decrypted: true })
    expect(decryptedLeaves(doc)).toEqual([{ path: ['secret'], value: 'this is a secret' }])
    expect(doc.locate(['secret'])).toEqual({ line: 1, column: 9 })
  })

  it('refuses a changed value, key, time stamp or added field (MAC or decryption)', async () => {
    const cases: [string, string][] = [
      ['renamed key', REAL_FILE.replace(/^secret:/m, 'secret2:')],
      ['added clear field', `name_unencrypted: x\n${REAL_FILE}`],
      ['changed lastmodified', REAL_FILE.replace('01:15:16Z', '01:15:17Z')],
      [
        'changed MAC',
        REAL_FILE.replace('mac: ENC[AES256_GCM,data:kHA6', 'mac: ENC[AES256_GCM,data:kHA7')
      ],
      ['changed ciphertext', REAL_FILE.replace('data:hxKQ', 'data:hxKR')]
    ]
    for (const [what, text] of cases) {
      const result = await load({ 'real.yaml': text }, { identities: [REAL_IDENTITY] })
      expect([what, result.documents]).toEqual([what, []])
      expect([what, errors(result).length]).toEqual([what, 1])
      ws.remove()
    }
  })

  it('names its recipients and the given key when the key does not match', async () => {
    const other = await generateAgeKey()
    const result = await load({ 'real.yaml': REAL_FILE }, { identities: [other.identity] })
    expect(result.documents).toEqual([])
    const [error] = errors(result)
    expect(error).toMatchObject({ file: 'real.yaml', line: 2 })
    expect(error!.message).toContain(REAL_RECIPIENT)
    expect(error!.message).toContain(
      'age19j4d6v9j7rx5fs629fu387qz4zmlpsqjexa4s08tkfrrmfdl5cwqjlaupd'
    )
    expect(error!.message).toContain(other.recipient)
    expect(error!.message).not.toContain(other.identity)
  })
})

describe('files made by the test helper', () => {
  let key: AgeKeyPair
  let second: AgeKeyPair
  beforeAll(async () => {
    key = await generateAgeKey()
    second = await generateAgeKey()
  })

  it('round-trip every type under every rule, with and without mac_only_encrypted', async () => {
    const rules = [
      undefined,
      VALUES_ONLY,
      { unencrypted_regex: '^(name|type|description)$' },
      { encrypted_suffix: 'values' },
      { unencrypted_suffix: '_clear' }
    ] as const
    for (const rule of rules) {
      for (const macOnlyEncrypted of [false, true]) {
        for (const format of ['yaml', 'json'] as const) {
          const text = await sopsEncrypt(DEFINITION as Tree, {
            recipients: [second.recipient, key.recipient],
            format,
            macOnlyEncrypted,
            ...(rule === undefined ? {} : { rule })
          })
          const file = `def.${format}`
          const result = await load({ [file]: text }, { identities: [key.identity] })
          const label = JSON.stringify({ rule, macOnlyEncrypted, format })
          expect([label, errors(result)]).toEqual([label, []])
          expect([label, result.documents[0]?.value]).toEqual([label, SENT])
          ws.remove()
        }
      }
    }
  })

  it('keeps name, type and description readable with encrypted_regex ^(values|files)$', async () => {
    const text = await sopsEncrypt(DEFINITION as Tree, {
      recipients: [key.recipient],
      rule: VALUES_ONLY
    })
    expect(text).toContain('name: Database Credentials')
    expect(text).toMatch(/DATABASE_PORT: ENC\[AES256_GCM,data:[^\]]+,type:int\]/)
    expect(text).toMatch(/ENABLED: ENC\[[^\]]+type:bool\]/)
    expect(text).toMatch(/RATIO: ENC\[[^\]]+type:float\]/)
    expect(text).toContain("EMPTY: ''")
    expect(text).not.toContain('correct horse')
  })

  it('hashes mappings in file order, integer-like keys included', async () => {
    const tree = new Map<string, Tree>([
      ['name', 'Ordered'],
      ['type', 'config'],
      [
        'secrets',
        new Map<string, Tree>([
          [
            'values',
            new Map<string, Tree>([
              ['b', 'x'],
              ['10', 'y'],
              ['2', 'z']
            ])
          ]
        ])
      ]
    ])
    const text = await sopsEncrypt(tree, {
      recipients: [key.recipient],
      format: 'json',
      rule: VALUES_ONLY
    })
    expect(text.indexOf('"b"')).toBeLessThan(text.indexOf('"10"'))
    const result = await load({ 'o.json': text }, { identities: [key.identity] })
    expect(result.diagnostics).toEqual([])
    // …and the same values in another order are another file: the MAC says so.
    const swapped = text.replace(
      /"10": ("ENC[^"]+"),\n(\s+)"2": ("ENC[^"]+")/,
      '"2": $3,\n$2"10": $1'
    )
    ws.remove()
    expect(swapped).not.toBe(text)
    const moved = await load({ 'o.json': swapped }, { identities: [key.identity] })
    expect(errors(moved).map((d) => d.message)).toEqual([
      expect.stringContaining('the SOPS MAC does not match this file')
    ])
  })

  it('reports a value moved to another key at its line, and a value added in clear', async () => {
    const text = await sopsEncrypt(DEFINITION as Tree, {
      recipients: [key.recipient],
      rule: VALUES_ONLY
    })
    const password = /DATABASE_PASSWORD: (ENC\[[^\]]+\])/.exec(text)![1]!
    const port = /DATABASE_PORT: (ENC\[[^\]]+\])/.exec(text)![1]!
    const moved = text
      .replace(password, 'PLACEHOLDER')
      .replace(port, password)
      .replace('PLACEHOLDER', port)
    const result = await load({ 'm.yaml': moved }, { identities: [key.identity] })
    expect(result.documents).toEqual([])
    expect(errors(result).map((d) => [d.line, d.message.slice(0, 60)])).toEqual([
      [
        lineOf(moved, 'DATABASE_PASSWORD'),
        'the encrypted value of secrets.values.DATABASE_PASSWORD does'
      ],
      [
        lineOf(moved, 'DATABASE_PORT'),
        'the encrypted value of secrets.values.DATABASE_PORT does not'
      ]
    ])
    ws.remove()

    const added = text.replace(
      '        DATABASE_PASSWORD:',
      '        NEW_KEY: plain value\n        DATABASE_PASSWORD:'
    )
    const clear = await load({ 'a.yaml': added }, { dryRun: true })
    expect(errors(clear)).toEqual([
      expect.objectContaining({
        line: lineOf(added, 'NEW_KEY'),
        message: expect.stringMatching(
          /^secrets\.values\.NEW_KEY is in clear, but this SOPS file's rules encrypt it/
        )
      })
    ])
    expect(errors(clear)[0]!.message).not.toContain('plain value')
  })

  it('without a key: a dry run checks what is clear and says what it could not check', async () => {
    const text = await sopsEncrypt({ ...DEFINITION, name: 'x' } as Tree, {
      recipients: [key.recipient],
      rule: VALUES_ONLY
    })
    const dry = await load({ 'd.yaml': text }, { dryRun: true })
    expect(dry.documents).toHaveLength(1)
    expect(dry.documents[0]!.sops).toMatchObject({ decrypted: false })
    expect(dry.documents[0]!.value).not.toHaveProperty('sops')
    expect(dry.diagnostics).toEqual([
      EMPTY_WARNING,
      expect.objectContaining({
        severity: 'notice',
        file: 'd.yaml',
        message: expect.stringContaining('its 6 encrypted values were not checked')
      })
    ])
    ws.remove()

    const real = await load({ 'd.yaml': text }, { dryRun: false })
    expect(errors(real).map((d) => d.message)).toEqual([
      expect.stringMatching(
        /^Input "sops-age-key" is empty and SOPS_AGE_KEY is not set, but d\.yaml is a SOPS file/
      )
    ])
  })

  it('says that only age is supported for a PGP-only file, and how to add age', async () => {
    const text = await sopsEncrypt(DEFINITION as Tree, {
      recipients: [],
      metadata: {
        pgp: [
          {
            created_at: '2024-01-01T00:00:00Z',
            enc: '-----BEGIN PGP MESSAGE-----\n…',
            fp: 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4'
          }
        ]
      }
    })
    for (const sops of [{ identities: [key.identity] }, { dryRun: true }]) {
      const result = await load({ 'p.yaml': text.replace(/\n {4}pgp: \[\]/, '') }, sops)
      expect(errors(result).map((d) => d.message)).toEqual([
        expect.stringMatching(
          /encrypted only for PGP; this action supports only age recipients: .*sops updatekeys.*sops -r -i --add-age/
        )
      ])
      ws.remove()
    }
  })

  it('refuses several definitions in one SOPS file', async () => {
    const text = await sopsEncrypt(DEFINITION as Tree, { recipients: [key.recipient] })
    const result = await load(
      { 'multi.yaml': `${text}---\nname: Other\ntype: config\n` },
      { identities: [key.identity] }
    )
    expect(result.documents).toEqual([])
    expect(errors(result).map((d) => d.message)).toEqual([
      expect.stringContaining(
        'this SOPS file holds 2 definitions; the action reads one definition per SOPS file'
      )
    ])
  })

  it('refuses a SOPS definition inside a JSON array, even alone', async () => {
    const text = await sopsEncrypt(DEFINITION as Tree, {
      recipients: [key.recipient],
      format: 'json'
    })
    const result = await load({ 'list.json': `[${text}]` }, { identities: [key.identity] })
    expect(result.documents).toEqual([])
    expect(errors(result).map((d) => d.message)).toEqual([
      expect.stringContaining('this SOPS definition is an element of a list')
    ])
  })

  it('points validation at the ENC line of a decrypted value', async () => {
    const text = await sopsEncrypt({ ...DEFINITION, description: 'bad <html>' } as Tree, {
      recipients: [key.recipient]
    })
    const result = await load({ 'v.yaml': text }, { identities: [key.identity] })
    const doc = result.documents[0]!
    expect(doc.value).toMatchObject({ description: 'bad <html>' })
    expect(doc.locate(['description'])?.line).toBe(lineOf(text, 'description: ENC['))
    // name, type and description encrypted (sops's default rules): worth a warning.
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining('name, type, description are encrypted in this SOPS file')
      }),
      EMPTY_WARNING
    ])
    // Every decrypted value is a secret but name and type, which the run shows as public text.
    const secretPaths = decryptedLeaves(doc).map((leaf) => leaf.path.join('.'))
    expect(secretPaths).toContain('description')
    expect(secretPaths).toContain('secrets.values.DATABASE_PORT')
    expect(secretPaths).not.toContain('name')
    expect(secretPaths).not.toContain('type')
  })

  it('sends a value under secrets as the text sops authenticated, whatever its type: tag says', async () => {
    // The MAC covers the text of a value, not its `type:` tag: a tag changed by hand passes the
    // MAC, and must not turn the author's strings into a number or a boolean.
    const text = await sopsEncrypt(
      {
        name: 'Card Vault',
        type: 'secret',
        secrets: {
          values: { CARD: '4111111111111111', FLAG: 'True', BIG: '1234567890123456789' }
        }
      },
      { recipients: [key.recipient], rule: VALUES_ONLY }
    )
    const retag = (name: string, type: string) => (line: string) =>
      line.trimStart().startsWith(`${name}:`) ? line.replace('type:str]', `type:${type}]`) : line
    const tampered = text
      .split('\n')
      .map(retag('CARD', 'int'))
      .map(retag('FLAG', 'bool'))
      .map(retag('BIG', 'int'))
      .join('\n')
    expect(tampered.match(/type:(int|bool)\]/g)).toHaveLength(3)
    const result = await load({ 't.yaml': tampered }, { identities: [key.identity] })
    expect(result.diagnostics).toEqual([])
    expect(result.documents[0]?.value).toEqual({
      name: 'Card Vault',
      type: 'secret',
      secrets: {
        values: { CARD: '4111111111111111', FLAG: 'True', BIG: '1234567890123456789' }
      }
    })
  })

  it('warns at an empty value the rules would encrypt: sops leaves it outside the MAC', async () => {
    const text = await sopsEncrypt(
      { name: 'Card Vault', type: 'secret', secrets: { values: { CARD: '4111111111111111' } } },
      { recipients: [key.recipient], rule: VALUES_ONLY }
    )
    // Added by hand, without sops: the MAC still matches (sops hashes nothing for them).
    const injected = text.replace(
      /^(\s+)values:\n/m,
      (all, indent: string) => `${all}${indent}    INJECTED: ""\n${indent}    NULLED: null\n`
    )
    expect(injected).not.toBe(text)
    for (const identities of [[key.identity], []]) {
      const result = await load({ 'e.yaml': injected }, { identities, dryRun: true })
      expect(errors(result)).toEqual([])
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning')
      const outside = 'is empty, and sops leaves an empty value in clear and outside its MAC'
      expect(warnings.map((d) => [d.path, d.line, d.message])).toEqual([
        [
          'secrets.values.INJECTED',
          lineOf(injected, 'INJECTED'),
          expect.stringMatching(`^secrets\\.values\\.INJECTED ${outside}`)
        ],
        [
          'secrets.values.NULLED',
          lineOf(injected, 'NULLED'),
          expect.stringMatching(`^secrets\\.values\\.NULLED ${outside}`)
        ]
      ])
      ws.remove()
    }
    // An empty value the rules leave in clear is no concern of sops's: no warning.
    const clear = await sopsEncrypt(
      { name: 'Card Vault', type: 'secret', description: '', secrets: { values: { A: 'abcdef' } } },
      { recipients: [key.recipient], rule: VALUES_ONLY }
    )
    const plain = await load({ 'c.yaml': clear }, { identities: [key.identity] })
    expect(plain.diagnostics).toEqual([])
  })

  it('never quotes a decrypted value in a validation message, whole or shortened', async () => {
    // Every value decrypted is registered as a secret; a quote of its first 40 characters is
    // not the registered value, so the runner's mask would not hide it.
    const repoUrl = 'http://github.com/acme/very_private_internal_repository_name_x91'
    const text = await sopsEncrypt(
      {
        name: 'Shared Config',
        description: 'classified <payload> notes',
        type: 'config',
        gitops: {
          vcsService: 'gitlabx',
          repoUrl,
          branch: 'main',
          filePath: '/secrets/app.json',
          selfHostedVcsId: 'bad id!'
        },
        secrets: { values: { LOG_LEVEL: 'debug-verbose' } }
      },
      { recipients: [key.recipient], rule: { unencrypted_regex: '^(name|type)$' } }
    )
    const result = await load({ 'c.yaml': text }, { identities: [key.identity] })
    expect(errors(result)).toEqual([])
    const doc = result.documents[0]!
    const messages = validateDefinition(doc)
      .diagnostics.filter((d) => d.severity === 'error')
      .map((d) => d.message)
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^gitops\.repoUrl \(its decrypted value is not shown\) is not a repository URL Northflank accepts: .*Use https:\/\//
        ),
        expect.stringMatching(
          /^gitops\.vcsService must be one of: bitbucket, .* \(its decrypted value is not shown\)$/
        ),
        expect.stringMatching(
          /^description contains a character \(its decrypted value is not shown\), which is not allowed/
        ),
        expect.stringMatching(
          /^gitops\.selfHostedVcsId \(its decrypted value is not shown\) is not a valid id/
        )
      ])
    )
    const all = messages.join('\n')
    for (const piece of ['http://github', 'very_private', 'gitlab"', 'gitlabx', '"<"', 'bad id']) {
      expect(all).not.toContain(piece)
    }
    // The same values in clear are quoted (they are not secret there).
    ws.remove()
    const clear = await load({
      'p.yaml': [
        'name: Shared Config',
        'type: config',
        'gitops:',
        '  vcsService: gitlabx',
        `  repoUrl: ${repoUrl}`,
        '  branch: main',
        '  filePath: /secrets/app.json',
        ''
      ].join('\n')
    })
    const plain = validateDefinition(clear.documents[0]!).diagnostics.map((d) => d.message)
    expect(plain.join('\n')).toContain('"http://github.com/acme/very_private_inte…"')
    expect(plain.join('\n')).toContain('(found "gitlabx"); did you mean "gitlab"?')
  })
})

describe('Go value forms', () => {
  it('formats floats as strconv.FormatFloat(v, "f", -1, 64)', () => {
    expect(formatGoFloat(5)).toBe('5')
    expect(formatGoFloat(0.25)).toBe('0.25')
    expect(formatGoFloat(1e21)).toBe('1000000000000000000000')
    expect(formatGoFloat(1.5e-7)).toBe('0.00000015')
    expect(formatGoFloat(-2.5e-10)).toBe('-0.00000000025')
    expect(formatGoFloat(1.2345e25)).toBe('12345000000000000000000000')
  })

  it('reads typed plaintexts as sops does', () => {
    expect(readTyped('007', 'int')).toEqual({ ok: true, value: 7, macText: '7' })
    expect(readTyped('9223372036854775807', 'int')).toMatchObject({ ok: false })
    expect(readTyped('T', 'bool')).toEqual({ ok: true, value: true, macText: 'True' })
    expect(readTyped('1e3', 'float')).toEqual({ ok: true, value: 1000, macText: '1000' })
    expect(readTyped('x', 'bytes')).toMatchObject({ ok: false })
  })

  it('normalises lastmodified as Go formats RFC 3339', () => {
    expect(normaliseLastModified('2024-03-25T01:15:16Z')).toBe('2024-03-25T01:15:16Z')
    expect(normaliseLastModified('2024-03-25T01:15:16.123+00:00')).toBe('2024-03-25T01:15:16Z')
    expect(normaliseLastModified('2024-03-25T01:15:16+02:00')).toBe('2024-03-25T01:15:16+02:00')
    expect(normaliseLastModified('yesterday')).toBeUndefined()
  })
})

describe('sops-age-key', () => {
  it('reads a keys.txt: comments and blank lines skipped, every key line masked', () => {
    const reading = readAgeIdentities(`${REAL_KEY}\n\n${REAL_IDENTITY}\n`, 'Input "sops-age-key"')
    expect(reading.identities).toEqual([REAL_IDENTITY])
    expect(reading.problems).toEqual([])
    expect(reading.secrets).toContain(REAL_IDENTITY)
    expect(reading.secrets.some((s) => s.startsWith('#'))).toBe(false)
  })

  it('names the line of a public key or a broken line, never quoting it', () => {
    const reading = readAgeIdentities(
      `# ok\n${REAL_RECIPIENT}\nage-secret-key-1abc\nhello`,
      'SOPS_AGE_KEY'
    )
    expect(reading.identities).toEqual([])
    expect(reading.problems).toEqual([
      expect.stringMatching(/^SOPS_AGE_KEY: line 2 holds an age public key/),
      expect.stringMatching(/^SOPS_AGE_KEY: line 3 is not a well-formed age identity/),
      expect.stringMatching(/^SOPS_AGE_KEY: line 4 is not an age identity/)
    ])
    expect(reading.problems.join('\n')).not.toMatch(/age1je6|abc|hello/)
  })

  it('reports an identity whose checksum is wrong when a SOPS file needs it', async () => {
    const broken = REAL_IDENTITY.slice(0, -1) + (REAL_IDENTITY.endsWith('P') ? 'Q' : 'P')
    const result = await load({ 'real.yaml': REAL_FILE }, { identities: [broken] })
    expect(errors(result).map((d) => d.message)).toEqual([
      expect.stringMatching(/^Input "sops-age-key": identity 1 is not a valid age identity/)
    ])
  })
})
