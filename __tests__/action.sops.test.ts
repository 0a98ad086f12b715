// SOPS files through the bundled action, as a runner runs it, against the local stand-in:
// decrypted in memory and sent without their metadata, values masked, MAC and key problems
// stopping the whole run, dry runs with and without a key, and the file written by real sops.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { StandIn } from '../tools/northflank-stand-in.js'
import { ROOT, runAction, type ActionRun } from '../tools/run-action.js'
import { generateAgeKey, sopsEncrypt, type AgeKeyPair, type Tree } from '../tools/sops-encrypt.js'
import { useStandIn } from './helpers/stand-in.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'nf-token-sops-4c1e'
const PASSWORD = 'db-password-7f3a91'
const API_KEY = 'api-key-0d5be2'
const FIXTURES = path.join(ROOT, '__tests__/fixtures/sops')
const REAL_FILE = readFileSync(path.join(FIXTURES, 'real-sops-3.8.1.enc.yaml'), 'utf8')
const REAL_KEY = readFileSync(path.join(FIXTURES, 'real-sops-3.8.1.key.txt'), 'utf8')

const DEFINITION = {
  name: 'Database Credentials',
  description: 'PostgreSQL for the API',
  type: 'secret',
  secrets: { values: { DATABASE_PASSWORD: PASSWORD, API_KEY, ACCOUNT: 48151623 } }
}
/** A config definition: its values are not secret, unless they were encrypted. */
const CONFIG = {
  name: 'Service Endpoints',
  type: 'config',
  secrets: { values: { INTERNAL_TOKEN: 'endpoint-token-93be1c', LOG_LEVEL: 'debug' } }
}
const PLAIN = `name: Plain Config
type: config
secrets:
  values:
    LOG_LEVEL: info
`

const lineOf = (text: string, needle: string) =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1
const errorsOf = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error')
/** Every value registered with ::add-mask:: (the runner masks these). */
const masksOf = (run: ActionRun) => run.masks

describe('SOPS files (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  let key: AgeKeyPair
  let other: AgeKeyPair
  let encrypted: string
  beforeAll(async () => {
    key = await generateAgeKey()
    other = await generateAgeKey()
    encrypted = await sopsEncrypt(DEFINITION as Tree, {
      recipients: [key.recipient],
      rule: { encrypted_regex: '^(values|files)$' }
    })
  })
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  function run(
    files: Record<string, string>,
    inputs: Record<string, string>,
    env: Record<string, string> = {}
  ): Promise<ActionRun> {
    ws = makeWorkspace(files)
    return runAction(
      {
        file: Object.keys(files).join('\n'),
        'api-url': api.url,
        'api-token': TOKEN,
        'timeout-seconds': '10',
        ...inputs
      },
      { workspace: ws.dir, env }
    )
  }

  it('decrypts in memory, sends the definition without its sops metadata, masks every value', async () => {
    const config = await sopsEncrypt(CONFIG as Tree, {
      recipients: [key.recipient],
      rule: { encrypted_regex: '^(values|files)$' }
    })
    const result = await run(
      {
        'secrets/db.yaml': encrypted,
        'secrets/endpoints.yaml': config,
        'secrets/plain.yaml': PLAIN
      },
      { 'sops-age-key': `# created: today\n# public key: ${key.recipient}\n${key.identity}\n` }
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    // One list page (several definitions), then the creates.
    expect(api.counts()).toMatchObject({ list: 1, POST: 3 })
    const bodies = api.requests
      .filter((r) => r.method === 'POST')
      .map((r) => r.body as Record<string, unknown>)
    expect(bodies).toHaveLength(3)
    // Values under secrets are sent as the text sops authenticated (its MAC does not cover
    // type: tags), so the number ACCOUNT is sent as its text.
    expect(bodies).toEqual(
      expect.arrayContaining([
        {
          ...DEFINITION,
          secrets: { values: { ...DEFINITION.secrets.values, ACCOUNT: '48151623' } }
        },
        CONFIG
      ])
    )
    for (const request of api.requests) {
      expect(request.rawBody).not.toMatch(/sops|lastmodified|ENC\[|age1/)
    }
    expect(JSON.parse(result.outputs.results!)).toEqual([
      expect.objectContaining({ name: 'Database Credentials', outcome: 'created' }),
      expect.objectContaining({ name: 'Service Endpoints', outcome: 'created' }),
      expect.objectContaining({ name: 'Plain Config', outcome: 'created' })
    ])
    // Every decrypted value is masked, numbers too, and so are the values of the config
    // definition (its author encrypted them), while the plain config's are not; the key too,
    // before anything else is printed. None of them is ever shown.
    const masks = masksOf(result)
    expect(masks).toEqual(
      expect.arrayContaining([PASSWORD, API_KEY, '48151623', 'endpoint-token-93be1c', key.identity])
    )
    expect(masks).not.toContain('info')
    expect(result.stdout.indexOf(`::add-mask::${PASSWORD}`)).toBeLessThan(
      result.stdout.indexOf('Database Credentials')
    )
    for (const secret of [PASSWORD, API_KEY, 'endpoint-token-93be1c', key.identity]) {
      expect(result.everything).not.toContain(secret)
    }
    // …but never the public text: names, recipients, comments of the key.
    expect(masks).not.toContain('Database Credentials')
    expect(masks.some((m) => m.includes(key.recipient) || m.startsWith('#'))).toBe(false)
  })

  it('takes the key from SOPS_AGE_KEY when the input is empty', async () => {
    const result = await run(
      { 'secrets/db.yaml': encrypted },
      { 'dry-run': 'true', 'api-token': '' },
      { SOPS_AGE_KEY: key.identity }
    )
    expect(result.code).toBe(0)
    expect(result.annotations).toEqual([])
    expect(result.outputs.outcome).toBe('validated')
    expect(masksOf(result)).toEqual(expect.arrayContaining([key.identity, PASSWORD]))
  })

  it('a clear field changed after encryption fails the MAC at the file, and nothing is sent', async () => {
    const tampered = encrypted.replace('name: Database Credentials', 'name: Other Secret')
    const result = await run(
      { 'secrets/db.yaml': tampered, 'secrets/plain.yaml': PLAIN },
      {
        'sops-age-key': key.identity
      }
    )
    expect(result.code).toBe(1)
    expect(api.requests).toEqual([])
    expect(errorsOf(result)).toEqual([
      expect.objectContaining({
        file: 'secrets/db.yaml',
        message: expect.stringContaining('the SOPS MAC does not match this file')
      })
    ])
    expect(errorsOf(result)[0]!.line).toBeUndefined()
    expect(result.everything).toContain('Nothing was sent to Northflank')
    expect(result.everything).not.toContain(PASSWORD)
  })

  it('a changed ciphertext is an error at its line, and nothing is sent', async () => {
    const tampered = encrypted.replace(
      /(DATABASE_PASSWORD: ENC\[AES256_GCM,data:)(.)/,
      (_, a, c) => a + (c === 'A' ? 'B' : 'A')
    )
    const result = await run({ 'secrets/db.yaml': tampered }, { 'sops-age-key': key.identity })
    expect(result.code).toBe(1)
    expect(api.requests).toEqual([])
    expect(errorsOf(result)).toEqual([
      expect.objectContaining({
        file: 'secrets/db.yaml',
        line: lineOf(tampered, 'DATABASE_PASSWORD'),
        message: expect.stringContaining(
          'the encrypted value of secrets.values.DATABASE_PASSWORD does not decrypt'
        )
      })
    ])
  })

  it('a wrong key names the file’s recipients and the given key’s public key', async () => {
    const result = await run({ 'secrets/db.yaml': encrypted }, { 'sops-age-key': other.identity })
    expect(result.code).toBe(1)
    expect(api.requests).toEqual([])
    const [error] = errorsOf(result)
    expect(error).toMatchObject({ file: 'secrets/db.yaml', line: lineOf(encrypted, 'sops:') })
    expect(error!.message).toContain(`it is encrypted for ${key.recipient}`)
    expect(error!.message).toContain(`holds the identities of ${other.recipient}`)
    expect(result.everything).not.toContain(other.identity)
  })

  it('a file encrypted only for PGP says that only age is supported, and how to add age', async () => {
    const pgp = (
      await sopsEncrypt(DEFINITION as Tree, {
        recipients: [],
        metadata: {
          pgp_keys_placeholder: null
        }
      })
    )
      .replace(/ {4}pgp: \[\]\n/, '')
      .replace(
        '    pgp_keys_placeholder: null\n',
        '    pgp:\n        - created_at: "2024-01-01T00:00:00Z"\n          enc: |\n            -----BEGIN PGP MESSAGE-----\n            wcBMAyUpShfNkFB\n            -----END PGP MESSAGE-----\n          fp: FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4\n'
      )
    const runs: Record<string, string>[] = [{ 'sops-age-key': key.identity }, { 'dry-run': 'true' }]
    for (const inputs of runs) {
      const result = await run({ 'secrets/pgp.yaml': pgp }, inputs)
      expect(result.code).toBe(1)
      expect(errorsOf(result).map((a) => a.message)).toEqual([
        expect.stringMatching(
          /encrypted only for PGP; this action supports only age recipients: .*sops updatekeys FILE, or run sops -r -i --add-age age1… FILE/
        )
      ])
      ws.remove()
    }
    expect(api.requests).toEqual([])
  })

  it('a dry run without a key validates what is clear and notes per file what it did not check', async () => {
    const second = await sopsEncrypt({ ...DEFINITION, name: 'Cache Credentials' } as Tree, {
      recipients: [key.recipient],
      rule: { encrypted_regex: '^(values|files)$' }
    })
    const result = await run(
      { 'secrets/db.yaml': encrypted, 'secrets/cache.yaml': second },
      { 'dry-run': 'true', 'api-token': '' }
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.outputs.results!)).toEqual([
      expect.objectContaining({ name: 'Database Credentials', outcome: 'validated' }),
      expect.objectContaining({ name: 'Cache Credentials', outcome: 'validated' })
    ])
    expect(result.annotations).toEqual(
      ['secrets/db.yaml', 'secrets/cache.yaml'].map((file) =>
        expect.objectContaining({
          level: 'notice',
          file,
          message: expect.stringContaining('its 3 encrypted values were not checked')
        })
      )
    )
    // What is in clear is still validated.
    const invalid = await run(
      { 'secrets/db.yaml': encrypted.replace('type: secret', 'type: public') },
      { 'dry-run': 'true', 'api-token': '' }
    )
    expect(invalid.code).toBe(1)
    expect(errorsOf(invalid)).toEqual([
      expect.objectContaining({
        line: lineOf(encrypted, 'type: secret'),
        message: expect.stringContaining('type must be one of')
      })
    ])
  })

  it('a dry run with a key validates the decrypted values too, at their ENC line', async () => {
    const bad = await sopsEncrypt({ ...DEFINITION, description: 'not <allowed>' } as Tree, {
      recipients: [key.recipient],
      rule: { encrypted_regex: '^(values|files|description)$' }
    })
    const result = await run(
      { 'secrets/db.yaml': bad },
      { 'dry-run': 'true', 'api-token': '', 'sops-age-key': key.identity }
    )
    expect(result.code).toBe(1)
    expect(errorsOf(result)).toEqual([
      expect.objectContaining({
        file: 'secrets/db.yaml',
        line: lineOf(bad, 'description: ENC['),
        message: expect.stringContaining('description contains')
      })
    ])
    // The decrypted description is a secret: registered for masking before that annotation.
    expect(masksOf(result)).toContain('not <allowed>')
    expect(result.stdout.indexOf('::add-mask::not <allowed>')).toBeLessThan(
      result.stdout.indexOf('::error')
    )
  })

  it('never shows a decrypted value: not shortened in a message, not escaped in the summary', async () => {
    // The value is masked whole; a 40-character quote of it, or its `_` written `&#95;` in the
    // summary, would not match the mask.
    const repoUrl = 'http://github.com/acme/very_private_internal_repository_name_x91'
    const text = await sopsEncrypt(
      {
        name: 'Shared Config',
        type: 'config',
        gitops: { vcsService: 'github', repoUrl, branch: 'main', filePath: '/secrets/app.json' },
        secrets: { values: { LOG_LEVEL: 'debug-verbose' } }
      },
      { recipients: [key.recipient], rule: { unencrypted_regex: '^(name|type)$' } }
    )
    const result = await run(
      { 'secrets/c.yaml': text },
      { 'dry-run': 'true', 'api-token': '', 'sops-age-key': key.identity }
    )
    expect(result.code).toBe(1)
    expect(masksOf(result)).toContain(repoUrl)
    expect(errorsOf(result)).toEqual([
      expect.objectContaining({
        line: lineOf(text, 'repoUrl: ENC['),
        message: expect.stringMatching(
          /^gitops\.repoUrl \(its decrypted value is not shown\) is not a repository URL Northflank accepts/
        )
      })
    ])
    const decoded = result.summary.replace(/&#(\d+);/g, (_, n: string) =>
      String.fromCodePoint(Number(n))
    )
    for (const shown of [result.everything, decoded]) {
      expect(shown).not.toContain('very_private')
      expect(shown).not.toContain('acme/very')
    }
    expect(result.summary).not.toContain('very&#95;private')
    expect(decoded).toContain('gitops.repoUrl (its decrypted value is not shown)')
  })

  it('a type: tag changed by hand passes the MAC, and the authenticated text is sent', async () => {
    const card = await sopsEncrypt(
      {
        name: 'Card Vault',
        type: 'secret',
        secrets: { values: { CARD: '4111111111111111', FLAG: 'True' } }
      },
      { recipients: [key.recipient], rule: { encrypted_regex: '^(values|files)$' } }
    )
    const tampered = card
      .split('\n')
      .map((l) =>
        /^\s+CARD:/.test(l)
          ? l.replace('type:str]', 'type:int]')
          : /^\s+FLAG:/.test(l)
            ? l.replace('type:str]', 'type:bool]')
            : l
      )
      .join('\n')
    expect(tampered.match(/type:(int|bool)\]/g)).toHaveLength(2)
    const result = await run({ 'secrets/card.yaml': tampered }, { 'sops-age-key': key.identity })
    expect(result.code).toBe(0)
    const posts = api.requests.filter((r) => r.method === 'POST')
    expect(posts.map((r) => (r.body as { secrets?: unknown }).secrets)).toEqual([
      { values: { CARD: '4111111111111111', FLAG: 'True' } }
    ])
    expect(result.everything).not.toContain('4111111111111111')
  })

  it('a run that would send, with a SOPS file and no key, is an input error naming sops-age-key', async () => {
    const result = await run({ 'secrets/db.yaml': encrypted, 'secrets/plain.yaml': PLAIN }, {})
    expect(result.code).toBe(1)
    expect(api.requests).toEqual([])
    expect(errorsOf(result).map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^Input "sops-age-key" is empty and SOPS_AGE_KEY is not set, but secrets\/db\.yaml is a SOPS file/
      )
    ])
  })

  it('a malformed key is an input error that never quotes it', async () => {
    const result = await run(
      { 'secrets/plain.yaml': PLAIN },
      { 'sops-age-key': 'AGE-SECRET-KEY-1oops' }
    )
    expect(result.code).toBe(1)
    expect(api.requests).toEqual([])
    expect(errorsOf(result).map((a) => a.message)).toEqual([
      expect.stringMatching(/^Input "sops-age-key": the value is not a well-formed age identity/)
    ])
    expect(result.everything).not.toContain('oops')
  })

  it('plans and updates on decrypted values: a re-encrypted, unchanged file is unchanged', async () => {
    const inputs = { 'sops-age-key': key.identity, 'on-conflict': 'update' }
    const resultsOf = (r: ActionRun) =>
      JSON.parse(r.outputs.results ?? '[]') as { outcome: string; changes?: string[] }[]
    const first = await run({ 'secrets/db.yaml': encrypted }, inputs)
    expect(first.code).toBe(0)
    expect(resultsOf(first)[0]).toMatchObject({ outcome: 'created' })
    ws.remove()

    // sops re-encrypts with new IVs whenever it writes a file: other ciphertext, same values.
    const reencrypted = await sopsEncrypt(DEFINITION as Tree, {
      recipients: [key.recipient],
      rule: { encrypted_regex: '^(values|files)$' }
    })
    expect(reencrypted).not.toBe(encrypted)
    const before = api.counts().writes
    const rerun = await run({ 'secrets/db.yaml': reencrypted }, inputs)
    expect(rerun.code).toBe(0)
    expect(resultsOf(rerun)[0]).toMatchObject({ outcome: 'unchanged', changes: [] })
    expect(api.counts().writes).toBe(before)
    ws.remove()

    // A changed encrypted value: the plan names its path (never the value) and writes nothing;
    // the apply updates it.
    const changed = await sopsEncrypt(
      {
        ...DEFINITION,
        secrets: { values: { ...DEFINITION.secrets.values, API_KEY: 'rotated-key-5e0a7c' } }
      } as Tree,
      { recipients: [key.recipient], rule: { encrypted_regex: '^(values|files)$' } }
    )
    const plan = await run({ 'secrets/db.yaml': changed }, { ...inputs, plan: 'true' })
    expect(plan.code).toBe(0)
    expect(resultsOf(plan)[0]).toMatchObject({
      outcome: 'update',
      changes: ['~ secrets.values.API_KEY']
    })
    expect(api.counts().writes).toBe(before)
    expect(plan.everything).not.toContain('rotated-key-5e0a7c')
    ws.remove()
    // A plan compares decrypted values, so it needs the key as an apply does.
    const keyless = await run({ 'secrets/db.yaml': changed }, { plan: 'true' })
    expect(keyless.code).toBe(1)
    expect(errorsOf(keyless).map((a) => a.message)).toEqual([
      expect.stringMatching(/^Input "sops-age-key" is empty and SOPS_AGE_KEY is not set/)
    ])
    expect(api.counts().writes).toBe(before)
    ws.remove()
    const applied = await run({ 'secrets/db.yaml': changed }, inputs)
    expect(resultsOf(applied)[0]).toMatchObject({
      outcome: 'updated',
      changes: ['~ secrets.values.API_KEY']
    })
    expect(api.counts().PUT).toBe(1)
  })

  it('opens the file written by real sops 3.8.1 with its published key', async () => {
    const withKey = await run(
      { 'real.yaml': REAL_FILE },
      { 'dry-run': 'true', 'api-token': '', 'sops-age-key': REAL_KEY }
    )
    // It decrypts and its MAC verifies; what is left is not a global secret definition.
    const messages = errorsOf(withKey)
      .map((a) => a.message)
      .join('\n')
    expect(messages).not.toMatch(/MAC|decrypt|identit/)
    expect(messages).toContain('missing the required field "name"')
    expect(masksOf(withKey)).toContain('this is a secret')
    expect(withKey.everything).not.toContain('this is a secret')
    ws.remove()
    const tampered = await run(
      { 'real.yaml': REAL_FILE.replace('01:15:16Z', '01:15:17Z') },
      { 'dry-run': 'true', 'api-token': '', 'sops-age-key': REAL_KEY }
    )
    expect(errorsOf(tampered).map((a) => a.message)).toEqual([
      expect.stringContaining('the SOPS MAC does not match this file')
    ])
  })
})
