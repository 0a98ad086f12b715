// Connection reuse: the requests of a run share keep-alive sockets per origin,
// and a pooled socket that the server closes, resets or leaves hanging is
// handled like any other lost connection (retried, budget kept, nothing leaks).
import { afterEach, describe, expect, it } from '@jest/globals'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { ClientOptions } from '../../src/northflank/client.js'
import { applyGlobalSecret } from '../../src/sync.js'
import { NorthflankError } from '../../src/northflank/errors.js'
import { json, startServer, type Recorded, type TestServer } from './support/servers.js'
import { watchStalls } from '../helpers/timing.js'

const TOKEN = 'keep-alive-token-123'

const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.()
})

const body = (name: string): Record<string, unknown> => ({
  name,
  type: 'secret',
  secrets: { values: { KEY: 'value-abc' } }
})

function opts(apiUrl: string, extra: Partial<ClientOptions> = {}): ClientOptions {
  return {
    apiUrl,
    token: TOKEN,
    userAgent: 'test',
    timeoutMs: 5_000,
    retry: { baseMs: 10, maxMs: 50 },
    ...extra
  }
}

type Fault = (req: IncomingMessage, res: ServerResponse, store: () => void) => boolean

/**
 * A small secrets API: POST creates (409 when the name exists), GET reads back. `fault` may
 * answer a request itself (returns true); `store` stores the POSTed body as the API would.
 * `sockets[i]` is the connection request i came on.
 */
async function api(fault?: (index: number) => Fault | undefined): Promise<{
  server: TestServer
  sockets: Socket[]
}> {
  const stored = new Map<string, unknown>()
  const sockets: Socket[] = []
  const store = (rec: Recorded): void => {
    const parsed = JSON.parse(rec.body) as { name: string }
    stored.set(parsed.name.toLowerCase().replace(/ /g, '-'), parsed)
  }
  const server = await startServer((req, res, rec, index) => {
    sockets[index] = req.socket
    if (fault?.(index)?.(req, res, () => store(rec))) return
    if (req.method === 'GET') {
      const found = stored.get(decodeURIComponent(rec.url.split('/').pop() ?? ''))
      if (found) json(res, 200, { data: found })
      else json(res, 404, { error: { status: 404, message: 'not found' } })
      return
    }
    const name = (JSON.parse(rec.body) as { name: string }).name.toLowerCase().replace(/ /g, '-')
    if (stored.has(name)) {
      json(res, 409, { error: { status: 409, message: 'exists' } })
      return
    }
    store(rec)
    json(res, 200, { data: JSON.parse(rec.body) })
  })
  stops.push(() => server.stop())
  return { server, sockets }
}

const hangUp: Fault = (req) => {
  req.socket.destroy()
  return true
}

describe('keep-alive connections', () => {
  it('sequential requests share one connection', async () => {
    const { server } = await api()
    for (let i = 0; i < 5; i++) {
      const result = await applyGlobalSecret(opts(server.url), body(`seq ${i}`), 'fail')
      expect(result).toMatchObject({ outcome: 'created', attempts: 1 })
    }
    expect(server.requests).toHaveLength(5)
    expect(server.connections()).toBe(1)
  })

  it('concurrent requests open at most one connection per request in flight', async () => {
    const { server } = await api()
    await Promise.all(
      [0, 1, 2, 3].map(async (worker) => {
        for (let i = 0; i < 5; i++) {
          await applyGlobalSecret(opts(server.url), body(`w${worker} n${i}`), 'fail')
        }
      })
    )
    expect(server.requests).toHaveLength(20)
    expect(server.connections()).toBeLessThanOrEqual(4)
  })

  it('each origin gets its own connections: a request only ever reaches its api-url', async () => {
    const a = await api()
    const b = await api()
    for (let i = 0; i < 3; i++) {
      await applyGlobalSecret(opts(a.server.url), body(`a ${i}`), 'fail')
      await applyGlobalSecret(opts(b.server.url), body(`b ${i}`), 'fail')
    }
    expect(a.server.requests.map((r) => JSON.parse(r.body).name)).toEqual(['a 0', 'a 1', 'a 2'])
    expect(b.server.requests.map((r) => JSON.parse(r.body).name)).toEqual(['b 0', 'b 1', 'b 2'])
    expect([a.server.connections(), b.server.connections()]).toEqual([1, 1])
  })

  it('a connection the server closed while idle is not reused', async () => {
    const { server } = await api()
    server.server.keepAliveTimeout = 100
    const first = await applyGlobalSecret(opts(server.url), body('idle one'), 'fail')
    // Until the server has closed it (not a fixed sleep: on a busy machine the server's
    // timer and ours could fire in one turn, before the client has seen the close).
    while (server.openSockets() > 0) await new Promise((r) => setTimeout(r, 10))
    await new Promise((r) => setTimeout(r, 20))
    const second = await applyGlobalSecret(opts(server.url), body('idle two'), 'fail')
    expect([first.attempts, second.attempts]).toEqual([1, 1])
    expect(server.connections()).toBe(2)
  })
})

describe('a reused connection that fails', () => {
  it('reset before the POST was stored: retried, created', async () => {
    const { server, sockets } = await api((i) => (i === 1 ? hangUp : undefined))
    await applyGlobalSecret(opts(server.url), body('warm up'), 'fail')
    const result = await applyGlobalSecret(opts(server.url), body('after reset'), 'fail')
    // The failed request came on the pooled connection of the first one.
    expect(sockets[1]).toBe(sockets[0])
    expect(result).toMatchObject({ outcome: 'created', attempts: 2, statuses: [200] })
  })

  it('dropped after the POST was stored: the 409 is read back and recognised as ours', async () => {
    const dropAfterStore: Fault = (req, _res, store) => {
      store()
      req.socket.destroy()
      return true
    }
    const { server, sockets } = await api((i) => (i === 1 ? dropAfterStore : undefined))
    await applyGlobalSecret(opts(server.url), body('warm up'), 'fail')
    const result = await applyGlobalSecret(opts(server.url), body('lost answer'), 'fail')
    expect(sockets[1]).toBe(sockets[0])
    expect(result).toMatchObject({ outcome: 'created', statuses: [409, 200] })
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v1/secrets',
      'POST /v1/secrets',
      'POST /v1/secrets',
      'GET /v1/secrets/lost-answer'
    ])
  })

  it('no answer on a reused connection: the budget holds and the socket is closed', async () => {
    const hang: Fault = () => true
    const { server, sockets } = await api((i) => (i === 1 ? hang : undefined))
    await applyGlobalSecret(opts(server.url), body('warm up'), 'fail')
    const started = Date.now()
    const watch = watchStalls()
    const error = await applyGlobalSecret(
      opts(server.url, { timeoutMs: 400 }),
      body('hangs'),
      'fail'
    ).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(400 + 300 + watch.stop().totalMs)
    expect(error).toBeInstanceOf(NorthflankError)
    expect((error as NorthflankError).kind).toBe('timeout')
    expect(sockets[1]).toBe(sockets[0])
    await new Promise((r) => setTimeout(r, 100))
    expect(server.openSockets()).toBe(0)
  })
})
