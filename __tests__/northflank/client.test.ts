import { afterEach, describe, expect, it } from '@jest/globals'
import { NorthflankClient, RateGate, type ClientOptions } from '../../src/northflank/client.js'
import type { ConflictPolicy } from '../../src/plan/index.js'
import { applyGlobalSecret } from '../../src/sync.js'
import { NorthflankError } from '../../src/northflank/errors.js'
import { startStandIn, type StandIn } from '../../tools/northflank-stand-in.js'
import { closedPort, json, startServer, type TestServer } from './support/servers.js'
import { watchStalls } from '../helpers/timing.js'

const TOKEN = 'nf-test-token-0123456789'
const SECRET = 'sv-hunter2-very-secret'

const body = (name = 'My Secret'): Record<string, unknown> => ({
  name,
  description: 'Database credentials',
  type: 'secret',
  secrets: { values: { DB_PASSWORD: SECRET, NESTED: { list: [1, 'two'] } } }
})

const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.()
})

async function standIn(options: Parameters<typeof startStandIn>[0] = {}): Promise<StandIn> {
  const s = await startStandIn({ tokens: [TOKEN], ...options })
  stops.push(() => s.stop())
  return s
}

async function server(handle: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handle)
  stops.push(() => s.stop())
  return s
}

function opts(apiUrl: string, extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    apiUrl,
    token: TOKEN,
    userAgent: 'northflank-global-secret-action/test',
    timeoutMs: 5_000,
    retry: { baseMs: 10, maxMs: 50 },
    ...extra
  }
}

async function failure(promise: Promise<unknown>): Promise<NorthflankError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(NorthflankError)
    return error as NorthflankError
  }
  throw new Error('expected a NorthflankError, got success')
}

describe('request shape', () => {
  it('POSTs exactly the body to /v1/secrets with the documented headers', async () => {
    const s = await standIn()
    const b = { ...body(), extra: { 'key with space': '${fn.randomSecret(32)}' } }
    const result = await applyGlobalSecret(opts(s.url), b, 'fail')
    expect(result.outcome).toBe('created')
    expect(s.requests).toHaveLength(1)
    const req = s.requests[0]!
    expect(req.method).toBe('POST')
    expect(req.path).toBe('/v1/secrets')
    expect(req.rawBody).toBe(JSON.stringify(b))
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.headers.accept).toBe('application/json')
    expect(req.headers['user-agent']).toMatch(/^northflank-global-secret-action\/test/)
  })

  it('uses the team path with the team id URL-encoded, and tolerates a trailing slash', async () => {
    const s = await standIn({ teams: ['a/b'] })
    const result = await applyGlobalSecret(opts(`${s.url}/`, { teamId: 'a/b' }), body(), 'fail')
    expect(result.outcome).toBe('created')
    expect(s.requests[0]!.path).toBe('/v1/teams/a%2Fb/secrets')
    expect(s.secrets('a/b').has('my-secret')).toBe(true)
  })

  it('returns the API data, attempts, statuses and timing on 200', async () => {
    const s = await standIn()
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result).toMatchObject({ outcome: 'created', attempts: 1, statuses: [200] })
    expect(result.data).toMatchObject({ name: 'My Secret', type: 'secret' })
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0)
  })

  it('does not follow redirects (the token must not travel elsewhere)', async () => {
    const elsewhere = await server((_req, res) => json(res, 200, { data: {} }))
    const s = await server((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/v1/secrets` })
      res.end()
    })
    const error = await failure(applyGlobalSecret(opts(s.url), body(), 'fail'))
    expect(error.kind).toBe('http')
    expect(error.status).toBe(307)
    expect(error.message).toMatch(/redirect/i)
    expect(elsewhere.requests).toHaveLength(0)
  })
})

describe('409 conflict policies', () => {
  const seeded = async (): Promise<StandIn> => {
    const s = await standIn()
    s.seed({ name: 'My Secret', type: 'config' })
    return s
  }

  it('fail: conflict error naming the identifier and suggesting skip/update', async () => {
    const s = await seeded()
    const error = await failure(applyGlobalSecret(opts(s.url), body(), 'fail'))
    expect(error.kind).toBe('conflict')
    expect(error.status).toBe(409)
    expect(error.errorId).toMatch(/[0-9a-f-]{36}/)
    expect(error.message).toContain('"my-secret"')
    expect(error.message).toContain(error.errorId!)
    expect(error.message).toContain('on-conflict: skip')
    expect(error.message).toContain('on-conflict: update')
    expect(error.message).toContain('after 1 attempt')
    expect(s.requests).toHaveLength(1)
  })

  it('skip: outcome exists, nothing else sent', async () => {
    const s = await seeded()
    const result = await applyGlobalSecret(opts(s.url), body(), 'skip')
    expect(result).toMatchObject({ outcome: 'exists', statuses: [409] })
    expect(result.data).toBeUndefined()
    expect(s.requests.map((r) => r.method)).toEqual(['POST'])
    expect(s.secrets().get('my-secret')!.type).toBe('config')
  })

  it('update: reads the stored secret, then PUTs the same body to the collection path', async () => {
    const s = await standIn({ teams: ['t1'] })
    s.seed({ name: 'My Secret', type: 'config' }, 't1')
    const b = body()
    const result = await applyGlobalSecret(opts(s.url, { teamId: 't1' }), b, 'update')
    expect(result).toMatchObject({ outcome: 'updated', attempts: 2, statuses: [200, 200] })
    expect(result.changes).toEqual([
      '~ type',
      '+ description',
      '+ secrets.values.DB_PASSWORD',
      '+ secrets.values.NESTED'
    ])
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/teams/t1/secrets/my-secret',
      'PUT /v1/teams/t1/secrets'
    ])
    expect(s.requests[1]!.rawBody).toBe(JSON.stringify(b))
    expect(s.secrets('t1').get('my-secret')!.type).toBe('secret')
  })

  it('update: a stored secret equal to the body is unchanged, and nothing is written', async () => {
    const s = await standIn()
    s.seed(body())
    const result = await applyGlobalSecret(opts(s.url), body(), 'update')
    expect(result).toMatchObject({ outcome: 'unchanged', changes: [], statuses: [200] })
    expect(s.requests.map((r) => r.method)).toEqual(['GET'])
  })

  it('update: absent (GET 404) is created with one POST', async () => {
    const s = await standIn()
    const result = await applyGlobalSecret(opts(s.url), body(), 'update')
    expect(result).toMatchObject({ outcome: 'created', statuses: [404, 200] })
    expect(s.requests.map((r) => r.method)).toEqual(['GET', 'POST'])
  })

  it('update: a POST that meets 409 (created meanwhile) reads, compares and PUTs only a difference', async () => {
    for (const [stored, outcome, methods] of [
      [body(), 'unchanged', ['GET', 'POST', 'GET']],
      [{ ...body(), description: 'Other text' }, 'updated', ['GET', 'POST', 'GET', 'PUT']]
    ] as const) {
      const s = await standIn()
      // The first GET finds nothing; the secret appears before the POST.
      s.injectFaults({ method: 'GET' }, [
        { kind: 'status', status: 404, body: { error: { status: 404, message: 'not found' } } }
      ])
      s.seed(stored)
      const result = await applyGlobalSecret(opts(s.url), body(), 'update')
      expect(result.outcome).toBe(outcome)
      expect(s.requests.map((r) => r.method)).toEqual(methods)
    }
  })
})

describe('error statuses', () => {
  it.each([
    [401, /missing, expired or malformed.*api-token/],
    [403, /lacks permission.*API role/],
    [404, /check api-url.*team-id/]
  ])('%i: actionable message with status and error id, not retried', async (status, hint) => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [{ kind: 'status', status }])
    const error = await failure(applyGlobalSecret(opts(s.url), body(), 'fail'))
    expect(error.kind).toBe('http')
    expect(error.status).toBe(status)
    expect(error.errorId).toBeDefined()
    expect(error.message).toContain(`HTTP ${status}`)
    expect(error.message).toContain(`Northflank error id: ${error.errorId}`)
    expect(error.message).toMatch(hint)
    expect(error.attempts).toBe(1)
    expect(s.requests).toHaveLength(1)
  })

  it('401 from the real check and 404 for an unknown team', async () => {
    const s = await standIn()
    const e401 = await failure(applyGlobalSecret({ ...opts(s.url), token: 'nope' }, body(), 'fail'))
    expect(e401.message).toMatch(/HTTP 401 Unauthorized: Invalid API token/)
    const e404 = await failure(applyGlobalSecret(opts(s.url, { teamId: 'ghost' }), body(), 'fail'))
    expect(e404.message).toMatch(/HTTP 404 .*check team-id \("ghost"/)
  })

  it('422: maps details to fields', async () => {
    const s = await standIn()
    const error = await failure(
      applyGlobalSecret(opts(s.url), { name: 'x!', type: 'nope' }, 'fail')
    )
    expect(error.status).toBe(422)
    expect(error.message).toMatch(/name: length must be at least 3 characters long/)
    expect(error.message).toMatch(/type: must be one of \[secret, config\]/)
    expect(error.message).toContain(`Northflank error id: ${error.errorId}`)
    expect(error.details).toMatchObject({ type: ['must be one of [secret, config]'] })
    expect(s.requests).toHaveLength(1)
  })

  it('400 with array-shaped details', async () => {
    const s = await server((_req, res) =>
      json(res, 400, {
        error: {
          status: 400,
          message: 'Bad request',
          id: 'err-42',
          details: [{ path: ['gitops', 'repoUrl'], message: 'is invalid' }]
        }
      })
    )
    const error = await failure(applyGlobalSecret(opts(s.url), body(), 'fail'))
    expect(error.message).toContain('gitops.repoUrl: is invalid')
    expect(error.message).toContain('err-42')
  })

  it('non-JSON error body: short snippet only', async () => {
    const s = await server((_req, res) => {
      res.writeHead(418, { 'content-type': 'text/html' })
      res.end(`<html>${'x'.repeat(5000)}</html>`)
    })
    const error = await failure(applyGlobalSecret(opts(s.url), body(), 'fail'))
    const snippet = /response body: "([^"]*)"/.exec(error.message)?.[1]
    expect(snippet).toBeDefined()
    expect(snippet!.length).toBeLessThanOrEqual(200)
    expect(error.message).toContain('The response has no error id')
    expect(error.attempts).toBe(1)
  })

  it('501 is not retried; 500 is', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [{ kind: 'status', status: 501 }])
    const e501 = await failure(applyGlobalSecret(opts(s.url), body(), 'fail'))
    expect(e501.attempts).toBe(1)
    s.injectFaults({ method: 'POST' }, [{ kind: 'status', status: 500 }])
    const ok = await applyGlobalSecret(opts(s.url), body('Other'), 'fail')
    expect(ok).toMatchObject({ outcome: 'created', statuses: [500, 200] })
  })
})

describe('retries', () => {
  it.each([429, 502, 503, 504])('retries %i and then succeeds', async (status) => {
    const s = await standIn()
    // The stand-in adds x-ratelimit-reset (its window: 1 h); a real 429 says when to retry.
    const headers = status === 429 ? { 'retry-after': '0' } : undefined
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status, headers },
      { kind: 'status', status, headers }
    ])
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result).toMatchObject({
      outcome: 'created',
      attempts: 3,
      statuses: [status, status, 200]
    })
    expect(s.requests).toHaveLength(3)
  })

  it('retries ECONNRESET (connection reset before storing)', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [{ kind: 'reset' }, { kind: 'reset' }])
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result).toMatchObject({ outcome: 'created', attempts: 3, statuses: [200] })
  })

  it('retries a response cut off mid-body', async () => {
    const s = await server((_req, res, _rec, index) => {
      if (index === 0) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
        res.write('{"data":')
        setTimeout(() => res.socket?.destroy(), 20)
      } else json(res, 200, { data: { name: 'My Secret' } })
    })
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result).toMatchObject({ outcome: 'created', attempts: 2, statuses: [200] })
  })

  it('gives up after maxAttempts with the attempt log in the message', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 503 },
      { kind: 'reset' },
      { kind: 'status', status: 503 },
      { kind: 'status', status: 503 }
    ])
    const error = await failure(
      applyGlobalSecret(opts(s.url, { retry: { baseMs: 5, maxAttempts: 4 } }), body(), 'fail')
    )
    expect(error.kind).toBe('http')
    expect(error.status).toBe(503)
    expect(error.attempts).toBe(4)
    expect(error.statuses).toEqual([503, 503, 503])
    expect(error.trail).toEqual(['503', 'ECONNRESET', '503', '503'])
    expect(error.message).toMatch(
      /Gave up at the attempt limit, after 4 attempts over \d+\.\d s \(503, ECONNRESET, 503, 503\)/
    )
    expect(error.message).toMatch(/server-side problem/)
  })

  it('retries ECONNREFUSED and reports it as a network error', async () => {
    const port = await closedPort()
    const error = await failure(
      applyGlobalSecret(
        opts(`http://127.0.0.1:${port}`, { retry: { baseMs: 5, maxAttempts: 3 } }),
        body(),
        'fail'
      )
    )
    expect(error.kind).toBe('network')
    expect(error.code).toBe('ECONNREFUSED')
    expect(error.attempts).toBe(3)
    expect(error.message).toMatch(/ECONNREFUSED.*check api-url/)
    expect(error.message).toContain('(ECONNREFUSED, ECONNREFUSED, ECONNREFUSED)')
  })

  it('honours Retry-After in seconds', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 503, headers: { 'retry-after': '1' } }
    ])
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result.statuses).toEqual([503, 200])
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(950)
  })

  it('honours Retry-After as an HTTP date', async () => {
    const s = await standIn()
    const when = new Date(Date.now() + 2_000).toUTCString()
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 429, headers: { 'retry-after': when } }
    ])
    const watch = watchStalls()
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result.statuses).toEqual([429, 200])
    // HTTP dates have whole seconds: at least ~1 s, at most ~2 s (plus this process's stalls).
    const gap = s.requests[1]!.at - s.requests[0]!.at
    expect(gap).toBeGreaterThanOrEqual(900)
    expect(gap).toBeLessThan(2_500 + watch.stop().totalMs)
  })

  it('honours x-ratelimit-reset on 429', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 429, headers: { 'x-ratelimit-reset': '1' } }
    ])
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result.statuses).toEqual([429, 200])
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(950)
  })
})

describe('time budget', () => {
  it('a hanging server fails within timeoutMs plus a small slack', async () => {
    const s = await standIn()
    s.injectFaults(
      { method: 'POST' },
      Array.from({ length: 10 }, () => ({ kind: 'hang' as const }))
    )
    const started = Date.now()
    const watch = watchStalls()
    const error = await failure(applyGlobalSecret(opts(s.url, { timeoutMs: 600 }), body(), 'fail'))
    const elapsed = Date.now() - started
    expect(error.kind).toBe('timeout')
    expect(elapsed).toBeGreaterThanOrEqual(590)
    // The budget's timer fires late by no more than this process stalled.
    expect(elapsed).toBeLessThan(600 + 400 + watch.stop().totalMs)
    expect(error.message).toMatch(/no response within/)
    expect(error.message).toMatch(
      /time budget \(0\.6 s\) ran out after 1 attempt over 0\.[5-9] s \(timeout\)/
    )
  })

  it('per-attempt timeouts are retried inside the budget', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [{ kind: 'hang' }, { kind: 'hang' }])
    const result = await applyGlobalSecret(
      opts(s.url, { timeoutMs: 3_000, retry: { baseMs: 5, attemptTimeoutMs: 200 } }),
      body(),
      'fail'
    )
    // A hung POST may have been stored; here it was not, so the retry creates it.
    expect(result).toMatchObject({ outcome: 'created', attempts: 3, statuses: [200] })
  })

  it('a rate-limit reset in 40 minutes fails at once, saying when it resets', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 429, headers: { 'x-ratelimit-reset': '2400' } }
    ])
    const started = Date.now()
    const watch = watchStalls()
    const error = await failure(
      applyGlobalSecret(opts(s.url, { timeoutMs: 60_000 }), body(), 'fail')
    )
    expect(Date.now() - started).toBeLessThan(500 + watch.stop().totalMs)
    expect(error.kind).toBe('timeout')
    expect(error.message).toMatch(/in 40 min/)
    const iso = /resets at (\S+Z)/.exec(error.message)?.[1]
    expect(iso).toBeDefined()
    expect(Math.abs(Date.parse(iso!) - (started + 2_400_000))).toBeLessThan(5_000)
    expect(error.message).toContain('Failed after 1 attempt')
    expect(error.message).toContain('(429)')
  })

  it('a Retry-After beyond the budget on 503 fails at once', async () => {
    const s = await standIn()
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 503, headers: { 'retry-after': '3600' } }
    ])
    const started = Date.now()
    const watch = watchStalls()
    const error = await failure(
      applyGlobalSecret(opts(s.url, { timeoutMs: 10_000 }), body(), 'fail')
    )
    expect(Date.now() - started).toBeLessThan(500 + watch.stop().totalMs)
    expect(error.kind).toBe('timeout')
    expect(error.message).toMatch(/Retry-After/)
  })

  it("the stand-in's real rate limit: the window's last request closes the gate for later calls", async () => {
    const s = await standIn({ rateLimit: { limit: 1, windowMs: 3_600_000 } })
    const gate = new RateGate()
    const first = await applyGlobalSecret(opts(s.url, { gate }), body('one'), 'fail')
    expect(first.outcome).toBe('created')
    const error = await failure(applyGlobalSecret(opts(s.url, { gate }), body('two'), 'fail'))
    expect(error.kind).toBe('timeout')
    expect(error.attempts).toBe(0)
    expect(error.message).toMatch(/rate limit resets at .* \(in (59 min|1 h)\)/)
    expect(error.message).toContain('No request was sent')
    expect(s.requests).toHaveLength(1)
  })
})

describe('list (every identifier of the scope)', () => {
  it('reads 100 per page and follows the cursor: 250 secrets in 3 requests', async () => {
    const s = await standIn()
    for (let i = 0; i < 250; i++) s.seed({ name: `secret ${i}`, type: 'config' })
    const listing = await new NorthflankClient(opts(s.url)).listSecretIds()
    expect(listing.ids.size).toBe(250)
    expect(listing.ids.has('secret-0')).toBe(true)
    expect(listing.ids.has('secret-249')).toBe(true)
    expect(listing.pages).toBe(3)
    expect(listing.stats).toMatchObject({ attempts: 3, statuses: [200, 200, 200] })
    expect(s.requests.map((r) => r.path)).toEqual([
      '/v1/secrets?per_page=100',
      expect.stringMatching(/^\/v1\/secrets\?per_page=100&cursor=[\w%-]+$/),
      expect.stringMatching(/^\/v1\/secrets\?per_page=100&cursor=[\w%-]+$/)
    ])
    expect(s.counts()).toMatchObject({ list: 3, writes: 0 })
  })

  it('an empty scope is one request; the team path when team-id is set', async () => {
    const s = await standIn({ teams: ['a b'] })
    s.seed({ name: 'own scope', type: 'config' })
    const listing = await new NorthflankClient(opts(s.url, { teamId: 'a b' })).listSecretIds()
    expect(listing.ids.size).toBe(0)
    expect(s.requests.map((r) => r.path)).toEqual(['/v1/teams/a%20b/secrets?per_page=100'])
  })

  it('a refused listing is an actionable error, retried like any request', async () => {
    const s = await standIn()
    const e401 = await failure(
      new NorthflankClient({ ...opts(s.url), token: 'nope' }).listSecretIds()
    )
    expect(e401.message).toMatch(/HTTP 401.*api-token/)
    s.injectFaults({ method: 'GET' }, [{ kind: 'status', status: 503 }])
    const listing = await new NorthflankClient(opts(s.url)).listSecretIds()
    expect(listing.stats.statuses).toEqual([503, 200])
  })

  it('refuses an answer that is not a list, and a cursor that never ends', async () => {
    const notList = await server((_req, res) => json(res, 200, { data: { items: [] } }))
    const e1 = await failure(new NorthflankClient(opts(notList.url)).listSecretIds())
    expect(e1.message).toMatch(/not with a list of secrets.*check api-url/)
    const loop = await server((_req, res) =>
      json(res, 200, {
        data: { secrets: [{ id: 'a' }] },
        pagination: { hasNextPage: true, cursor: 'same' }
      })
    )
    const e2 = await failure(new NorthflankClient(opts(loop.url)).listSecretIds())
    expect(e2.message).toMatch(/did not end after 2 pages/)
    expect(loop.requests).toHaveLength(2)
  })
})

describe('ambiguous creates', () => {
  it('a POST stored but whose answer was lost, then 409, is recognised as ours', async () => {
    for (const policy of ['fail', 'skip', 'update'] as ConflictPolicy[]) {
      const s = await standIn()
      s.injectFaults({ method: 'POST' }, [{ kind: 'drop-after-store' }])
      const result = await applyGlobalSecret(opts(s.url), body(), policy)
      expect(result.outcome).toBe('created')
      // `update` reads first (404: absent), then creates.
      const read = policy === 'update' ? ['GET /v1/secrets/my-secret'] : []
      expect(result.statuses).toEqual([...(policy === 'update' ? [404] : []), 409, 200])
      expect(result.data).toMatchObject({ name: 'My Secret' })
      expect(s.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        ...read,
        'POST /v1/secrets',
        'POST /v1/secrets',
        'GET /v1/secrets/my-secret'
      ])
    }
  })

  it('a 502 after storing also counts as a lost answer', async () => {
    const s: TestServer = await server((req, res, _rec, index) => {
      if (index === 0) json(res, 502, 'bad gateway')
      else if (req.method === 'POST') json(res, 409, { error: { status: 409, message: 'exists' } })
      else json(res, 200, { data: { ...JSON.parse(s.requests[0]!.body), createdAt: 'x' } })
    })
    const result = await applyGlobalSecret(opts(s.url), body(), 'fail')
    expect(result.outcome).toBe('created')
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/secrets',
      'POST /v1/secrets',
      'GET /v1/secrets/my-secret'
    ])
  })

  it('checks with the team path', async () => {
    const s = await standIn({ teams: ['my team'] })
    s.injectFaults({ method: 'POST' }, [{ kind: 'drop-after-store' }])
    const result = await applyGlobalSecret(opts(s.url, { teamId: 'my team' }), body(), 'fail')
    expect(result.outcome).toBe('created')
    expect(s.requests[2]!.path).toBe('/v1/teams/my%20team/secrets/my-secret')
  })

  it('a stored secret that differs falls back to the policy', async () => {
    const cases: Array<[ConflictPolicy, string]> = [
      ['fail', 'conflict'],
      ['skip', 'exists'],
      ['update', 'updated']
    ]
    for (const [policy, expected] of cases) {
      const s = await standIn()
      s.seed({ name: 'My Secret', type: 'config' })
      s.injectFaults({ method: 'POST' }, [{ kind: 'reset' }])
      if (expected === 'conflict') {
        const error = await failure(applyGlobalSecret(opts(s.url), body(), policy))
        expect(error.kind).toBe('conflict')
        expect(error.message).toMatch(/differs from this definition/)
        expect(error.trail).toEqual(['ECONNRESET', '409', 'GET 200'])
      } else {
        const result = await applyGlobalSecret(opts(s.url), body(), policy)
        expect(result.outcome).toBe(expected)
      }
      // `update` reads before it writes: the difference is a PUT, never a POST.
      expect(s.requests.map((r) => r.method).slice(0, 3)).toEqual(
        policy === 'update' ? ['GET', 'PUT'] : ['POST', 'POST', 'GET']
      )
    }
  })

  it('no GET when the first answer was a plain 409', async () => {
    const s = await standIn()
    s.seed(body())
    await failure(applyGlobalSecret(opts(s.url), body(), 'fail'))
    expect(s.requests.map((r) => r.method)).toEqual(['POST'])
  })

  it('a PUT whose answer was lost is simply retried', async () => {
    const s = await standIn()
    s.seed({ name: 'My Secret', type: 'config' })
    s.injectFaults({ method: 'PUT' }, [{ kind: 'drop-after-store' }])
    const result = await applyGlobalSecret(opts(s.url), body(), 'update')
    expect(result).toMatchObject({ outcome: 'updated', attempts: 3, statuses: [200, 200] })
    expect(s.requests.map((r) => r.method)).toEqual(['GET', 'PUT', 'PUT'])
  })
})

describe('never leaks the token or secret values', () => {
  it('keeps them out of every message, details and debug line', async () => {
    const echo = (req: { headers: Record<string, unknown> }, raw: string): string =>
      `auth=${String(req.headers.authorization)} body=${raw}`
    const scenarios: Array<
      (
        res: import('node:http').ServerResponse,
        rec: { headers: Record<string, unknown>; body: string }
      ) => void
    > = [
      (res, rec) =>
        json(res, 401, {
          error: { message: echo(rec, rec.body), id: TOKEN, details: { token: TOKEN } }
        }),
      (res) =>
        json(res, 422, {
          error: {
            message: 'Validation failed',
            id: 'e1',
            details: { 'secrets.values.DB_PASSWORD': [`value ${SECRET} is weak`], [SECRET]: 'x' }
          }
        }),
      (res, rec) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(echo(rec, rec.body))
      },
      (res, rec) => {
        res.writeHead(400, { 'content-type': 'text/plain' })
        res.end(`oops ${rec.body}`)
      },
      (res, rec) => json(res, 409, { error: { message: `exists: ${rec.body}` } })
    ]
    const lines: string[] = []
    for (const scenario of scenarios) {
      const s = await server((_req, res, rec) => scenario(res, rec))
      const error = await failure(
        applyGlobalSecret(
          opts(s.url, { retry: { baseMs: 1, maxAttempts: 2 }, debug: (m) => lines.push(m) }),
          body(),
          'fail'
        )
      )
      lines.push(error.message, JSON.stringify(error.details ?? null), String(error.errorId))
    }
    // Network failures and timeouts too.
    const port = await closedPort()
    lines.push(
      (
        await failure(
          applyGlobalSecret(
            opts(`http://127.0.0.1:${port}`, {
              retry: { baseMs: 1, maxAttempts: 2 },
              debug: (m) => lines.push(m)
            }),
            body(),
            'fail'
          )
        )
      ).message
    )
    const hang = await standIn()
    hang.injectFaults({}, [{ kind: 'hang' }])
    lines.push(
      (
        await failure(
          applyGlobalSecret(
            opts(hang.url, { timeoutMs: 200, debug: (m) => lines.push(m) }),
            body(),
            'fail'
          )
        )
      ).message
    )
    expect(lines.length).toBeGreaterThan(15)
    for (const line of lines) {
      expect(line).not.toContain(TOKEN)
      expect(line).not.toContain(SECRET)
    }
    // The redacted messages still carry the useful parts.
    expect(lines.join('\n')).toContain('secrets.values.DB_PASSWORD: value *** is weak')
  })
})

describe('configuration errors (before any request)', () => {
  it('refuses plain http to a non-loopback host, an empty token and a bad policy', async () => {
    const e1 = await failure(applyGlobalSecret(opts('http://example.com'), body(), 'fail'))
    expect(e1.kind).toBe('config')
    const e2 = await failure(
      applyGlobalSecret({ ...opts('https://x.invalid'), token: '' }, body(), 'fail')
    )
    expect(e2.kind).toBe('config')
    const e3 = await failure(
      applyGlobalSecret({ ...opts('https://x.invalid'), token: `${TOKEN}\n` }, body(), 'fail')
    )
    expect(e3.kind).toBe('config')
    expect(e3.message).not.toContain(TOKEN)
    // The policy is the plan's to check, before any request.
    await expect(
      applyGlobalSecret(opts('https://x.invalid'), body(), 'sometimes' as ConflictPolicy)
    ).rejects.toThrow(/on-conflict must be fail, skip or update/)
  })
})
