// The bundled action against the local Northflank stand-in: the create call,
// conflict policies, error mapping, team scope, and that nothing leaks.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { StandIn } from '../tools/northflank-stand-in.js'
import { useStandIn } from './helpers/stand-in.js'
import { runAction, type ActionRun } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'nf-token-5f2c9a71e3'
const FILE_VALUE = 'file-value-83d1c6'
const ENV_VALUE = 'env-value-QmX4r9'
const MULTILINE_VALUE =
  '-----BEGIN PRIVATE KEY-----\nline-one-7d2e\nline-two-9a4f\n-----END PRIVATE KEY-----'

const DEFINITION = `name: Shared Config
description: Values every service reads
type: secret
secrets:
  values:
    FROM_FILE: ${FILE_VALUE}
    NESTED:
      LIST: [a-list-value-61c0]
`

describe('create through the API (bundled action)', () => {
  const standIn = useStandIn({
    tokens: [TOKEN],
    forbiddenTokens: ['weak-token'],
    teams: ['platform']
  })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  async function create(
    inputs: Record<string, string> = {},
    env: Record<string, string> = {}
  ): Promise<ActionRun> {
    ws = makeWorkspace({ 'secrets/shared.yaml': DEFINITION })
    return runAction(
      {
        file: 'secrets/shared.yaml',
        'api-url': api.url,
        'api-token': TOKEN,
        'timeout-seconds': '10',
        ...inputs
      },
      { workspace: ws.dir, env }
    )
  }

  it('POSTs exactly the definition with auth, JSON and User-Agent headers, and reports created', async () => {
    const run = await create()
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(api.requests).toHaveLength(1)
    const [request] = api.requests
    expect(request).toMatchObject({ method: 'POST', path: '/v1/secrets' })
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(request!.headers['content-type']).toMatch(/^application\/json/)
    expect(request!.headers['user-agent']).toMatch(
      /^northflank-global-secret-action\/\d+\.\d+\.\d+/
    )
    expect(request!.body).toEqual({
      name: 'Shared Config',
      description: 'Values every service reads',
      type: 'secret',
      secrets: { values: { FROM_FILE: FILE_VALUE, NESTED: { LIST: ['a-list-value-61c0'] } } }
    })
    expect(run.outputs).toMatchObject({
      id: 'shared-config',
      name: 'Shared Config',
      outcome: 'created'
    })
    const response = JSON.parse(run.outputs.response!)
    expect(response).toMatchObject({ name: 'Shared Config', type: 'secret' })
    expect(response.secrets.values).toEqual({ FROM_FILE: '***', NESTED: { LIST: ['***'] } })
    expect(run.annotations).toContainEqual(
      expect.objectContaining({ level: 'notice', file: 'secrets/shared.yaml', line: 1 })
    )
    expect(run.summary).toMatch(/✅ created/)
    expect(api.secrets().has('shared-config')).toBe(true)
  })

  it('uses the team path, URL-encoded, when team-id is set', async () => {
    const run = await create({ 'team-id': 'platform' })
    expect(run.code).toBe(0)
    expect(api.requests[0]!.path).toBe('/v1/teams/platform/secrets')
    expect(api.secrets('platform').has('shared-config')).toBe(true)
    expect(run.summary).toContain('<code>platform</code>')
  })

  describe('409 conflicts', () => {
    it('fail (default): names the identifier and suggests skip or update', async () => {
      api.seed({ name: 'shared-config', type: 'secret' })
      const run = await create()
      expect(run.code).toBe(1)
      const errors = run.annotations.filter((a) => a.level === 'error')
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toMatch(/shared-config/)
      expect(errors[0]!.message).toMatch(/on-conflict: skip/)
      expect(errors[0]!.message).toMatch(/409/)
      expect(errors[0]!.file).toBe('secrets/shared.yaml')
      expect(JSON.parse(run.outputs.results!)[0].outcome).toBe('failed')
    })

    it('skip: leaves the secret and succeeds with outcome exists', async () => {
      api.seed({ name: 'Shared Config', type: 'config', description: 'old' })
      const run = await create({ 'on-conflict': 'skip' })
      expect(run.code).toBe(0)
      expect(run.outputs.outcome).toBe('exists')
      expect(api.requests.map((r) => r.method)).toEqual(['POST'])
      expect(api.secrets().get('shared-config')).toMatchObject({ description: 'old' })
    })

    it('update: reads the stored secret, then PUTs the definition to the collection path', async () => {
      api.seed({ name: 'Shared Config', type: 'secret', description: 'old' })
      const run = await create({ 'on-conflict': 'update', 'team-id': '' })
      expect(run.code).toBe(0)
      expect(run.outputs.outcome).toBe('updated')
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /v1/secrets/shared-config',
        'PUT /v1/secrets'
      ])
      expect(api.requests[1]!.body).toEqual({
        name: 'Shared Config',
        description: 'Values every service reads',
        type: 'secret',
        secrets: { values: { FROM_FILE: FILE_VALUE, NESTED: { LIST: ['a-list-value-61c0'] } } }
      })
      expect(JSON.parse(run.outputs.results!)[0].changes).toEqual([
        '~ description',
        '+ secrets.values.FROM_FILE',
        '+ secrets.values.NESTED'
      ])
      expect(api.secrets().get('shared-config')).toMatchObject({
        description: 'Values every service reads'
      })
    })
  })

  it.each([
    ['401', { 'api-token': 'wrong-token' }, /401.*token/i],
    ['403', { 'api-token': 'weak-token' }, /403.*permission/i],
    ['404', { 'team-id': 'no-such-team' }, /404.*team-id/i]
  ])(
    'maps HTTP %s to an actionable message with the status and error id',
    async (_s, inputs, message) => {
      const run = await create(inputs)
      expect(run.code).toBe(1)
      expect(run.stderr).toBe('')
      const errors = run.annotations.filter((a) => a.level === 'error')
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toMatch(message)
      expect(errors[0]!.message).toMatch(/error id: [\w-]+/i)
      expect(api.requests).toHaveLength(1) // never retried
    }
  )

  it('maps 422 details to fields', async () => {
    api.injectFaults({ method: 'POST' }, [
      {
        kind: 'status',
        status: 422,
        body: {
          error: {
            status: 422,
            message: 'Validation failed',
            id: 'err-422-abc',
            details: { 'secrets.values.FROM_FILE': ['value is too long'] }
          }
        }
      }
    ])
    const run = await create()
    expect(run.code).toBe(1)
    const [error] = run.annotations.filter((a) => a.level === 'error')
    expect(error!.message).toMatch(/422/)
    expect(error!.message).toMatch(/err-422-abc/)
    expect(error!.message).toMatch(/secrets\.values\.FROM_FILE: value is too long/)
  })

  it('refuses to send the token over plain http to a non-loopback host', async () => {
    const run = await create({ 'api-url': 'http://api.northflank.example' })
    expect(run.code).toBe(1)
    expect(run.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^Input "api-url": api-url must use https:\/\/ so the API token is encrypted/
      )
    ])
    expect(api.requests).toHaveLength(0)
  })

  it('never prints the token or any secret value anywhere, and masks each before use', async () => {
    const run = await create(
      { 'values-from-env': 'FROM_ENV=SOURCE_VAR\nKEY_PEM=PEM_VAR', 'on-conflict': 'fail' },
      { SOURCE_VAR: ENV_VALUE, PEM_VAR: MULTILINE_VALUE }
    )
    expect(run.code).toBe(0)
    // The values were sent…
    expect(
      (api.requests[0]!.body as { secrets: { values: Record<string, unknown> } }).secrets.values
    ).toMatchObject({
      FROM_ENV: ENV_VALUE,
      KEY_PEM: MULTILINE_VALUE
    })
    const known = [
      TOKEN,
      FILE_VALUE,
      ENV_VALUE,
      'line-one-7d2e',
      'line-two-9a4f',
      'a-list-value-61c0'
    ]
    // …registered as masks before anything else was printed…
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
    for (const value of known) {
      expect(masks).toContain(`::add-mask::${value}`)
    }
    const firstOther = run.stdout
      .split('\n')
      .findIndex((l) => l.startsWith('::') && !l.startsWith('::add-mask::'))
    const lastMask = run.stdout
      .split('\n')
      .map((l) => l.startsWith('::add-mask::'))
      .lastIndexOf(true)
    expect(lastMask).toBeLessThan(firstOther)
    // …and appear nowhere else: logs (debug on), outputs, summary.
    for (const value of known) {
      expect(run.everything).not.toContain(value)
    }
    expect(run.stdout).toMatch(/::debug::/) // debug logging was on and still clean
  })

  it('keeps the token out of every failure message too', async () => {
    const cases: Record<string, string>[] = [
      { 'api-token': 'wrong-token' },
      { 'team-id': 'no-such-team' }
    ]
    for (const inputs of cases) {
      const run = await create(inputs)
      expect(run.code).toBe(1)
      expect(run.everything).not.toContain(TOKEN)
      expect(run.everything).not.toContain('wrong-token')
      expect(run.everything).not.toContain(FILE_VALUE)
    }
  })
})
