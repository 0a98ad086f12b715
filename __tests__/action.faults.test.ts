// Faults at the edges, as a user sees them (bundled action, issue 12): rate-limit
// headers from another planet in a batch, a host that does not resolve, an IPv6
// loopback api-url, a proxy with credentials (no deprecation warning on stderr),
// and a lost answer whose check could not read the stored secret. Wall-time bounds
// count from the first request the API received, or are relative to the budget,
// and excuse only the stalls measured meanwhile (see helpers/timing.ts).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:net'
import type { StandIn } from '../tools/northflank-stand-in.js'
import { startStandIn } from '../tools/northflank-stand-in.js'
import type { ActionRun } from '../tools/run-action.js'
import { useStandIn } from './helpers/stand-in.js'
import { makeTestCertificates, type TestCertificates } from './helpers/test-ca.js'
import { budgetBound, runActionTimed } from './helpers/timing.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'
import { startConnectProxy } from './northflank/support/servers.js'

const TOKEN = 'faults-token-3b9e'
const def = (name: string): string => `name: ${name}\ntype: config\n`
const errorsOf = (run: ActionRun): string[] =>
  run.annotations.filter((a) => a.level === 'error').map((a) => a.message)
const resultsOf = (run: ActionRun): Array<{ name: string; outcome: string }> =>
  JSON.parse(run.outputs.results ?? '[]') as Array<{ name: string; outcome: string }>
const debugLines = (run: ActionRun, pattern: RegExp): string[] =>
  run.log.split('\n').filter((l) => l.startsWith('::debug::') && pattern.test(l))

function batch(n: number, prefix: string): Workspace {
  return makeWorkspace(
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `secrets/s${String(i).padStart(2, '0')}.yaml`,
        def(`${prefix} ${i}`)
      ])
    )
  )
}

const BATCH_INPUTS = {
  file: 'secrets/*.yaml',
  'api-token': TOKEN,
  'timeout-seconds': '30',
  concurrency: '4'
}

/** Every definition created, nothing failed, and no JavaScript error text anywhere. */
function expectAllCreated(run: ActionRun, n: number): void {
  expect(errorsOf(run)).toEqual([])
  expect(run.code).toBe(0)
  const results = resultsOf(run)
  expect(results).toHaveLength(n)
  expect(results.filter((r) => r.outcome !== 'created')).toEqual([])
  expect(run.everything).not.toContain('Invalid time value')
  expect(run.everything).not.toMatch(/RangeError|TypeError/)
  expect(run.stderr).toBe('')
}

describe('a 429 with an absurd rate-limit header in a batch (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  it.each([
    ['Retry-After', 'retry-after'],
    ['x-ratelimit-reset', 'x-ratelimit-reset']
  ])(
    '%s: 99999999999999999999 is ignored; 20 definitions at concurrency 4 are all created',
    async (shown, header) => {
      // The stand-in's own window resets within 2 s, so the 429 (with its absurd header
      // ignored) waits at most that long.
      api.setRateLimit(1000, 2_000)
      // The sixth POST, while others are in flight: the gate is shared by the batch.
      const pass = Array.from({ length: 5 }, () => ({ kind: 'delay' as const, ms: 0 }))
      api.injectFaults({ method: 'POST' }, [
        ...pass,
        { kind: 'status', status: 429, headers: { [header]: '99999999999999999999' } }
      ])
      ws = batch(20, 'Absurd')
      const timed = await runActionTimed(
        { ...BATCH_INPUTS, 'api-url': api.url },
        { workspace: ws.dir }
      )
      const { run } = timed
      expectAllCreated(run, 20)
      expect(api.secrets().size).toBe(20)
      // The 429 was met (and retried once), and the header was seen and set aside.
      expect(api.counts().POST).toBe(21)
      expect(debugLines(run, new RegExp(`ignored ${shown}: "99999999999999999999"`))).toHaveLength(
        1
      )
      // No wait of days or years: the run ends within the stand-in's 2 s window plus 2 s for
      // the 21 requests themselves, after the first request (start-up measured apart).
      const t = budgetBound(timed, api.requests[0]!.at, 4_000)
      expect(t.afterFirstRequestMs).toBeLessThan(t.boundMs)
    }
  )
})

describe('x-ratelimit-reset in epoch milliseconds (bundled action)', () => {
  // A server that writes its reset as epoch ms, a few seconds ahead: 8 requests per 3 s window.
  const WINDOW_MS = 3_000
  const LIMIT = 8
  const standIn = useStandIn({
    tokens: [TOKEN],
    rateLimit: { limit: LIMIT, windowMs: WINDOW_MS },
    resetFormat: 'epoch-ms'
  })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  it('waits for the reset it names (seconds, not years), then creates all 20', async () => {
    ws = batch(20, 'Epoch')
    const timed = await runActionTimed(
      { ...BATCH_INPUTS, 'api-url': api.url },
      { workspace: ws.dir }
    )
    const { run } = timed
    expectAllCreated(run, 20)
    expect(api.secrets().size).toBe(20)

    // The stand-in's windows, rebuilt from arrivals as it counts them.
    const windows: Array<{ start: number; arrivals: number[] }> = []
    for (const r of api.requests) {
      const w = windows[windows.length - 1]
      if (w === undefined || r.at >= w.start + WINDOW_MS)
        windows.push({ start: r.at, arrivals: [] })
      windows[windows.length - 1]!.arrivals.push(r.at)
    }
    // 1 list + 20 POSTs answered; the rest were 429s. The limit was reached (more than one
    // window was needed), and in each window only requests already in flight met the 429: the
    // gate held every other request until the reset.
    const rejected = api.requests.length - 21
    expect(windows.length).toBeGreaterThanOrEqual(3)
    expect(rejected).toBeGreaterThanOrEqual(1)
    for (const w of windows) expect(w.arrivals.length).toBeLessThanOrEqual(LIMIT + 4)
    // Each wait named in the log is within the window (seconds), never a day or years.
    const waits = debugLines(run, /rate limit: waiting [\d.]+ s for the reset/).map((l) =>
      Number(/waiting ([\d.]+) s/.exec(l)![1])
    )
    expect(waits.length).toBeGreaterThanOrEqual(1)
    for (const s of waits) expect(s).toBeLessThanOrEqual(WINDOW_MS / 1000)
    // After the limit was spent, the next window began when the reset came, not much later:
    // the wait was the time the header gave.
    for (let i = 1; i < windows.length; i++) {
      const end = windows[i - 1]!.start + WINDOW_MS
      const late = windows[i]!.start - end
      const stalled = timed.child.stalled(end - 100, windows[i]!.start) + timed.test.maxMs
      expect(late).toBeLessThan(1_000 + stalled)
    }
    const t = budgetBound(timed, api.requests[0]!.at, windows.length * WINDOW_MS, 2_000)
    expect(t.afterFirstRequestMs).toBeLessThan(t.boundMs)
  })
})

describe('a host that does not resolve (bundled action)', () => {
  let ws: Workspace
  afterEach(() => ws?.remove())

  it('fails at once with one error naming the host and api-url, after one attempt', async () => {
    // `.invalid` never resolves (RFC 6761): ENOTFOUND, as for a misspelt api-url host.
    ws = makeWorkspace({ 'secrets/a.yaml': def('Unresolved Host') })
    const BUDGET_MS = 20_000
    const timed = await runActionTimed(
      {
        file: 'secrets/a.yaml',
        'api-url': 'https://api.northflank.invalid',
        'api-token': TOKEN,
        'timeout-seconds': String(BUDGET_MS / 1000)
      },
      { workspace: ws.dir }
    )
    const { run } = timed
    expect(run.code).toBe(1)
    const errors = errorsOf(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('"api.northflank.invalid" does not resolve')
    expect(errors[0]).toContain('api-url')
    expect(errors[0]).toMatch(/Failed after 1 attempt over /)
    expect(debugLines(run, /-> ENOTFOUND \(attempt/)).toHaveLength(1)
    expect(run.stderr).toBe('')
    // Not retried until the budget ends: the whole run, start-up included, takes a small
    // part of it (retrying would take all 20 s), excusing only the stalls measured.
    const stalled = timed.child.stalled(timed.startedAt) + timed.test.maxMs
    expect(run.elapsedMs - stalled).toBeLessThan(BUDGET_MS / 4)
  })
})

/** Whether this machine has an IPv6 loopback to listen on. */
async function canListenOnIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(0, '::1', () => server.close(() => resolve(true)))
  })
}
const ipv6 = await canListenOnIpv6Loopback()
const describeIpv6 = ipv6 ? describe : describe.skip

describeIpv6(
  `api-url on the IPv6 loopback (bundled action)${ipv6 ? '' : ' — SKIPPED: this machine cannot listen on ::1'}`,
  () => {
    const standIn = useStandIn({ tokens: [TOKEN], host: '::1' })
    let ws: Workspace
    afterEach(() => ws?.remove())

    it('http://[::1]:PORT creates the secret', async () => {
      const api = standIn()
      expect(api.url).toBe(`http://[::1]:${api.port}`)
      ws = makeWorkspace({ 'secrets/a.yaml': def('Over Six') })
      const { run } = await runActionTimed(
        { file: 'secrets/a.yaml', 'api-url': api.url, 'api-token': TOKEN, 'timeout-seconds': '20' },
        { workspace: ws.dir }
      )
      expect(errorsOf(run)).toEqual([])
      expect(run.code).toBe(0)
      expect(run.outputs.outcome).toBe('created')
      expect([...api.secrets().keys()]).toEqual(['over-six'])
      expect(api.requests[0]!.headers.host).toBe(`[::1]:${api.port}`)
    })
  }
)

describe('a proxy with credentials (bundled action)', () => {
  const HOST = 'northflank.invalid' // never resolves: only the proxy can reach it
  const CREDENTIALS = 'proxy-user:proxy-pass-5f1c'
  let certs: TestCertificates
  let api: StandIn
  let ws: Workspace

  beforeAll(async () => {
    certs = makeTestCertificates(HOST)
    api = await startStandIn({ tokens: [TOKEN], tls: certs.server })
    ws = makeWorkspace({ 'secrets/a.yaml': def('Proxied Config') })
  })
  afterAll(async () => {
    await api?.stop()
    ws?.remove()
    certs?.remove()
  })

  it('sends Proxy-Authorization with CONNECT and prints no Buffer() deprecation (DEP0005)', async () => {
    const proxy = await startConnectProxy({
      credentials: CREDENTIALS,
      map: { [HOST]: '127.0.0.1' }
    })
    try {
      const { run } = await runActionTimed(
        {
          file: 'secrets/a.yaml',
          'api-url': `https://${HOST}:${api.port}`,
          'api-token': TOKEN,
          'timeout-seconds': '20'
        },
        {
          workspace: ws.dir,
          env: {
            HTTPS_PROXY: `http://${CREDENTIALS}@${proxy.url.slice('http://'.length)}`,
            NODE_EXTRA_CA_CERTS: certs.caPem
          }
        }
      )
      expect(errorsOf(run)).toEqual([])
      expect(run.code).toBe(0)
      expect(run.outputs.outcome).toBe('created')
      // Through the proxy, authenticated, once.
      expect(proxy.connects).toEqual([`${HOST}:${api.port}`])
      expect(proxy.authorizations).toEqual([`Basic ${Buffer.from(CREDENTIALS).toString('base64')}`])
      expect(run.stderr).not.toContain('DEP0005')
      expect(run.stderr).not.toContain('Buffer() is deprecated')
      expect(run.stderr).toBe('')
      expect(run.everything).not.toContain('proxy-pass-5f1c')
    } finally {
      await proxy.stop()
    }
  })
})

describe('a lost answer whose check cannot read the stored secret (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  it.each([
    [
      'answers 200 with something that is not JSON',
      { kind: 'status', status: 200, body: '<html>ok</html>' }
    ],
    ['answers 403', { kind: 'status', status: 403 }]
  ] as const)(
    'the read %s: "could not be read to check", never "differs"',
    async (_what, fault) => {
      // The POST stores the secret and its answer is lost; the retry meets 409; the read that
      // should tell whether the stored secret is this run's gets no usable answer.
      api.injectFaults({ method: 'POST' }, [{ kind: 'drop-after-store' }])
      api.injectFaults({ method: 'GET', path: /\/secrets\/[^/?]+$/ }, [{ ...fault }])
      ws = makeWorkspace({ 'secrets/a.yaml': def('Lost Answer') })
      const { run } = await runActionTimed(
        {
          file: 'secrets/a.yaml',
          'api-url': api.url,
          'api-token': TOKEN,
          'timeout-seconds': '20',
          'on-conflict': 'fail'
        },
        { workspace: ws.dir }
      )
      expect(run.code).toBe(1)
      expect(api.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET'])
      const errors = errorsOf(run)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toContain(
        'An earlier attempt got no answer, and the stored secret could not be read to check ' +
          'whether this run created it.'
      )
      expect(errors[0]).not.toContain('differs')
      expect(resultsOf(run).map((r) => r.outcome)).toEqual(['failed'])
    }
  )

  it('the read answers 500 on every try: "could not be read to check", never "differs"', async () => {
    api.injectFaults({ method: 'POST' }, [{ kind: 'drop-after-store' }])
    api.injectFaults(
      { method: 'GET', path: /\/secrets\/[^/?]+$/ },
      Array.from({ length: 50 }, () => ({ kind: 'status' as const, status: 500 }))
    )
    ws = makeWorkspace({ 'secrets/a.yaml': def('Lost Answer') })
    const { run } = await runActionTimed(
      {
        file: 'secrets/a.yaml',
        'api-url': api.url,
        'api-token': TOKEN,
        'timeout-seconds': '3',
        'on-conflict': 'fail'
      },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    // The read was retried (a 500 may heal) and never answered.
    const methods = api.requests.map((r) => r.method)
    expect(methods.slice(0, 3)).toEqual(['POST', 'POST', 'GET'])
    expect(methods.slice(2).every((m) => m === 'GET')).toBe(true)
    const errors = errorsOf(run)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(
      'An earlier attempt got no answer, and the stored secret could not be read to check ' +
        'whether this run created it.'
    )
    expect(errors[0]).toMatch(/GET 500\)\.$/)
    expect(errors[0]).not.toContain('differs')
  })
})
