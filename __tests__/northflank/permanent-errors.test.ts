// Failures that cannot heal within a run fail at once, naming what to fix: a host
// name that does not resolve (api-url's or the proxy's) and a proxy that wants
// credentials. And an IPv6 loopback api-url works.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ClientOptions } from '../../src/northflank/client.js'
import { applyGlobalSecret } from '../../src/sync.js'
import { NorthflankError } from '../../src/northflank/errors.js'
import { startStandIn } from '../../tools/northflank-stand-in.js'
import { startConnectProxy } from './support/servers.js'

const TOKEN = 'permanent-token-5521'
const PROXY_VARS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy'
]
const saved = new Map<string, string | undefined>()
const stops: Array<() => Promise<void>> = []
beforeAll(() => {
  for (const v of PROXY_VARS) saved.set(v, process.env[v])
})
afterEach(async () => {
  for (const [k, v] of saved) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  while (stops.length > 0) await stops.pop()?.()
})

const opts = (apiUrl: string): ClientOptions => ({
  apiUrl,
  token: TOKEN,
  userAgent: 'test',
  // Long enough that retrying would show: these must fail on the first attempt.
  timeoutMs: 20_000,
  retry: { baseMs: 200 }
})
const body = { name: 'Permanent', type: 'secret', secrets: { values: { K: 'v-31337' } } }

async function failure(p: Promise<unknown>): Promise<NorthflankError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(NorthflankError)
  return error as NorthflankError
}

describe('a host name that does not resolve', () => {
  it('api-url: fails on the first attempt, naming the host and api-url', async () => {
    const error = await failure(
      applyGlobalSecret(opts('https://api.northflank.invalid'), body, 'fail')
    )
    expect(error.code).toBe('ENOTFOUND')
    expect(error.attempts).toBe(1)
    expect(error.message).toContain('"api.northflank.invalid" does not resolve')
    expect(error.message).toContain('api-url')
    expect(error.message).not.toMatch(/HTTPS_PROXY/)
  })

  it("the proxy's: fails on the first attempt, naming the proxy setting", async () => {
    process.env.HTTPS_PROXY = 'http://proxy.northflank.invalid:3128'
    const error = await failure(applyGlobalSecret(opts('https://api.example.com'), body, 'fail'))
    expect(error.code).toBe('ENOTFOUND')
    expect(error.attempts).toBe(1)
    expect(error.message).toContain('"proxy.northflank.invalid" does not resolve')
    expect(error.message).toMatch(/HTTPS_PROXY/)
  })
})

describe('a proxy that wants credentials', () => {
  const HOST = 'northflank.invalid'

  it('407 without them: fails on the first attempt, naming the proxy setting', async () => {
    const proxy = await startConnectProxy({ map: { [HOST]: '127.0.0.1' }, credentials: 'u:p' })
    stops.push(() => proxy.stop())
    process.env.HTTPS_PROXY = proxy.url
    const error = await failure(applyGlobalSecret(opts(`https://${HOST}:9`), body, 'fail'))
    expect(error.attempts).toBe(1)
    expect(proxy.connects).toHaveLength(1)
    expect(error.message).toMatch(/407 Proxy Authentication Required/)
    expect(error.message).toMatch(/HTTPS_PROXY/)
    expect(error.message).toMatch(/user:password@/)
  })

  it('with them in the proxy URL: CONNECT carries them, and the tunnel opens', async () => {
    const api = await startStandIn({ tokens: [TOKEN] })
    stops.push(() => api.stop())
    const proxy = await startConnectProxy({
      map: { [HOST]: '127.0.0.1' },
      credentials: 'ci:s3cret'
    })
    stops.push(() => proxy.stop())
    process.env.HTTPS_PROXY = proxy.url.replace('http://', 'http://ci:s3cret@')
    // The stand-in speaks plain HTTP, so TLS fails once the tunnel is open: enough here.
    const error = await failure(
      applyGlobalSecret(opts(`https://${HOST}:${api.port}`), body, 'fail')
    )
    expect(proxy.authorizations[0]).toBe(`Basic ${Buffer.from('ci:s3cret').toString('base64')}`)
    expect(error.message).not.toMatch(/407/)
    expect(error.message).not.toContain('s3cret')
  })
})

describe('IPv6 loopback', () => {
  it('api-url http://[::1]:PORT reaches a server on ::1', async () => {
    const api = await startStandIn({ tokens: [TOKEN], host: '::1' })
    stops.push(() => api.stop())
    expect(api.url).toBe(`http://[::1]:${api.port}`)
    const result = await applyGlobalSecret(opts(api.url), body, 'fail')
    expect(result).toMatchObject({ outcome: 'created', attempts: 1 })
    expect(api.requests[0]!.headers.host).toBe(`[::1]:${api.port}`)
  })

  it('and a server on 127.0.0.1 only is not reached through [::1] (control)', async () => {
    const v4 = createServer((_req, res) => res.end('{}'))
    await new Promise<void>((r) => v4.listen(0, '127.0.0.1', () => r()))
    stops.push(() => new Promise((r) => v4.close(() => r())))
    const port = (v4.address() as AddressInfo).port
    const error = await failure(
      applyGlobalSecret({ ...opts(`http://[::1]:${port}`), timeoutMs: 1_000 }, body, 'fail')
    )
    expect(error.code).toBe('ECONNREFUSED')
  })
})
