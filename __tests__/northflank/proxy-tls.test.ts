// HTTPS through a CONNECT proxy, NO_PROXY, certificate checks, and that an
// abandoned request leaves nothing that keeps the process alive.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { ClientOptions } from '../../src/northflank/client.js'
import { applyGlobalSecret } from '../../src/sync.js'
import { NorthflankError } from '../../src/northflank/errors.js'
import { startStandIn, type StandIn } from '../../tools/northflank-stand-in.js'
import { makeTestCertificates, type TestCertificates } from '../helpers/test-ca.js'
import { childStallProbe } from '../helpers/timing.js'
import { json, startConnectProxy, startServer, type TestProxy } from './support/servers.js'

const TOKEN = 'proxy-tls-token-42'
const HOST = 'northflank.invalid' // reserved TLD: never resolves, so only the proxy can reach it
const PROXY_VARS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy'
]

let certs: TestCertificates
let caPem: string
let tlsApi: StandIn
let selfSignedApi: StandIn

beforeAll(async () => {
  certs = makeTestCertificates(HOST)
  caPem = certs.caPem
  tlsApi = await startStandIn({ tokens: [TOKEN], tls: certs.server })
  selfSignedApi = await startStandIn({ tokens: [TOKEN], tls: certs.selfSigned })
})

afterAll(async () => {
  await tlsApi?.stop()
  await selfSignedApi?.stop()
  certs?.remove()
})

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

async function proxy(options: Parameters<typeof startConnectProxy>[0] = {}): Promise<TestProxy> {
  const p = await startConnectProxy(options)
  stops.push(() => p.stop())
  return p
}

const body = (name = 'Proxied Secret'): Record<string, unknown> => ({
  name,
  type: 'secret',
  secrets: { values: { KEY: 'value-xyz' } }
})

interface ChildResult {
  ok: boolean
  outcome?: string
  kind?: string
  code?: string
  message?: string
  attempts?: number
  startedAt?: number
  elapsedMs?: number
  statuses?: number[]
  /**
   * ms from printing the result line to the child's 'exit' event: how long anything
   * (a socket, a timer) kept it alive afterwards. Node's own teardown after 'exit' is
   * not counted: nothing the code holds can delay it.
   */
  lingerMs: number
  printedAt?: number
  exitCode: number | null
  /**
   * Stalls measured in the child during the apply and between the result line and
   * 'exit': a busy machine's delays, which the bounds below allow for. Waiting on a
   * timer or a socket is not a stall, so the allowance cannot hide one.
   */
  stalledApplyMs: number
  stalledLingerMs: number
}

/** Runs support/child-apply.ts in a new Node process (tsx), env built from scratch for proxies. */
function runChild(input: object, env: Record<string, string>): Promise<ChildResult> {
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (
      v !== undefined &&
      !PROXY_VARS.includes(k) &&
      k !== 'NODE_OPTIONS' &&
      k !== 'NODE_EXTRA_CA_CERTS'
    ) {
      base[k] = v
    }
  }
  const probe = childStallProbe()
  const child = spawn(
    process.execPath,
    [
      ...probe.nodeArgs,
      '--import',
      'tsx',
      join(process.cwd(), '__tests__/northflank/support/child-apply.ts')
    ],
    { cwd: process.cwd(), env: { ...base, ...env, ...probe.env, NF_CHILD: JSON.stringify(input) } }
  )
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  return new Promise((resolve, reject) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000) // a hang guard only
    child.on('error', reject)
    child.on('close', (exitCode) => {
      clearTimeout(killer)
      const line = out.split('\n')[0] ?? ''
      try {
        const parsed = JSON.parse(line) as Omit<
          ChildResult,
          'lingerMs' | 'exitCode' | 'stalledApplyMs' | 'stalledLingerMs'
        >
        const stalls = probe.read()
        const from = parsed.startedAt ?? 0
        const printedAt = parsed.printedAt ?? 0
        resolve({
          ...parsed,
          lingerMs: stalls.exitAt - printedAt,
          exitCode,
          stalledApplyMs: stalls.stalled(from, from + (parsed.elapsedMs ?? 0)),
          stalledLingerMs: stalls.stalled(printedAt, stalls.exitAt)
        })
      } catch {
        reject(new Error(`child output not JSON (exit ${exitCode}): ${out}\n${err}`))
      }
    })
  })
}

describe('HTTPS through a CONNECT proxy (child process, test CA trusted)', () => {
  it('succeeds through HTTPS_PROXY to a host only the proxy can resolve', async () => {
    const p = await proxy({ map: { [HOST]: '127.0.0.1' } })
    const result = await runChild(
      {
        options: { apiUrl: `https://${HOST}:${tlsApi.port}`, token: TOKEN, timeoutMs: 10_000 },
        body: body()
      },
      { HTTPS_PROXY: p.url, NODE_EXTRA_CA_CERTS: caPem }
    )
    expect(result).toMatchObject({ ok: true, outcome: 'created', statuses: [200], exitCode: 0 })
    expect(p.connects).toEqual([`${HOST}:${tlsApi.port}`])
    const req = tlsApi.requests.at(-1)!
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(req.headers.host).toBe(`${HOST}:${tlsApi.port}`)
    expect(tlsApi.secrets().has('proxied-secret')).toBe(true)
  })

  it('NO_PROXY: the request goes direct and the proxy sees nothing', async () => {
    const p = await proxy({ map: { [HOST]: '127.0.0.1' } })
    const result = await runChild(
      {
        options: { apiUrl: `https://${HOST}:${tlsApi.port}`, token: TOKEN, timeoutMs: 10_000 },
        body: body('Direct Secret'),
        mapHosts: [HOST]
      },
      { HTTPS_PROXY: p.url, NO_PROXY: `example.com,${HOST}`, NODE_EXTRA_CA_CERTS: caPem }
    )
    expect(result).toMatchObject({ ok: true, outcome: 'created', exitCode: 0 })
    // The direct connection is pooled (keep-alive) and must not hold the process.
    expect(result.lingerMs).toBeLessThan(500 + result.stalledLingerMs)
    expect(p.connects).toEqual([])
    expect(tlsApi.secrets().has('direct-secret')).toBe(true)
  })

  it('without NO_PROXY the same mapped name still goes through the proxy (control)', async () => {
    const p = await proxy({ map: { [HOST]: '127.0.0.1' } })
    const result = await runChild(
      {
        options: { apiUrl: `https://${HOST}:${tlsApi.port}`, token: TOKEN, timeoutMs: 10_000 },
        body: body('Control Secret'),
        mapHosts: [HOST]
      },
      { HTTPS_PROXY: p.url, NODE_EXTRA_CA_CERTS: caPem }
    )
    expect(result).toMatchObject({ ok: true, outcome: 'created' })
    expect(p.connects).toEqual([`${HOST}:${tlsApi.port}`])
  })
})

describe('certificate checks (in process: no extra CA trusted)', () => {
  const opts = (apiUrl: string): ClientOptions => ({
    apiUrl,
    token: TOKEN,
    userAgent: 'test',
    timeoutMs: 5_000,
    retry: { baseMs: 5 }
  })

  it('refuses a self-signed certificate, without retrying', async () => {
    const error = await applyGlobalSecret(
      opts(`https://localhost:${selfSignedApi.port}`),
      body(),
      'fail'
    ).catch((e: unknown) => e as NorthflankError)
    expect(error).toBeInstanceOf(NorthflankError)
    expect((error as NorthflankError).kind).toBe('network')
    expect((error as NorthflankError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect((error as NorthflankError).attempts).toBe(1)
    expect((error as NorthflankError).message).toMatch(/NODE_EXTRA_CA_CERTS/)
    expect(selfSignedApi.requests).toHaveLength(0)
  })

  it('refuses the test CA’s certificate through the proxy when the CA is not trusted', async () => {
    const p = await proxy({ map: { [HOST]: '127.0.0.1' } })
    process.env.HTTPS_PROXY = p.url
    const before = tlsApi.requests.length
    const error = (await applyGlobalSecret(
      opts(`https://${HOST}:${tlsApi.port}`),
      body(),
      'fail'
    ).catch((e: unknown) => e)) as NorthflankError
    expect(error).toBeInstanceOf(NorthflankError)
    expect(error.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/)
    // The proxy was used (CONNECT seen), but no request reached the API.
    expect(p.connects).toEqual([`${HOST}:${tlsApi.port}`])
    expect(tlsApi.requests.length).toBe(before)
  })
})

describe('nothing keeps the process alive after giving up (child process)', () => {
  it('a hanging API: fails within the budget and the process exits at once', async () => {
    const hung = await startServer(() => undefined) // never answers
    stops.push(() => hung.stop())
    const result = await runChild(
      { options: { apiUrl: hung.url, token: TOKEN, timeoutMs: 700 }, body: body() },
      {}
    )
    expect(result).toMatchObject({ ok: false, kind: 'timeout', exitCode: 0 })
    expect(result.elapsedMs!).toBeLessThan(700 + 300 + result.stalledApplyMs)
    expect(result.lingerMs).toBeLessThan(500 + result.stalledLingerMs)
    expect(hung.requests).toHaveLength(1)
    // The client closed its side: the server holds no open socket.
    await new Promise((r) => setTimeout(r, 100))
    expect(hung.openSockets()).toBe(0)
  })

  it('pooled keep-alive connections: reused, and the process exits at once after the last request', async () => {
    const api = await startServer((_req, res) => json(res, 200, { data: {} }))
    stops.push(() => api.stop())
    // Far longer than the linger allowed below: only unref'd idle sockets let the child exit.
    api.server.keepAliveTimeout = 30_000
    const result = await runChild(
      { options: { apiUrl: api.url, token: TOKEN, timeoutMs: 5_000 }, body: body(), repeat: 3 },
      {}
    )
    expect(result).toMatchObject({ ok: true, outcome: 'created', exitCode: 0 })
    expect(api.requests).toHaveLength(3)
    expect(api.connections()).toBe(1)
    expect(result.lingerMs).toBeLessThan(500 + result.stalledLingerMs)
    await new Promise((r) => setTimeout(r, 100))
    expect(api.openSockets()).toBe(0)
  })

  it('a proxy that never answers CONNECT: same', async () => {
    const p = await proxy({ silent: true })
    const result = await runChild(
      { options: { apiUrl: `https://${HOST}:443`, token: TOKEN, timeoutMs: 700 }, body: body() },
      { HTTPS_PROXY: p.url }
    )
    expect(result).toMatchObject({ ok: false, kind: 'timeout', exitCode: 0 })
    expect(result.lingerMs).toBeLessThan(500 + result.stalledLingerMs)
    expect(p.connects.length).toBeGreaterThanOrEqual(1)
    await new Promise((r) => setTimeout(r, 100))
    expect(p.openSockets()).toBe(0)
  })
})
