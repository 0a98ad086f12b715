import { afterEach, describe, expect, it } from '@jest/globals'
import { applyGlobalSecret, type ClientOptions } from '../../src/northflank/client.js'
import { NorthflankError } from '../../src/northflank/errors.js'
import {
  RateGate,
  formatDuration,
  parseRateLimitReset,
  parseRetryAfter
} from '../../src/northflank/rate-gate.js'
import { startStandIn, type StandIn } from '../../tools/northflank-stand-in.js'

const TOKEN = 'gate-test-token'

describe('RateGate (driven clock)', () => {
  const clock = (start = 1_000_000): { now: () => number; set: (t: number) => void } => {
    let t = start
    return { now: () => t, set: (v) => (t = v) }
  }

  it('stays open for ordinary responses and closes on 429 or remaining 0', () => {
    const c = clock()
    const gate = new RateGate(c.now)
    expect(gate.observe(200, { 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': '60' }, 10)).toBe(
      undefined
    )
    expect(gate.reopensAt).toBeUndefined()
    expect(gate.observe(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' }, 10)).toBe(
      60_000
    )
    expect(gate.reopensAt).toBe(1_000_000 + 60_000)
    const other = new RateGate(c.now)
    expect(other.observe(429, {}, 1_234)).toBe(1_234)
    expect(other.reopensAt).toBe(1_000_000 + 1_234)
  })

  it('prefers Retry-After, never shortens a longer closure', () => {
    const c = clock()
    const gate = new RateGate(c.now)
    gate.observe(429, { 'retry-after': '30', 'x-ratelimit-reset': '90' }, 10)
    expect(gate.reopensAt).toBe(1_030_000)
    gate.observe(429, { 'retry-after': '5' }, 10)
    expect(gate.reopensAt).toBe(1_030_000)
    c.set(1_030_000)
    expect(gate.reopensAt).toBeUndefined()
  })

  it('waitTurn fails at once when the reset is after the deadline', async () => {
    const c = clock()
    const gate = new RateGate(c.now)
    gate.close(c.now() + 40 * 60_000)
    const started = Date.now()
    const error = await gate.waitTurn(c.now() + 60_000).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(50)
    expect(error).toBeInstanceOf(NorthflankError)
    expect((error as NorthflankError).kind).toBe('timeout')
    expect((error as NorthflankError).message).toContain(
      new Date(c.now() + 2_400_000).toISOString()
    )
    expect((error as NorthflankError).message).toContain('in 40 min')
  })

  it('waitTurn waits for the reset (real clock)', async () => {
    const gate = new RateGate()
    gate.close(Date.now() + 150)
    const waits: number[] = []
    const started = Date.now()
    await gate.waitTurn(Date.now() + 5_000, (ms) => waits.push(ms))
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(waits).toHaveLength(1)
  })

  it('parses header forms', () => {
    const now = Date.parse('2030-01-01T00:00:00Z')
    expect(parseRetryAfter('2', now)).toBe(2_000)
    expect(parseRetryAfter('1.5', now)).toBe(1_500)
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRateLimitReset('120', now)).toBe(120_000)
    expect(parseRateLimitReset(String(now / 1000 + 30), now)).toBe(30_000)
    expect(parseRateLimitReset('-1', now)).toBeUndefined()
    expect(formatDuration(1_234)).toBe('1.2 s')
    expect(formatDuration(40 * 60_000)).toBe('40 min')
    expect(formatDuration(95 * 60_000)).toBe('1 h 35 min')
  })
})

describe('RateGate shared by concurrent applyGlobalSecret calls', () => {
  let s: StandIn | undefined
  afterEach(async () => {
    await s?.stop()
    s = undefined
  })

  const opts = (apiUrl: string, gate: RateGate): ClientOptions => ({
    apiUrl,
    token: TOKEN,
    userAgent: 'test',
    timeoutMs: 5_000,
    gate,
    retry: { baseMs: 10, maxMs: 50 }
  })

  it('after one 429, no request through the gate is sent before the reset', async () => {
    s = await startStandIn({ tokens: [TOKEN] })
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 429, headers: { 'x-ratelimit-reset': '1' } }
    ])
    const gate = new RateGate()
    const first = applyGlobalSecret(opts(s.url, gate), { name: 'first', type: 'secret' }, 'fail')
    // Start the others once the 429 has closed the gate.
    while (gate.reopensAt === undefined) await new Promise((r) => setTimeout(r, 5))
    const closedAt = s.requests[0]!.at
    const others = ['second', 'third', 'fourth'].map((name) =>
      applyGlobalSecret(opts(s!.url, gate), { name, type: 'secret' }, 'fail')
    )
    const results = await Promise.all([first, ...others])
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created', 'created'])
    expect(s.requests).toHaveLength(5)
    for (const req of s.requests.slice(1)) {
      expect(req.at - closedAt).toBeGreaterThanOrEqual(950)
    }
    // Waiting on the gate is not an attempt.
    expect(results.slice(1).map((r) => r.attempts)).toEqual([1, 1, 1])
  })

  it('without a shared gate the others would not have waited (control)', async () => {
    s = await startStandIn({ tokens: [TOKEN] })
    s.injectFaults({ method: 'POST' }, [
      { kind: 'status', status: 429, headers: { 'x-ratelimit-reset': '1' } }
    ])
    const first = applyGlobalSecret(
      opts(s.url, new RateGate()),
      { name: 'first', type: 'secret' },
      'fail'
    )
    while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 5))
    const closedAt = s.requests[0]!.at
    await applyGlobalSecret(opts(s.url, new RateGate()), { name: 'second', type: 'secret' }, 'fail')
    expect(s.requests[1]!.at - closedAt).toBeLessThan(500)
    await first
  })
})
