// The bundled action against faults: retries, rate limits, the time budget,
// ambiguous creates, proxies and TLS, and hostile input. Wall-time bounds count
// from the first request the API received (start-up is measured, not guessed)
// and excuse only the stalls measured meanwhile (see helpers/timing.ts).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { symlinkSync } from 'node:fs'
import { startStandIn, type StandIn } from '../tools/northflank-stand-in.js'
import { runAction, type ActionRun } from '../tools/run-action.js'
import { makeTestCertificates, type TestCertificates } from './helpers/test-ca.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'
import { useStandIn } from './helpers/stand-in.js'
import { budgetBound, runActionTimed, type TimedRun } from './helpers/timing.js'
import { closedPort, startConnectProxy } from './northflank/support/servers.js'

const TOKEN = 'reliability-token-77a1'
const SECRET_VALUE = 'reliability-value-4c2d'
const DEFINITION = `name: Shared Config\ntype: secret\nsecrets:\n  values:\n    KEY: ${SECRET_VALUE}\n`

const errorsOf = (run: ActionRun): string[] =>
  run.annotations.filter((a) => a.level === 'error').map((a) => a.message)

describe('network faults (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  async function createTimed(inputs: Record<string, string> = {}, env = {}): Promise<TimedRun> {
    ws = makeWorkspace({ 'secrets/shared.yaml': DEFINITION })
    return runActionTimed(
      {
        file: 'secrets/shared.yaml',
        'api-url': api.url,
        'api-token': TOKEN,
        'timeout-seconds': '20',
        ...inputs
      },
      { workspace: ws.dir, env }
    )
  }
  const create = async (inputs: Record<string, string> = {}, env = {}): Promise<ActionRun> =>
    (await createTimed(inputs, env)).run

  it('retries 502, 503 and 504 and then creates', async () => {
    api.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 502 },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 504 }
    ])
    const run = await create()
    expect(errorsOf(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('created')
    expect(api.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'POST'])
  })

  it('honours x-ratelimit-reset on a 429 before retrying', async () => {
    api.injectFaults({ method: 'POST' }, [
      {
        kind: 'status',
        status: 429,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }
      }
    ])
    const timed = await createTimed()
    expect(timed.run.code).toBe(0)
    const [first, second] = api.requests
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950)
    // The reset is "1" (s, rounded up): the retry comes about 1 s later, not at some backoff.
    const stalled = timed.child.stalled(first!.at, second!.at) + timed.test.maxMs
    expect(second!.at - first!.at).toBeLessThan(2000 + stalled)
  })

  it('honours Retry-After on a 429', async () => {
    api.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } }
    ])
    const run = await create()
    expect(run.code).toBe(0)
    expect(api.requests[1]!.at - api.requests[0]!.at).toBeGreaterThanOrEqual(950)
  })

  it('fails at once, saying when the limit resets, when the wait exceeds the budget', async () => {
    api.injectFaults({ method: 'POST' }, [
      {
        kind: 'status',
        status: 429,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2400' }
      }
    ])
    const timed = await createTimed({ 'timeout-seconds': '60' })
    const { run } = timed
    expect(run.code).toBe(1)
    // At once: no part of the 60 s budget is spent waiting.
    const t = budgetBound(timed, api.requests[0]!.at, 0, 1_000)
    expect(t.afterFirstRequestMs).toBeLessThan(t.boundMs)
    const [message] = errorsOf(run)
    expect(message).toMatch(/rate limit/i)
    expect(message).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/) // when it resets
    expect(api.requests).toHaveLength(1)
  })

  it('never outlives timeout-seconds against a hanging API', async () => {
    api.injectFaults(
      { method: 'POST' },
      Array.from({ length: 10 }, () => ({ kind: 'hang' as const }))
    )
    const timed = await createTimed({ 'timeout-seconds': '2' })
    const { run } = timed
    expect(run.code).toBe(1)
    expect(run.elapsedMs).toBeGreaterThanOrEqual(1900)
    const t = budgetBound(timed, api.requests[0]!.at, 2_000)
    expect(t.afterFirstRequestMs).toBeLessThan(t.boundMs)
    const [message] = errorsOf(run)
    expect(message).toMatch(/attempt/)
    expect(message).toMatch(/\d+(\.\d+)? s/)
    expect(run.stderr).toBe('')
  })

  it('says what was tried when 5xx answers outlast the budget', async () => {
    api.injectFaults(
      { method: 'POST' },
      Array.from({ length: 20 }, () => ({ kind: 'status' as const, status: 503 }))
    )
    const timed = await createTimed({ 'timeout-seconds': '3' })
    const { run } = timed
    expect(run.code).toBe(1)
    const t = budgetBound(timed, api.requests[0]!.at, 3_000)
    expect(t.afterFirstRequestMs).toBeLessThan(t.boundMs)
    const [message] = errorsOf(run)
    expect(message).toMatch(/\d+ attempts/)
    expect(message).toMatch(/503/)
  })

  it('retries a refused connection and fails on time naming the error', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': DEFINITION })
    const port = await closedPort()
    const timed = await runActionTimed(
      {
        file: 'secrets/shared.yaml',
        'api-url': `http://127.0.0.1:${port}`,
        'api-token': TOKEN,
        'timeout-seconds': '2'
      },
      { workspace: ws.dir }
    )
    const { run } = timed
    expect(run.code).toBe(1)
    // No request reaches an API here: the whole run is bounded, start-up included
    // (about 0.2 s on an idle machine; 1.5 s allowed, plus the stalls measured).
    const stalled = timed.child.stalled(timed.startedAt) + timed.test.maxMs
    expect(run.elapsedMs).toBeLessThan(2_000 + 1_500 + stalled)
    expect(errorsOf(run)[0]).toMatch(/ECONNREFUSED/)
  })

  it('reports created when a POST stored the secret but its answer was lost', async () => {
    api.injectFaults({ method: 'POST' }, [{ kind: 'drop-after-store' }])
    const run = await create({ 'on-conflict': 'fail' })
    expect(errorsOf(run)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('created')
    expect(api.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET'])
  })

  it('still fails on a conflict with somebody else’s secret after a lost answer', async () => {
    api.seed({ name: 'Shared Config', type: 'config', description: 'not ours' })
    api.injectFaults({ method: 'POST' }, [{ kind: 'reset' }])
    const run = await create({ 'on-conflict': 'fail' })
    expect(run.code).toBe(1)
    expect(errorsOf(run)[0]).toMatch(/already exists|409/)
  })

  it('never prints the token or values in any failure', async () => {
    api.injectFaults(
      { method: 'POST' },
      Array.from({ length: 20 }, () => ({ kind: 'status' as const, status: 503 }))
    )
    const run = await create({ 'timeout-seconds': '1' })
    expect(run.code).toBe(1)
    expect(run.everything).not.toContain(TOKEN)
    expect(run.everything).not.toContain(SECRET_VALUE)
  })
})

describe('proxies and TLS (bundled action)', () => {
  const HOST = 'northflank.invalid' // never resolves: only the proxy can reach it
  let certs: TestCertificates
  let api: StandIn
  let ws: Workspace

  beforeAll(async () => {
    certs = makeTestCertificates(HOST)
    api = await startStandIn({ tokens: [TOKEN], tls: certs.server })
    ws = makeWorkspace({ 'secrets/shared.yaml': DEFINITION })
  })
  afterAll(async () => {
    await api.stop()
    ws.remove()
    certs.remove()
  })

  it('creates through an HTTPS_PROXY with a CA from NODE_EXTRA_CA_CERTS', async () => {
    const proxy = await startConnectProxy({ map: { [HOST]: '127.0.0.1' } })
    try {
      const run = await runAction(
        {
          file: 'secrets/shared.yaml',
          'api-url': `https://${HOST}:${api.port}`,
          'api-token': TOKEN
        },
        { workspace: ws.dir, env: { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: certs.caPem } }
      )
      expect(errorsOf(run)).toEqual([])
      expect(run.code).toBe(0)
      expect(proxy.connects).toEqual([`${HOST}:${api.port}`])
      expect(run.everything).not.toContain(TOKEN)
    } finally {
      await proxy.stop()
    }
  })

  it('goes direct, past the proxy, to a host listed in NO_PROXY', async () => {
    const proxy = await startConnectProxy({ map: { [HOST]: '127.0.0.1' } })
    api.reset()
    try {
      const run = await runAction(
        {
          file: 'secrets/shared.yaml',
          'api-url': `https://localhost:${api.port}`,
          'api-token': TOKEN
        },
        {
          workspace: ws.dir,
          env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost', NODE_EXTRA_CA_CERTS: certs.caPem }
        }
      )
      expect(errorsOf(run)).toEqual([])
      expect(run.code).toBe(0)
      expect(proxy.connects).toEqual([])
      expect(api.requests).toHaveLength(1)
    } finally {
      await proxy.stop()
    }
  })

  it('refuses a certificate it cannot verify, with a hint about NODE_EXTRA_CA_CERTS', async () => {
    api.reset()
    const run = await runAction(
      {
        file: 'secrets/shared.yaml',
        'api-url': `https://127.0.0.1:${api.port}`,
        'api-token': TOKEN,
        'timeout-seconds': '5'
      },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(errorsOf(run)[0]).toMatch(/certificate/i)
    expect(errorsOf(run)[0]).toMatch(/NODE_EXTRA_CA_CERTS/)
    expect(api.requests).toHaveLength(0)
  })
})

describe('hostile or broken input (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    ...'bcdefghij'.split('').map((c, i) => {
      const prev = 'abcdefghij'[i]
      return `${c}: &${c} [${Array(10).fill(`*${prev}`).join(',')}]`
    }),
    'name: Bomb Secret',
    'type: secret',
    'secrets: {values: {X: *j}}'
  ].join('\n')

  it.each([
    ['a YAML alias bomb', { 'secrets/s.yaml': bomb }, 'secrets/s.yaml', /alias/i],
    [
      'a deeply nested document',
      {
        'secrets/s.json':
          '{"name":"Deep One","type":"secret","x":' + '['.repeat(5000) + ']'.repeat(5000) + '}'
      },
      'secrets/s.json',
      /deep|nest/i
    ],
    [
      'a __proto__ key',
      { 'secrets/s.json': '{"__proto__": {"name": "Sneaky", "type": "secret"}}' },
      'secrets/s.json',
      /__proto__/
    ],
    [
      'a binary file',
      { 'secrets/s.yaml': Buffer.from([0x6e, 0x61, 0x00, 0x01, 0x02]) },
      'secrets/s.yaml',
      /binary|NUL/i
    ],
    [
      'non-UTF-8 text',
      { 'secrets/s.yaml': Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe]) },
      'secrets/s.yaml',
      /UTF-8/
    ],
    ['an empty file', { 'secrets/s.yaml': '' }, 'secrets/s.yaml', /empty/i],
    [
      'a file over 1 MiB',
      { 'secrets/s.yaml': `name: Big One\ntype: secret\n#${'x'.repeat(1024 * 1024)}\n` },
      'secrets/s.yaml',
      /1 MiB/
    ],
    [
      'a scalar document',
      { 'secrets/s.yaml': 'just a string\n' },
      'secrets/s.yaml',
      /object|mapping/i
    ],
    ['a null document', { 'secrets/s.json': 'null' }, 'secrets/s.json', /object|null/i],
    ['an array of scalars', { 'secrets/s.json': '[1, 2]' }, 'secrets/s.json', /object/i],
    ['a path outside the workspace', {}, '../outside.yaml', /outside|workspace/i],
    ['an absolute path outside the workspace', {}, '/etc/hostname', /outside|workspace/i],
    ['an unknown extension', { 'secrets/s.txt': 'name: X' }, 'secrets/s.txt', /\.txt/]
  ])('refuses %s with one clear error and sends nothing', async (_what, files, file, message) => {
    ws = makeWorkspace(files)
    const { run, child } = await runActionTimed(
      { file, 'api-url': api.url, 'api-token': TOKEN },
      { workspace: ws.dir, killAfterMs: 20_000 }
    )
    // CPU time, which a busy machine does not inflate: expanding the bomb or
    // recursing into the nesting would cost seconds of it; start-up costs ~0.3 s.
    expect(child.cpuMs).toBeLessThan(2_500)
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('')
    expect(run.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/) // no stack trace
    // One error per problem: one here, except where the document has more
    // (the __proto__ one also lacks name and type; each array item is reported).
    const errors = errorsOf(run)
    expect(errors.length).toBe(/proto/.test(_what) ? 3 : /array/.test(_what) ? 2 : 1)
    expect(errors[0]).toMatch(message)
    expect(api.requests).toHaveLength(0)
  })

  it('refuses a symlink that leads out of the workspace', async () => {
    ws = makeWorkspace({ 'secrets/real.yaml': DEFINITION })
    const outside = makeWorkspace({ 'leak.yaml': DEFINITION })
    try {
      symlinkSync(`${outside.dir}/leak.yaml`, `${ws.dir}/secrets/link.yaml`)
      const run = await runAction(
        { file: 'secrets/link.yaml', 'api-url': api.url, 'api-token': TOKEN },
        { workspace: ws.dir }
      )
      expect(run.code).toBe(1)
      expect(errorsOf(run)).toEqual([expect.stringMatching(/outside|workspace/i)])
      expect(api.requests).toHaveLength(0)
    } finally {
      outside.remove()
    }
  })
})
