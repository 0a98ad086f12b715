import { afterEach, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { ClientOptions } from '../../src/northflank/client.js'
import { applyGlobalSecret } from '../../src/sync.js'
import { NorthflankError } from '../../src/northflank/errors.js'
import {
  RateGate,
  formatDuration,
  parseRateLimitReset,
  parseRetryAfter
} from '../../src/northflank/rate-gate.js'
import { startStandIn, type StandIn } from '../../tools/northflank-stand-in.js'
import { watchStalls } from '../helpers/timing.js'

const TOKEN = 'gate-test-token'

describe('RateGate (driven clock)', () => {
  const clock = (
    start = 1_000_000
  ): {
    now: () => number
    set: (t: number) => void
    /** Sleeps by moving the clock (the next one `early` ms short, as a real timer may). */
    pause: (ms: number) => Promise<void>
    pauses: number[]
    early: number
  } => {
    let t = start
    const c = {
      now: () => t,
      set: (v: number) => (t = v),
      pauses: [] as number[],
      early: 0,
      pause: async (ms: number) => {
        c.pauses.push(ms)
        t += Math.max(1, ms - c.early)
        c.early = 0
      }
    }
    return c
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
    const gate = new RateGate(c.now, c.pause)
    gate.close(c.now() + 40 * 60_000)
    const error = await gate.waitTurn(c.now() + 60_000).catch((e: unknown) => e)
    expect(c.pauses).toEqual([]) // at once: not even a short wait first
    expect(error).toBeInstanceOf(NorthflankError)
    expect((error as NorthflankError).kind).toBe('timeout')
    expect((error as NorthflankError).message).toContain(
      new Date(c.now() + 2_400_000).toISOString()
    )
    expect((error as NorthflankError).message).toContain('in 40 min')
  })

  it('waitTurn waits for the reset, announcing the wait once', async () => {
    const c = clock()
    const gate = new RateGate(c.now, c.pause)
    gate.close(c.now() + 150)
    const waits: number[] = []
    await gate.waitTurn(c.now() + 5_000, (ms) => waits.push(ms))
    expect(c.now()).toBe(1_000_150)
    expect(waits).toEqual([150])
    expect(c.pauses).toEqual([150])
  })

  it('waitTurn: a timer that fires a little early is slept out, not announced again', async () => {
    const c = clock()
    c.early = 2
    const gate = new RateGate(c.now, c.pause)
    gate.close(c.now() + 150)
    const waits: number[] = []
    await gate.waitTurn(c.now() + 5_000, (ms) => waits.push(ms))
    expect(c.now()).toBeGreaterThanOrEqual(1_000_150)
    expect(waits).toEqual([150])
    expect(c.pauses).toEqual([150, 2])
  })

  it('waitTurn: a closure extended while waiting is a new wait, announced', async () => {
    const c = clock()
    const gate = new RateGate(c.now, async (ms) => {
      await c.pause(ms)
      if (c.pauses.length === 1) gate.close(c.now() + 1_000) // another request's 429
    })
    gate.close(c.now() + 150)
    const waits: number[] = []
    await gate.waitTurn(c.now() + 5_000, (ms) => waits.push(ms))
    expect(waits).toEqual([150, 1_000])
    expect(c.now()).toBe(1_001_150)
  })

  it('waitTurn waits for the reset (real clock)', async () => {
    const gate = new RateGate()
    const until = Date.now() + 150
    gate.close(until)
    const waits: number[] = []
    await gate.waitTurn(until + 5_000, (ms) => waits.push(ms))
    expect(Date.now()).toBeGreaterThanOrEqual(until)
    expect(waits).toHaveLength(1)
  })

  it('parses header forms', () => {
    const now = Date.parse('2030-01-01T00:00:00Z')
    expect(parseRetryAfter('2', now)).toBe(2_000)
    expect(parseRetryAfter('1.5', now)).toBe(1_500)
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-1', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(parseRateLimitReset('120', now)).toBe(120_000)
    expect(parseRateLimitReset(String(now / 1000 + 30), now)).toBe(30_000)
    expect(parseRateLimitReset('-1', now)).toBeUndefined()
    expect(formatDuration(1_234)).toBe('1.2 s')
    expect(formatDuration(40 * 60_000)).toBe('40 min')
    expect(formatDuration(95 * 60_000)).toBe('1 h 35 min')
  })
})

describe('RateGate: the reset implied by x-ratelimit-reset (driven clock)', () => {
  // A server whose window resets at `resetAt` reads its clock at `at` and answers with the
  // seconds left, rounded up; the request left 20 ms before, the answer arrives 5 ms after.
  const SEND_MS = 20
  const RECEIVE_MS = 5
  const answer = (
    gate: RateGate,
    setNow: (t: number) => void,
    resetAt: number,
    at: number,
    remaining: number,
    status = 200
  ): number | undefined => {
    setNow(at + RECEIVE_MS)
    const headers = {
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(Math.ceil((resetAt - at) / 1000))
    }
    return gate.observe(status, headers, 10, at - SEND_MS)
  }
  const driven = (start: number): { now: () => number; set: (t: number) => void } => {
    let t = start
    return { now: () => t, set: (v) => (t = v) }
  }

  it('waits until the earliest reset any answer of the window implies, never before it', () => {
    const resetAt = 1_010_000 // a 10 s window that started at 1_000_000
    const c = driven(1_000_000)
    const gate = new RateGate(c.now)
    expect(answer(gate, c.set, resetAt, 1_000_000, 99)).toBeUndefined()
    expect(answer(gate, c.set, resetAt, 1_000_700, 98)).toBeUndefined()
    // Alone, this answer ("1 s") would keep the gate closed until 1_010_305.
    const wait = answer(gate, c.set, resetAt, 1_009_300, 0)
    expect(gate.reopensAt).toBe(resetAt + RECEIVE_MS)
    expect(wait).toBe(resetAt + RECEIVE_MS - c.now())
  })

  it('property: closed exactly until the smallest upper bound, which is never early', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3_600 }),
        fc.array(
          fc.record({
            into: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
            send: fc.integer({ min: 0, max: 2_000 }),
            receive: fc.integer({ min: 0, max: 2_000 })
          }),
          { minLength: 1, maxLength: 30 }
        ),
        (windowS, raw) => {
          const start = 5_000_000
          const resetAt = start + windowS * 1000
          const answers = raw
            .map((a) => {
              const at = start + Math.floor(a.into * windowS * 1000)
              const reset = Math.ceil((resetAt - at) / 1000)
              return { at, sentAt: at - a.send, receivedAt: at + a.receive, reset }
            })
            .sort((x, y) => x.receivedAt - y.receivedAt)
          let now = 0
          const gate = new RateGate(() => now)
          const lastCounted = Math.max(...answers.map((a) => a.at))
          for (const a of answers) {
            now = a.receivedAt
            const remaining = a.at === lastCounted ? '0' : '5'
            gate.observe(
              200,
              { 'x-ratelimit-remaining': remaining, 'x-ratelimit-reset': String(a.reset) },
              10,
              a.sentAt
            )
          }
          const expected = Math.min(...answers.map((a) => a.receivedAt + a.reset * 1000))
          expect(expected).toBeGreaterThanOrEqual(resetAt)
          expect(gate.reopensAt).toBe(expected > now ? expected : undefined)
        }
      )
    )
  })

  it('a new window starts a new estimate and opens the gate', () => {
    const c = driven(2_000_000)
    const gate = new RateGate(c.now)
    answer(gate, c.set, 2_010_000, 2_009_900, 0) // "1 s": closed until 2_010_905
    expect(gate.reopensAt).toBe(2_010_905)
    // Sent after the server reset (but before our estimate ran out): the window is new.
    expect(answer(gate, c.set, 2_020_000, 2_010_100, 99)).toBeUndefined()
    expect(gate.reopensAt).toBeUndefined()
    // Its own spent answer closes the gate until its own reset, not the old one.
    expect(answer(gate, c.set, 2_020_000, 2_015_000, 0)).toBe(2_020_005 - 2_015_005)
    expect(gate.reopensAt).toBe(2_020_005)
  })

  it('a late answer from an earlier window does not move the estimate', () => {
    const c = driven(3_000_000)
    const gate = new RateGate(c.now)
    answer(gate, c.set, 3_020_000, 3_010_100, 50) // window 2: resets by 3_020_105 at the latest
    // Counted at 3_009_000 in window 1 but received only now.
    c.set(3_010_200)
    gate.observe(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }, 10, 3_008_990)
    expect(gate.reopensAt).toBeUndefined()
    // A late 429 still waits for its own reset (a server might count differently).
    c.set(3_010_300)
    expect(gate.observe(429, { 'x-ratelimit-reset': '1' }, 10, 3_009_000)).toBe(1_000)
    expect(gate.reopensAt).toBe(3_011_300)
    answer(gate, c.set, 3_020_000, 3_012_000, 0)
    expect(gate.reopensAt).toBe(3_020_005)
  })

  it('epoch-seconds values are absolute times', () => {
    const c = driven(Date.parse('2030-01-01T00:00:00Z'))
    const gate = new RateGate(c.now)
    const reset = c.now() / 1000 + 30
    expect(gate.observe(429, { 'x-ratelimit-reset': String(reset) }, 10, c.now() - 10)).toBe(30_000)
    expect(gate.reopensAt).toBe(reset * 1000)
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

  it('the real limit: the gate reopens as soon as the window has certainly reset', async () => {
    s = await startStandIn({ tokens: [TOKEN], rateLimit: { limit: 3, windowMs: 3_000 } })
    const gate = new RateGate()
    const watch = watchStalls()
    const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
    await applyGlobalSecret(opts(s.url, gate), { name: 'one', type: 'secret' }, 'fail')
    await pause(1_300)
    await applyGlobalSecret(opts(s.url, gate), { name: 'two', type: 'secret' }, 'fail')
    await pause(1_300)
    // The window's last request: its answer alone ("1 s") would be 0.6 s late.
    await applyGlobalSecret(opts(s.url, gate), { name: 'three', type: 'secret' }, 'fail')
    expect(gate.reopensAt).toBeDefined()
    const fourth = await applyGlobalSecret(
      opts(s.url, gate),
      { name: 'four', type: 'secret' },
      'fail'
    )
    expect(fourth.statuses).toEqual([200])
    const windowStart = s.requests[0]!.at
    const gap = s.requests[3]!.at - windowStart
    expect(gap).toBeGreaterThanOrEqual(3_000)
    // Late by the tightest reading's answer time and the timer's: 250 ms, plus whatever
    // this process stalled meanwhile (the client, the stand-in and its clock are all here).
    expect(gap).toBeLessThan(3_000 + 250 + watch.stop().totalMs)
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
    const watch = watchStalls()
    await applyGlobalSecret(opts(s.url, new RateGate()), { name: 'second', type: 'secret' }, 'fail')
    // Well before the reset (1 s) the first one waits for.
    expect(s.requests[1]!.at - closedAt).toBeLessThan(500 + watch.stop().totalMs)
    await first
  })
})
