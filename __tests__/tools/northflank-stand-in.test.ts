import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  deriveId,
  startStandIn,
  type StandIn,
  type StandInOptions
} from '../../tools/northflank-stand-in.js'
import { watchStalls } from '../helpers/timing.js'

// Response bodies are checked field by field; a loose type keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const TOKEN = 'test-token'
const running: StandIn[] = []

async function start(options?: StandInOptions): Promise<StandIn> {
  const standIn = await startStandIn(options)
  running.push(standIn)
  return standIn
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()))
})

interface CallOptions {
  token?: string | null
  body?: unknown
  headers?: Record<string, string>
}

async function call(
  standIn: StandIn,
  method: string,
  path: string,
  { token = TOKEN, body, headers = {} }: CallOptions = {}
): Promise<{ status: number; headers: Headers; json: Json; text: string }> {
  const h: Record<string, string> = {}
  if (token !== null) h.authorization = `Bearer ${token}`
  if (body !== undefined) h['content-type'] = 'application/json'
  const res = await fetch(standIn.url + path, {
    method,
    headers: { ...h, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await res.text()
  let json: Json
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, json, text }
}

function expectError(r: { status: number; headers: Headers; json: Json }, status: number): void {
  expect(r.status).toBe(status)
  expect(r.headers.get('content-type')).toBe('application/json')
  expect(r.json.error.status).toBe(status)
  expect(typeof r.json.error.message).toBe('string')
  expect(r.json.error.message.length).toBeGreaterThan(0)
  expect(typeof r.json.error.id).toBe('string')
  expect(r.json.error.id.length).toBeGreaterThan(0)
}

const SECRET = {
  name: 'My Secret',
  description: 'Database settings, v2',
  type: 'secret',
  secrets: { values: { DB: { host: 'db', port: 5432 }, URL: '${baseUrl}/x' }, files: {} }
}

describe('deriveId', () => {
  it('lower-cases and turns each space or hyphen into a hyphen', () => {
    expect(deriveId('Example Secret')).toBe('example-secret')
    expect(deriveId('My-Secret 2')).toBe('my-secret-2')
    expect(deriveId('abc')).toBe('abc')
  })
})

describe('create (POST /v1/secrets)', () => {
  it('stores the secret and answers 200 with data (timestamps, no id)', async () => {
    const si = await start()
    const r = await call(si, 'POST', '/v1/secrets', { body: SECRET })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/json')
    const { createdAt, updatedAt, ...rest } = r.json.data
    expect(rest).toEqual(SECRET)
    expect(r.json.data.id).toBeUndefined()
    expect(new Date(createdAt).toISOString()).toBe(createdAt)
    expect(updatedAt).toBe(createdAt)
    const stored = si.secrets().get('my-secret')
    expect(stored?.secrets?.values).toEqual(SECRET.secrets.values)
    expect(si.secrets('my-team').size).toBe(0)
  })

  it('records every request with headers (authorization too), body and raw body', async () => {
    const si = await start()
    await call(si, 'POST', '/v1/secrets?x=1', { body: SECRET })
    await call(si, 'GET', '/v1/secrets/nope', { token: 'wrong' })
    expect(si.requests).toHaveLength(2)
    const [first, second] = si.requests
    expect(first?.method).toBe('POST')
    expect(first?.path).toBe('/v1/secrets?x=1')
    expect(first?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(first?.body).toEqual(SECRET)
    expect(first?.rawBody).toBe(JSON.stringify(SECRET))
    expect(typeof first?.at).toBe('number')
    expect(second?.headers.authorization).toBe('Bearer wrong')
    expect(second?.body).toBeUndefined()
    expect(second?.rawBody).toBe('')
  })

  it('answers 409 when the derived identifier exists (created, colliding or seeded)', async () => {
    const si = await start()
    expect((await call(si, 'POST', '/v1/secrets', { body: SECRET })).status).toBe(200)
    const again = await call(si, 'POST', '/v1/secrets', {
      body: { name: 'my-secret', type: 'config' }
    })
    expectError(again, 409)
    expect(again.json.error.message).toBe(
      'There is already a secret with the same derived identifier'
    )
    expect(si.secrets().get('my-secret')?.type).toBe('secret')

    si.seed({ name: 'Seeded One', type: 'config' }, 'my-team')
    expectError(
      await call(si, 'POST', '/v1/teams/my-team/secrets', {
        body: { name: 'seeded-one', type: 'config' }
      }),
      409
    )
    expect(() => si.seed({ name: 'x', type: 'secret' })).toThrow(/invalid definition/)
    expect(() => si.seed({ name: 'abc', type: 'secret' }, 'nope')).toThrow(/unknown team/)
  })
})

describe('put (PUT /v1/secrets)', () => {
  it('creates, then updates in place keeping createdAt', async () => {
    const si = await start()
    const created = await call(si, 'PUT', '/v1/secrets', { body: SECRET })
    expect(created.status).toBe(200)
    await new Promise((r) => setTimeout(r, 5))
    const updated = await call(si, 'PUT', '/v1/secrets', {
      body: { name: 'my-secret', type: 'config', secrets: { values: { A: '1' } } }
    })
    expect(updated.status).toBe(200)
    expect(updated.json.data).toMatchObject({
      name: 'my-secret',
      type: 'config',
      secrets: { values: { A: '1' } },
      createdAt: created.json.data.createdAt
    })
    expect(updated.json.data.description).toBeUndefined()
    expect(updated.json.data.updatedAt > created.json.data.updatedAt).toBe(true)
    expect([...si.secrets().keys()]).toEqual(['my-secret'])
  })

  it('validates the body like create', async () => {
    const si = await start()
    const r = await call(si, 'PUT', '/v1/secrets', { body: { name: 'ok name' } })
    expectError(r, 422)
    expect(r.json.error.details).toEqual({ type: ['is required'] })
  })
})

describe('get (GET /v1/secrets/{id})', () => {
  it('returns the secret with its contents, 404 when absent', async () => {
    const si = await start()
    si.seed(SECRET)
    const r = await call(si, 'GET', '/v1/secrets/my-secret')
    expect(r.status).toBe(200)
    expect(r.json.data).toMatchObject(SECRET)
    expect(r.json.data.id).toBeUndefined()
    expectError(await call(si, 'GET', '/v1/secrets/other'), 404)
    expectError(await call(si, 'GET', '/v1/secrets/My-Secret'), 404)
  })
})

describe('list (GET /v1/secrets)', () => {
  it('paginates by per_page with cursor and page, items without contents', async () => {
    const si = await start()
    for (let i = 1; i <= 5; i++) {
      si.seed({ name: `Secret ${i}`, type: i % 2 ? 'secret' : 'config', secrets: { values: {} } })
    }
    const first = await call(si, 'GET', '/v1/secrets?per_page=2')
    expect(first.status).toBe(200)
    expect(first.json.data.secrets.map((s: Json) => s.id)).toEqual(['secret-1', 'secret-2'])
    expect(Object.keys(first.json.data.secrets[0]).sort()).toEqual(
      ['createdAt', 'id', 'name', 'type', 'updatedAt'].sort()
    )
    expect(first.json.pagination).toMatchObject({ hasNextPage: true, count: 2 })
    expect(typeof first.json.pagination.cursor).toBe('string')

    const ids: string[] = first.json.data.secrets.map((s: Json) => s.id)
    let cursor: string | undefined = first.json.pagination.cursor
    while (cursor) {
      const next = await call(
        si,
        'GET',
        `/v1/secrets?per_page=2&cursor=${encodeURIComponent(cursor)}`
      )
      ids.push(...next.json.data.secrets.map((s: Json) => s.id))
      cursor = next.json.pagination.hasNextPage ? next.json.pagination.cursor : undefined
      if (!next.json.pagination.hasNextPage) expect(next.json.pagination.cursor).toBeUndefined()
    }
    expect(ids).toEqual(['secret-1', 'secret-2', 'secret-3', 'secret-4', 'secret-5'])

    const page3 = await call(si, 'GET', '/v1/secrets?per_page=2&page=3')
    expect(page3.json.data.secrets.map((s: Json) => s.id)).toEqual(['secret-5'])
    expect(page3.json.pagination).toEqual({ hasNextPage: false, count: 1 })

    const all = await call(si, 'GET', '/v1/secrets')
    expect(all.json.pagination).toEqual({ hasNextPage: false, count: 5 })
  })

  it('accepts per_page up to 100 and rejects more, and bad page/cursor', async () => {
    const si = await start()
    expect((await call(si, 'GET', '/v1/secrets?per_page=100')).status).toBe(200)
    const tooMany = await call(si, 'GET', '/v1/secrets?per_page=101')
    expectError(tooMany, 400)
    expect(Object.keys(tooMany.json.error.details)).toEqual(['per_page'])
    expectError(await call(si, 'GET', '/v1/secrets?page=0'), 400)
    expectError(await call(si, 'GET', '/v1/secrets?cursor=bogus'), 400)
  })

  it('returns an empty first page for an empty scope', async () => {
    const si = await start()
    const r = await call(si, 'GET', '/v1/teams/my-team/secrets')
    expect(r.json).toEqual({ data: { secrets: [] }, pagination: { hasNextPage: false, count: 0 } })
  })
})

describe('request counts', () => {
  it('counts every request per method, list pages apart from reads by id, and forgets on reset', async () => {
    const si = await start({ teams: ['t1'] })
    si.seed(SECRET)
    await call(si, 'GET', '/v1/secrets?per_page=100')
    await call(si, 'GET', '/v1/teams/t1/secrets')
    await call(si, 'GET', '/v1/secrets/my-secret')
    await call(si, 'GET', '/v1/secrets/absent')
    await call(si, 'POST', '/v1/secrets', { body: { name: 'Other', type: 'config' } })
    await call(si, 'POST', '/v1/secrets', { body: { name: 'Other', type: 'config' } }) // 409 counts
    await call(si, 'PUT', '/v1/secrets', { body: SECRET })
    await call(si, 'PATCH', '/v1/secrets/my-secret', { body: { description: 'x' } })
    await call(si, 'DELETE', '/v1/secrets/other')
    expect(si.counts()).toEqual({
      GET: 4,
      POST: 2,
      PUT: 1,
      PATCH: 1,
      DELETE: 1,
      list: 2,
      read: 2,
      writes: 5,
      total: 9
    })
    si.reset()
    expect(si.counts().total).toBe(0)
  })
})

describe('patch (PATCH /v1/secrets/{id})', () => {
  it('changes description, secrets and gitops only', async () => {
    const si = await start()
    si.seed(SECRET)
    const before = si.secrets().get('my-secret')
    await new Promise((r) => setTimeout(r, 5))
    const gitops = {
      vcsService: 'github',
      repoUrl: 'https://github.com/acme/config-repo',
      branch: 'main',
      filePath: '/secrets/app.json'
    }
    const r = await call(si, 'PATCH', '/v1/secrets/my-secret', {
      body: { description: 'New text', secrets: { values: { B: 2 } }, gitops }
    })
    expect(r.status).toBe(200)
    expect(r.json.data).toMatchObject({
      name: 'My Secret',
      type: 'secret',
      description: 'New text',
      secrets: { values: { B: 2 } },
      gitops,
      createdAt: before?.createdAt
    })
    expect(r.json.data.updatedAt > (before?.updatedAt ?? '')).toBe(true)
    expect(si.secrets().get('my-secret')?.description).toBe('New text')
  })

  it('rejects name/type (400), invalid fields (422) and absent secrets (404)', async () => {
    const si = await start()
    si.seed(SECRET)
    const renamed = await call(si, 'PATCH', '/v1/secrets/my-secret', {
      body: { name: 'Other', description: 'x y' }
    })
    expectError(renamed, 400)
    expect(Object.keys(renamed.json.error.details)).toEqual(['name'])
    expectError(await call(si, 'PATCH', '/v1/secrets/my-secret', { body: { type: 'config' } }), 400)
    const invalid = await call(si, 'PATCH', '/v1/secrets/my-secret', {
      body: { description: 'no <tags>', gitops: { vcsService: 'svn' } }
    })
    expectError(invalid, 422)
    expect(Object.keys(invalid.json.error.details).sort()).toEqual(
      ['description', 'gitops.branch', 'gitops.filePath', 'gitops.repoUrl', 'gitops.vcsService']
        .slice()
        .sort()
    )
    expectError(await call(si, 'PATCH', '/v1/secrets/absent', { body: {} }), 404)
    expect(si.secrets().get('my-secret')?.name).toBe('My Secret')
  })
})

describe('delete (DELETE /v1/secrets/{id})', () => {
  it('answers {"data": {}} and removes the secret; 404 when absent', async () => {
    const si = await start()
    si.seed(SECRET)
    const r = await call(si, 'DELETE', '/v1/secrets/my-secret')
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ data: {} })
    expect(si.secrets().size).toBe(0)
    expectError(await call(si, 'GET', '/v1/secrets/my-secret'), 404)
    expectError(await call(si, 'DELETE', '/v1/secrets/my-secret'), 404)
  })
})

describe('teams', () => {
  it('keeps each team and the own scope apart; decodes team ids; 404 for unknown teams', async () => {
    const si = await start({ teams: ['my-team', 'team/two'] })
    expect((await call(si, 'POST', '/v1/teams/my-team/secrets', { body: SECRET })).status).toBe(200)
    expect((await call(si, 'POST', '/v1/secrets', { body: SECRET })).status).toBe(200)
    const two = await call(si, 'POST', `/v1/teams/${encodeURIComponent('team/two')}/secrets`, {
      body: SECRET
    })
    expect(two.status).toBe(200)
    expect(si.secrets('my-team').size).toBe(1)
    expect(si.secrets('team/two').size).toBe(1)
    expect(si.secrets().size).toBe(1)
    expect((await call(si, 'GET', '/v1/teams/my-team/secrets/my-secret')).status).toBe(200)
    expect((await call(si, 'DELETE', '/v1/teams/my-team/secrets/my-secret')).status).toBe(200)
    expect(si.secrets('my-team').size).toBe(0)
    expect(si.secrets().size).toBe(1)

    const unknown = await call(si, 'POST', '/v1/teams/other-team/secrets', { body: SECRET })
    expectError(unknown, 404)
    expect(unknown.json.error.message).toMatch(/other-team/)
    expectError(await call(si, 'GET', '/v1/teams/other-team/secrets/my-secret'), 404)
    expect(si.secrets('other-team').size).toBe(0)
  })
})

describe('auth', () => {
  it('answers 401 for a missing or unknown token, 403 for a forbidden one', async () => {
    const si = await start({ tokens: ['good'], forbiddenTokens: ['read-only'] })
    expectError(await call(si, 'POST', '/v1/secrets', { token: null, body: SECRET }), 401)
    expectError(await call(si, 'POST', '/v1/secrets', { token: 'test-token', body: SECRET }), 401)
    expectError(
      await call(si, 'GET', '/v1/secrets', { token: null, headers: { authorization: 'good' } }),
      401
    )
    expectError(await call(si, 'POST', '/v1/secrets', { token: 'read-only', body: SECRET }), 403)
    expect(si.secrets().size).toBe(0)
    expect((await call(si, 'POST', '/v1/secrets', { token: 'good', body: SECRET })).status).toBe(
      200
    )
    expect(
      (
        await call(si, 'GET', '/v1/secrets', {
          token: null,
          headers: { authorization: 'bearer good' }
        })
      ).status
    ).toBe(200)
  })
})

describe('validation', () => {
  it('answers 422 with details keyed by field path', async () => {
    const si = await start()
    const r = await call(si, 'POST', '/v1/secrets', {
      body: {
        name: 'bad--name',
        type: 'password',
        description: 'semicolons; are fine but <not> angle brackets',
        secrets: { values: [1], files: 'x' },
        gitops: {
          vcsService: 'github',
          repoUrl: 'not a url',
          branch: 'main',
          filePath: 'relative/path',
          selfHostedVcsId: 'abc!!!'
        }
      }
    })
    expectError(r, 422)
    expect(r.json.error.message).toBe('Validation failed')
    expect(Object.keys(r.json.error.details).sort()).toEqual(
      [
        'name',
        'type',
        'description',
        'secrets.values',
        'secrets.files',
        'gitops.repoUrl',
        'gitops.filePath',
        'gitops.selfHostedVcsId'
      ].sort()
    )
    for (const messages of Object.values(r.json.error.details)) {
      expect(Array.isArray(messages)).toBe(true)
    }
    expect(si.secrets().size).toBe(0)
  })

  it('checks the name: required, pattern, 3 to 100 characters', async () => {
    const si = await start()
    const missing = await call(si, 'POST', '/v1/secrets', { body: { type: 'secret' } })
    expect(missing.json.error.details).toEqual({ name: ['is required'] })
    for (const name of ['ab', 'a'.repeat(101), ' lead', 'trail-', 'two  spaces', 'a_b', 5]) {
      const r = await call(si, 'POST', '/v1/secrets', { body: { name, type: 'secret' } })
      expectError(r, 422)
      expect(Object.keys(r.json.error.details)).toEqual(['name'])
    }
    for (const name of ['abc', 'a'.repeat(100), 'A b-C 9', '123']) {
      const r = await call(si, 'POST', '/v1/secrets', { body: { name, type: 'config' } })
      expect(r.status).toBe(200)
    }
  })

  it('answers 400 for bodies that are not a JSON object and 413 above 1 MiB', async () => {
    const si = await start()
    expectError(await call(si, 'POST', '/v1/secrets', { body: '{"name": ' }), 400)
    expectError(await call(si, 'POST', '/v1/secrets', { body: '[1, 2]' }), 400)
    expectError(await call(si, 'POST', '/v1/secrets', { body: 'null' }), 400)
    expectError(await call(si, 'POST', '/v1/secrets'), 400)
    expectError(
      await call(si, 'POST', '/v1/secrets', {
        body: JSON.stringify(SECRET),
        headers: { 'content-type': 'text/plain' }
      }),
      400
    )
    const big = { ...SECRET, secrets: { values: { blob: 'x'.repeat(1024 * 1024) } } }
    expectError(await call(si, 'POST', '/v1/secrets', { body: big }), 413)
    expect(si.secrets().size).toBe(0)
  })
})

describe('routing', () => {
  it('answers 404 for unknown routes and 405 (with allow) for wrong methods', async () => {
    const si = await start()
    expectError(await call(si, 'GET', '/v1/projects'), 404)
    expectError(await call(si, 'GET', '/v2/secrets'), 404)
    expectError(await call(si, 'GET', '/v1/secrets/a/b'), 404)
    expectError(await call(si, 'GET', '/v1/teams/my-team'), 404)
    const del = await call(si, 'DELETE', '/v1/secrets')
    expectError(del, 405)
    expect(del.headers.get('allow')).toBe('GET, POST, PUT')
    const post = await call(si, 'POST', '/v1/teams/my-team/secrets/abc', { body: {} })
    expectError(post, 405)
    expect(post.headers.get('allow')).toBe('GET, PATCH, DELETE')
  })
})

describe('rate limit', () => {
  it('sends x-ratelimit-* on every response, 429 beyond the limit, resets with the window', async () => {
    let now = 1_000_000 // the window's clock, driven: a busy machine cannot end it early
    const si = await start({ rateLimit: { limit: 2, windowMs: 400 }, now: () => now })
    const a = await call(si, 'GET', '/v1/secrets')
    expect(a.headers.get('x-ratelimit-limit')).toBe('2')
    expect(a.headers.get('x-ratelimit-remaining')).toBe('1')
    expect(a.headers.get('x-ratelimit-reset')).toBe('1')
    const b = await call(si, 'GET', '/v1/nowhere', { token: null })
    expectError(b, 404)
    expect(b.headers.get('x-ratelimit-remaining')).toBe('0')
    const c = await call(si, 'POST', '/v1/secrets', { body: SECRET })
    expectError(c, 429)
    expect(c.headers.get('x-ratelimit-limit')).toBe('2')
    expect(c.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(c.headers.get('x-ratelimit-reset')).toBe('1')
    expect(c.headers.get('retry-after')).toBeNull()
    expect(si.secrets().size).toBe(0)

    now += 399
    expectError(await call(si, 'POST', '/v1/secrets', { body: SECRET }), 429)
    now += 1
    const d = await call(si, 'POST', '/v1/secrets', { body: SECRET })
    expect(d.status).toBe(200)
    expect(d.headers.get('x-ratelimit-remaining')).toBe('1')
  })

  it('reports the reset in whole seconds, rounded up, and defaults to 1000 per hour', async () => {
    const si = await start()
    const r = await call(si, 'GET', '/v1/secrets')
    expect(r.headers.get('x-ratelimit-limit')).toBe('1000')
    expect(r.headers.get('x-ratelimit-remaining')).toBe('999')
    expect(r.headers.get('x-ratelimit-reset')).toBe('3600')
    si.setRateLimit(1, 2500)
    const s = await call(si, 'GET', '/v1/secrets')
    expect(s.headers.get('x-ratelimit-reset')).toBe('3')
    expect(s.headers.get('x-ratelimit-remaining')).toBe('0')
    expectError(await call(si, 'GET', '/v1/secrets'), 429)
  })

  it('writes x-ratelimit-reset as epoch seconds or epoch milliseconds when asked', async () => {
    let now = 1_765_000_000_123 // driven: the window starts here and ends 2.5 s later
    const ms = await start({
      rateLimit: { limit: 1, windowMs: 2500 },
      resetFormat: 'epoch-ms',
      now: () => now
    })
    const a = await call(ms, 'GET', '/v1/secrets')
    expect(a.headers.get('x-ratelimit-reset')).toBe('1765000002623')
    now += 1000
    const b = await call(ms, 'GET', '/v1/secrets')
    expectError(b, 429)
    expect(b.headers.get('x-ratelimit-reset')).toBe('1765000002623')
    const s = await start({
      rateLimit: { limit: 1, windowMs: 2500 },
      resetFormat: 'epoch-seconds',
      now: () => now
    })
    const c = await call(s, 'GET', '/v1/secrets')
    expect(c.headers.get('x-ratelimit-reset')).toBe('1765000004') // 1765000003.623, rounded up
  })
})

describe('faults', () => {
  it('status: answers the injected response instead of handling, in order, per match', async () => {
    const si = await start()
    si.injectFaults({ method: 'POST', path: '/v1/secrets' }, [
      { kind: 'status', status: 503 },
      { kind: 'status', status: 429, headers: { 'retry-after': '2' }, body: { error: {} } }
    ])
    const a = await call(si, 'GET', '/v1/secrets')
    expect(a.status).toBe(200) // GET does not match
    const b = await call(si, 'POST', '/v1/secrets', { body: SECRET })
    expectError(b, 503)
    expect(b.headers.get('x-ratelimit-limit')).toBe('1000')
    const c = await call(si, 'POST', '/v1/secrets', { body: SECRET })
    expect(c.status).toBe(429)
    expect(c.headers.get('retry-after')).toBe('2')
    expect(c.json).toEqual({ error: {} })
    expect(si.secrets().size).toBe(0)
    const d = await call(si, 'POST', '/v1/secrets', { body: SECRET })
    expect(d.status).toBe(200) // faults used up
    expect(si.requests).toHaveLength(4)
  })

  it('matches paths by RegExp and teams paths too', async () => {
    const si = await start()
    si.injectFaults({ path: /\/secrets\/[^/]+$/ }, [{ kind: 'status', status: 500 }])
    expect((await call(si, 'GET', '/v1/teams/my-team/secrets')).status).toBe(200)
    expectError(await call(si, 'GET', '/v1/teams/my-team/secrets/x'), 500)
    expectError(await call(si, 'GET', '/v1/teams/my-team/secrets/x'), 404)
  })

  it('delay: waits, then handles normally', async () => {
    const si = await start()
    si.injectFaults({}, [{ kind: 'delay', ms: 200 }])
    const t0 = Date.now()
    const r = await call(si, 'POST', '/v1/secrets', { body: SECRET })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
    expect(r.status).toBe(200)
    expect(si.secrets().size).toBe(1)
  })

  it('reset: destroys the socket without handling', async () => {
    const si = await start()
    si.injectFaults({ method: 'post' }, [{ kind: 'reset' }])
    await expect(call(si, 'POST', '/v1/secrets', { body: SECRET })).rejects.toThrow()
    expect(si.secrets().size).toBe(0)
    expect(si.requests).toHaveLength(1)
    expect((await call(si, 'POST', '/v1/secrets', { body: SECRET })).status).toBe(200)
  })

  it('drop-after-store: stores, then destroys the socket without answering', async () => {
    const si = await start()
    si.injectFaults({ method: 'POST' }, [{ kind: 'drop-after-store' }])
    await expect(call(si, 'POST', '/v1/secrets', { body: SECRET })).rejects.toThrow()
    expect(si.secrets().get('my-secret')?.name).toBe('My Secret')
    expectError(await call(si, 'POST', '/v1/secrets', { body: SECRET }), 409)
  })

  it('hang: never answers; stop() closes the socket and resolves', async () => {
    const si = await start()
    si.injectFaults({}, [{ kind: 'hang' }])
    const pending = call(si, 'POST', '/v1/secrets', { body: SECRET })
    const settled = pending.then(
      () => 'answered',
      () => 'closed'
    )
    while (si.requests.length === 0) await new Promise((r) => setTimeout(r, 10))
    const outcome = await Promise.race([
      settled,
      new Promise((r) => setTimeout(() => r('still hanging'), 300))
    ])
    expect(outcome).toBe('still hanging')
    const t0 = Date.now()
    const watch = watchStalls()
    await si.stop()
    expect(Date.now() - t0).toBeLessThan(1000 + watch.stop().totalMs)
    expect(await settled).toBe('closed')
    expect(si.secrets().size).toBe(0)
    await si.stop() // idempotent
  })
})

describe('latency', () => {
  it('delays every response, errors included, and can be changed', async () => {
    // Long enough that a busy machine's slowest undelayed answer stays far below it.
    const si = await start({ latencyMs: 1_500 })
    let t0 = Date.now()
    expectError(await call(si, 'GET', '/v1/secrets', { token: null }), 401)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_490)
    si.setLatency(0)
    t0 = Date.now()
    const watch = watchStalls()
    expect((await call(si, 'GET', '/v1/secrets')).status).toBe(200)
    expect(Date.now() - t0).toBeLessThan(1_000 + watch.stop().totalMs)
  })

  it('stop() does not wait for a pending latency delay', async () => {
    const si = await start({ latencyMs: 10_000 })
    const settled = call(si, 'GET', '/v1/secrets').then(
      () => 'answered',
      () => 'closed'
    )
    while (si.requests.length === 0) await new Promise((r) => setTimeout(r, 10))
    const t0 = Date.now()
    const watch = watchStalls()
    await si.stop()
    expect(Date.now() - t0).toBeLessThan(1000 + watch.stop().totalMs)
    expect(await settled).toBe('closed')
  })
})

describe('log option', () => {
  it('writes one line per request with method, path, status and time', async () => {
    const lines: string[] = []
    const si = await start({ log: (line) => lines.push(line) })
    await call(si, 'POST', '/v1/secrets', { body: SECRET })
    await call(si, 'GET', '/v1/secrets/nope')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^POST \/v1\/secrets 200 \d+ms$/)
    expect(lines[1]).toMatch(/^GET \/v1\/secrets\/nope 404 \d+ms$/)
  })
})

describe('TLS mode', () => {
  let dir: string
  let key: Buffer
  let cert: Buffer

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nf-stand-in-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1'
      ],
      { stdio: 'ignore' }
    )
    key = readFileSync(join(dir, 'key.pem'))
    cert = readFileSync(join(dir, 'cert.pem'))
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  function httpsCall(
    url: string,
    options: { ca?: Buffer; method: string; body?: unknown }
  ): Promise<{ status: number; json: Json }> {
    return new Promise((resolve, reject) => {
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
      const req = httpsRequest(
        url,
        {
          method: options.method,
          ca: options.ca,
          agent: false,
          headers: {
            authorization: `Bearer ${TOKEN}`,
            ...(payload ? { 'content-type': 'application/json' } : {})
          }
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (text += chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }))
        }
      )
      req.on('error', reject)
      req.end(payload)
    })
  }

  it('serves HTTPS with the given key and certificate', async () => {
    const si = await start({ tls: { key, cert } })
    expect(si.url).toBe(`https://127.0.0.1:${si.port}`)
    const created = await httpsCall(`${si.url}/v1/secrets`, {
      ca: cert,
      method: 'POST',
      body: SECRET
    })
    expect(created.status).toBe(200)
    expect(created.json.data.name).toBe('My Secret')
    const got = await httpsCall(`${si.url}/v1/secrets/my-secret`, { ca: cert, method: 'GET' })
    expect(got.status).toBe(200)
    await expect(httpsCall(`${si.url}/v1/secrets`, { method: 'GET' })).rejects.toThrow()
  })
})

describe('server basics', () => {
  it('binds 127.0.0.1 on a random port by default; stop() is idempotent', async () => {
    const si = await start()
    expect(si.url).toBe(`http://127.0.0.1:${si.port}`)
    expect(si.port).toBeGreaterThan(0)
    await Promise.all([si.stop(), si.stop()])
    await expect(fetch(`${si.url}/v1/secrets`)).rejects.toThrow()
  })

  it('binds the IPv6 loopback when asked, with the address in brackets in its URL', async () => {
    const si = await start({ host: '::1' })
    expect(si.url).toBe(`http://[::1]:${si.port}`)
    const r = await call(si, 'GET', '/v1/secrets')
    expect(r.status).toBe(200)
    expect(si.requests[0]!.headers.host).toBe(`[::1]:${si.port}`)
  })

  it('lets an injected status override the x-ratelimit-* headers it would send', async () => {
    const si = await start()
    si.injectFaults({ method: 'GET' }, [
      { kind: 'status', status: 429, headers: { 'x-ratelimit-reset': '99999999999999999999' } }
    ])
    const r = await call(si, 'GET', '/v1/secrets')
    expectError(r, 429)
    expect(r.headers.get('x-ratelimit-reset')).toBe('99999999999999999999')
    expect(r.headers.get('x-ratelimit-limit')).toBe('1000')
  })
})

describe('CLI', () => {
  let child: ChildProcess | undefined

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    child = undefined
  })

  it('prints its URL, logs each request and stops on SIGTERM', async () => {
    const env = { ...process.env }
    delete env.NODE_OPTIONS
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/northflank-stand-in.ts',
        '--port',
        '0',
        '--token',
        'T',
        '--team',
        'team-a',
        '--rate-limit',
        '5/60'
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    child = proc
    let out = ''
    proc.stdout?.setEncoding('utf8')
    proc.stdout?.on('data', (chunk: string) => (out += chunk))
    const waitFor = async (re: RegExp): Promise<RegExpMatchArray> => {
      const deadline = Date.now() + 20_000
      for (;;) {
        const m = out.match(re)
        if (m) return m
        if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no ${re}: ${out}`)
        await new Promise((r) => setTimeout(r, 25))
      }
    }
    const url = (await waitFor(/^(http:\/\/127\.0\.0\.1:\d+)\n/))[1]
    const res = await fetch(`${url}/v1/teams/team-a/secrets`, {
      method: 'POST',
      headers: { authorization: 'Bearer T', 'content-type': 'application/json' },
      body: JSON.stringify(SECRET)
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-ratelimit-limit')).toBe('5')
    expect(res.headers.get('x-ratelimit-reset')).toBe('60')
    await waitFor(/POST \/v1\/teams\/team-a\/secrets 200 \d+ms/)
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
    proc.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})

describe('reset and in-flight accounting', () => {
  it('counts concurrent requests and forgets everything on reset()', async () => {
    const standIn = await start({ latencyMs: 150 })
    const body = (n: number): unknown => ({ name: `Secret ${n}`, type: 'secret' })
    const results = await Promise.all(
      [1, 2, 3].map((n) => call(standIn, 'POST', '/v1/secrets', { body: body(n) }))
    )
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    expect(standIn.peakInFlight).toBe(3)
    expect(standIn.inFlight).toBe(0)
    standIn.injectFaults({ method: 'POST' }, [{ kind: 'status', status: 503 }])
    standIn.reset()
    expect(standIn.requests).toHaveLength(0)
    expect(standIn.secrets().size).toBe(0)
    expect(standIn.peakInFlight).toBe(0)
    // the pending fault was forgotten: the same create succeeds again
    expect((await call(standIn, 'POST', '/v1/secrets', { body: body(1) })).status).toBe(200)
    expect(standIn.peakInFlight).toBe(1)
  })
})
