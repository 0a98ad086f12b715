import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { InputError, readSettings, splitList } from '../src/inputs.js'

const INPUTS = [
  'api-token',
  'file',
  'definition',
  'name',
  'description',
  'type',
  'values-from-env',
  'team-id',
  'on-conflict',
  'dry-run',
  'allow-unknown-fields',
  'plan',
  'api-url',
  'timeout-seconds',
  'concurrency',
  'sops-age-key',
  'comment-on-pr',
  'github-token',
  'comment-key'
]
const envName = (input: string): string => `INPUT_${input.toUpperCase()}`

function setInputs(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) process.env[envName(k)] = v
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).problems
  }
  throw new Error('expected an InputError')
}

const noop = (): void => undefined

describe('readSettings', () => {
  const saved = { ...process.env }
  beforeEach(() => {
    for (const input of INPUTS) delete process.env[envName(input)]
    delete process.env.NORTHFLANK_API_TOKEN
    delete process.env.SOPS_AGE_KEY
    process.env.GITHUB_WORKSPACE = '/workspace'
  })
  afterEach(() => {
    process.env = { ...saved }
  })

  it('plan: true/false, needs the token, and is never combined with dry-run', () => {
    setInputs({ 'api-token': 'tok', file: 'a.yaml', plan: 'TRUE' })
    expect(readSettings(noop).plan).toBe(true)
    setInputs({ plan: 'maybe' })
    expect(problemsOf(() => readSettings(noop))).toEqual([
      'Input "plan" is "maybe"; allowed values: true, false.'
    ])
    setInputs({ plan: 'true', 'dry-run': 'true' })
    expect(problemsOf(() => readSettings(noop))).toEqual([
      expect.stringMatching(/^Inputs "dry-run" and "plan" are both true; set one/)
    ])
    setInputs({ plan: 'true', 'dry-run': 'false', 'api-token': '' })
    expect(problemsOf(() => readSettings(noop))).toEqual([
      expect.stringMatching(/a plan reads Northflank and needs the token/)
    ])
  })

  it('applies the documented defaults', () => {
    setInputs({ 'api-token': 'tok', file: 'secrets/a.yaml' })
    const settings = readSettings(noop)
    expect(settings).toEqual({
      token: 'tok',
      files: ['secrets/a.yaml'],
      inline: undefined,
      overrides: { name: undefined, description: undefined, type: undefined },
      valuesFromEnv: [],
      teamId: undefined,
      onConflict: 'fail',
      dryRun: false,
      allowUnknownFields: false,
      plan: false,
      apiUrl: 'https://api.northflank.com',
      timeoutMs: 60_000,
      concurrency: 4,
      workspace: '/workspace',
      ageIdentities: [],
      ageKeySource: 'SOPS_AGE_KEY',
      pullRequestComment: { enabled: false, githubToken: '', key: undefined }
    })
  })

  it('reads comment-on-pr, github-token and comment-key, masking the token as it is read', () => {
    setInputs({
      'dry-run': 'true',
      file: 'a.json',
      'comment-on-pr': 'True',
      'github-token': ' ghs_example123 ',
      'comment-key': 'production'
    })
    const seen: string[] = []
    expect(readSettings((v) => seen.push(v)).pullRequestComment).toEqual({
      enabled: true,
      githubToken: 'ghs_example123',
      key: 'production'
    })
    expect(seen).toEqual(['ghs_example123'])
  })

  it('masks github-token even when another input is wrong, before the error is thrown', () => {
    setInputs({ file: 'a.json', 'github-token': 'ghs_other456', 'comment-on-pr': 'sometimes' })
    const seen: string[] = []
    const problems = problemsOf(() => readSettings((v) => seen.push(v)))
    expect(seen).toEqual(['ghs_other456'])
    expect(problems).toContainEqual(
      expect.stringMatching(/"comment-on-pr" is "sometimes"; allowed values: true, false/)
    )
  })

  it('falls back to NORTHFLANK_API_TOKEN and hands the token to onSecret first', () => {
    process.env.NORTHFLANK_API_TOKEN = 'env-token'
    setInputs({ file: 'a.json' })
    const seen: string[] = []
    expect(readSettings((v) => seen.push(v)).token).toBe('env-token')
    expect(seen).toEqual(['env-token'])
  })

  it('reads allow-unknown-fields as a boolean, in any case', () => {
    setInputs({ 'api-token': 't', file: 'a.json', 'allow-unknown-fields': 'True' })
    expect(readSettings(noop).allowUnknownFields).toBe(true)
    setInputs({ 'allow-unknown-fields': 'false' })
    expect(readSettings(noop).allowUnknownFields).toBe(false)
  })

  it('requires a token unless dry-run', () => {
    setInputs({ file: 'a.json' })
    expect(problemsOf(() => readSettings(noop))[0]).toMatch(/"api-token" is empty.*dry-run: true/)
    setInputs({ 'dry-run': 'TRUE' })
    expect(readSettings(noop)).toMatchObject({ dryRun: true, token: '' })
  })

  it('splits file lists on lines and commas, dropping blanks and comments', () => {
    expect(splitList('a.yaml\n\n  b/*.yml , c.json\n# note\r\nd.yaml')).toEqual([
      'a.yaml',
      'b/*.yml',
      'c.json',
      'd.yaml'
    ])
  })

  it('requires file or definition', () => {
    setInputs({ 'api-token': 't' })
    expect(problemsOf(() => readSettings(noop))).toEqual([
      'Neither input "file" nor input "definition" is set; set one of them.'
    ])
  })

  it.each([
    ['on-conflict', 'maybe', /"on-conflict" is "maybe"; allowed values: fail, skip, update/],
    ['dry-run', 'yes please', /"dry-run" is "yes please"; allowed values: true, false/],
    [
      'allow-unknown-fields',
      'warn',
      /^Input "allow-unknown-fields" is "warn"; allowed values: true, false\.$/
    ],
    [
      'timeout-seconds',
      '-3',
      /"timeout-seconds" is "-3"; allowed values: a number of seconds from 1 to 21600/
    ],
    ['timeout-seconds', '0', /"timeout-seconds" is "0"/],
    ['timeout-seconds', '0.0001', /"timeout-seconds" is "0\.0001"; allowed values: .* from 1 /],
    ['timeout-seconds', '0.999', /"timeout-seconds" is "0\.999"/],
    ['timeout-seconds', '1e3', /"timeout-seconds" is "1e3"/],
    ['timeout-seconds', '99999', /from 1 to 21600/],
    ['concurrency', '0', /"concurrency" is "0"; allowed values: a whole number from 1 to 32/],
    ['concurrency', '2.5', /"concurrency" is "2.5"/],
    ['concurrency', '33', /"concurrency" is "33"/],
    ['team-id', 'my team', /"team-id" is "my team"/],
    ['team-id', '../admin', /"team-id" is "..\/admin"/],
    ['type', 'public', /"type" is "public"; allowed values: secret, config/]
  ])('rejects %s=%s naming the input and what it allows', (input, value, message) => {
    setInputs({ 'api-token': 't', file: 'a.json', [input]: value })
    expect(problemsOf(() => readSettings(noop))).toEqual([expect.stringMatching(message)])
  })

  it('reports every bad input at once', () => {
    setInputs({ file: 'a.json', 'on-conflict': 'x', concurrency: '0' })
    expect(problemsOf(() => readSettings(noop))).toHaveLength(3)
  })

  it('accepts fractional timeouts, team ids and policies', () => {
    setInputs({
      'api-token': 't',
      file: 'a.json',
      'timeout-seconds': '1.5',
      concurrency: '16',
      'team-id': 'platform-team_2',
      'on-conflict': 'Update',
      'api-url': 'https://api.example.test/'
    })
    expect(readSettings(noop)).toMatchObject({
      timeoutMs: 1_500,
      concurrency: 16,
      teamId: 'platform-team_2',
      onConflict: 'update',
      apiUrl: 'https://api.example.test'
    })
  })

  describe('values-from-env', () => {
    it('reads KEY and KEY=ENV_VAR entries (main.ts masks the values once names are known)', () => {
      process.env.DATABASE_URL = 'postgres://u:p@db/x'
      process.env.NF_API_KEY = 'k-123'
      setInputs({
        'api-token': 't',
        file: 'a.json',
        'values-from-env': 'DATABASE_URL\nAPI_KEY=NF_API_KEY'
      })
      const seen: string[] = []
      const settings = readSettings((v) => seen.push(v))
      expect(settings.valuesFromEnv).toEqual([
        {
          target: undefined,
          key: 'DATABASE_URL',
          variable: 'DATABASE_URL',
          value: 'postgres://u:p@db/x'
        },
        { target: undefined, key: 'API_KEY', variable: 'NF_API_KEY', value: 'k-123' }
      ])
      expect(seen).toEqual(['t'])
    })

    it('scopes an entry to one definition with an identifier prefix', () => {
      process.env.DB_PASS = 'pw'
      setInputs({
        'api-token': 't',
        file: 'a.json',
        'values-from-env': 'database-credentials:PASSWORD=DB_PASS\napp-config:PASSWORD=DB_PASS'
      })
      expect(readSettings(noop).valuesFromEnv).toEqual([
        { target: 'database-credentials', key: 'PASSWORD', variable: 'DB_PASS', value: 'pw' },
        { target: 'app-config', key: 'PASSWORD', variable: 'DB_PASS', value: 'pw' }
      ])
      setInputs({ 'values-from-env': 'Database Credentials:PASSWORD=DB_PASS' })
      expect(problemsOf(() => readSettings(noop))).toEqual([
        expect.stringMatching(/"Database Credentials" is not a secret identifier/)
      ])
    })

    it('refuses unset and empty variables without printing any value', () => {
      process.env.EMPTY_ONE = ''
      setInputs({ 'api-token': 't', file: 'a.json', 'values-from-env': 'MISSING_ONE, EMPTY_ONE' })
      const problems = problemsOf(() => readSettings(noop))
      expect(problems[0]).toMatch(/MISSING_ONE .*is not set/)
      expect(problems[1]).toMatch(/EMPTY_ONE .*is empty; GitHub passes an empty string/)
    })

    it('refuses malformed and duplicate entries', () => {
      process.env.A = 'x'
      setInputs({ 'api-token': 't', file: 'a.json', 'values-from-env': 'A\nA\nB=1BAD\nbad key=A' })
      const problems = problemsOf(() => readSettings(noop))
      expect(problems).toEqual([
        expect.stringMatching(/key "A" is listed twice/),
        expect.stringMatching(/"1BAD" \(for key "B"\) is not a valid environment variable name/),
        expect.stringMatching(/"bad key" is not a valid key/)
      ])
    })
  })
})

describe('api-url', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })
  it.each([
    ['http://api.northflank.example', /must use https:\/\/ so the API token is encrypted/],
    ['ftp://api.northflank.com', /must start with https:\/\//],
    ['not a url', /is not an absolute URL/],
    ['https://user:pw@api.northflank.com', /must not contain a user name or password/]
  ])('refuses %s before anything is sent, naming the input', (url, message) => {
    setInputs({ 'api-token': 't', file: 'a.json', 'api-url': url, 'dry-run': 'false' })
    expect(problemsOf(() => readSettings(noop))).toEqual([
      expect.stringMatching(new RegExp(`^Input "api-url": .*${message.source}`))
    ])
  })
  it.each(['http://127.0.0.1:8080', 'http://localhost:3000', 'https://api.northflank.com/'])(
    'accepts %s',
    (url) => {
      setInputs({ 'api-token': 't', file: 'a.json', 'api-url': url })
      expect(readSettings(noop).apiUrl).toBe(url.replace(/\/$/, ''))
    }
  )

  describe('sops-age-key', () => {
    const IDENTITY = 'AGE-SECRET-KEY-1QXRVEJH9S4NQU0FPD6V79ESZQ8S6PXH3L8V40EVPTHFH6KNKD4DQ7SKC4P'

    it('reads identities from the input, masking each the moment it is read', () => {
      setInputs({
        'api-token': 't',
        file: 'a.yaml',
        'sops-age-key': `# public key: age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr\n\n${IDENTITY}\n`
      })
      const masked: [string, string][] = []
      const settings = readSettings((value, source) => masked.push([value, source]))
      expect(settings.ageIdentities).toEqual([IDENTITY])
      expect(settings.ageKeySource).toBe('Input "sops-age-key"')
      expect(masked).toContainEqual([IDENTITY, 'input "sops-age-key"'])
      expect(masked.some(([value]) => value.startsWith('#'))).toBe(false)
    })

    it('falls back to SOPS_AGE_KEY, and names it in problems', () => {
      setInputs({ 'api-token': 't', file: 'a.yaml' })
      process.env.SOPS_AGE_KEY = IDENTITY
      expect(readSettings(noop)).toMatchObject({
        ageIdentities: [IDENTITY],
        ageKeySource: 'SOPS_AGE_KEY'
      })
      process.env.SOPS_AGE_KEY = 'not-a-key'
      expect(problemsOf(() => readSettings(noop))).toEqual([
        expect.stringMatching(/^SOPS_AGE_KEY: the value is not an age identity/)
      ])
    })

    it('refuses what is not an identity without quoting it', () => {
      setInputs({
        'api-token': 't',
        file: 'a.yaml',
        'sops-age-key': `${IDENTITY}\nsecret-ish-junk`
      })
      const problems = problemsOf(() => readSettings(noop))
      expect(problems).toEqual([
        expect.stringMatching(/^Input "sops-age-key": line 2 is not an age identity/)
      ])
      expect(problems.join()).not.toContain('junk')
    })
  })
})
