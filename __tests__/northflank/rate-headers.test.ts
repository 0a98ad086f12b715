// Rate-limit headers read defensively: every plausible form is honoured, and
// anything else (negative, garbage, absurdly large, an epoch in the past) is
// ignored so the normal backoff applies. No input makes a date conversion throw.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  MAX_HEADER_WAIT_MS,
  ignoredRateHeaders,
  isoTime,
  parseRateLimitReset,
  parseRemaining,
  parseResetHeader,
  parseRetryAfter
} from '../../src/northflank/rate-headers.js'
import { RateGate, rateLimitBeyondBudgetMessage } from '../../src/northflank/rate-gate.js'

const NOW = Date.parse('2030-01-01T00:00:00Z')
const DAY = 24 * 60 * 60 * 1000

describe('Retry-After', () => {
  it.each([
    ['0', 0],
    ['2', 2_000],
    [' 2 ', 2_000],
    ['1.5', 1_500],
    ['0.0001', 1], // a fraction of a millisecond still waits, rounded up
    ['86400', DAY], // exactly the cap
    ['Tue, 01 Jan 2030 00:00:10 GMT', 10_000], // IMF-fixdate
    ['Tuesday, 01-Jan-30 00:00:10 GMT', 10_000], // RFC 850
    ['Mon, 31 Dec 2029 23:59:00 GMT', 0] // a date already past: retry now
  ])('%j waits %d ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms)
  })

  it('accepts the asctime form (no zone: Node reads it as local time, so only its presence)', () => {
    expect(parseRetryAfter('Tue Jan  1 00:00:10 2030', NOW - DAY / 2)).toBeDefined()
  })

  it.each([
    '',
    '   ',
    '-5',
    '-0.5',
    'soon',
    '1e3',
    'Infinity',
    'NaN',
    '0x10',
    '5 s',
    '86401', // a second past the cap
    '99999999999999999999',
    '9'.repeat(400), // Number() gives Infinity
    'Tue, 01 Jan 2031 00:00:10 GMT', // a year away
    'Tue, 99 Foo 2030 99:99:99 GMT', // looks like a date, is none
    '2030-01-01T00:00:10Z' // ISO 8601 is not an HTTP date
  ])('%j is ignored', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined()
  })
})

describe('x-ratelimit-reset', () => {
  it('small numbers are seconds until the reset', () => {
    expect(parseResetHeader('0', NOW)).toEqual({ kind: 'delta', ms: 0 })
    expect(parseResetHeader('120', NOW)).toEqual({ kind: 'delta', ms: 120_000 })
    expect(parseResetHeader('1.25', NOW)).toEqual({ kind: 'delta', ms: 1_250 })
    expect(parseRateLimitReset('3600', NOW)).toBe(3_600_000)
    expect(parseRateLimitReset('86400', NOW)).toBe(DAY)
  })

  it('epoch seconds and epoch milliseconds are recognised by their size', () => {
    const inThirty = NOW + 30_000
    expect(parseResetHeader(String(inThirty / 1000), NOW)).toEqual({ kind: 'epoch', at: inThirty })
    expect(parseResetHeader(String(inThirty), NOW)).toEqual({ kind: 'epoch', at: inThirty })
    expect(parseRateLimitReset(String(inThirty), NOW)).toBe(30_000)
    expect(parseRateLimitReset(String(inThirty / 1000), NOW)).toBe(30_000)
    // Fractional epoch seconds round up: the reset is never early.
    expect(parseResetHeader(String(NOW / 1000 + 1.0004), NOW)).toEqual({
      kind: 'epoch',
      at: NOW + 1_001
    })
  })

  it.each([
    ['negative', '-1'],
    ['garbage', 'soon'],
    ['empty', ''],
    ['a delta past the cap', '86401'],
    ['a delta of centuries', '999999999'],
    ['epoch seconds in the past', String(NOW / 1000 - 10)],
    ['epoch seconds a year ahead', String(NOW / 1000 + 365 * 86400)],
    ['epoch milliseconds in the past', String(NOW - 10_000)],
    ['epoch milliseconds a year ahead', String(NOW + 365 * DAY)],
    ['epoch microseconds', String(NOW * 1000 + 30_000_000)],
    ['twenty nines', '99999999999999999999'],
    ['four hundred nines', '9'.repeat(400)]
  ])('%s (%s) is ignored', (_what, value) => {
    expect(parseResetHeader(value, NOW)).toBeUndefined()
    expect(parseRateLimitReset(value, NOW)).toBeUndefined()
  })
})

describe('x-ratelimit-remaining', () => {
  it('is a count or nothing', () => {
    expect(parseRemaining('0')).toBe(0)
    expect(parseRemaining(' 12 ')).toBe(12)
    for (const bad of ['', ' ', '-1', 'none', '1.5', undefined]) {
      expect(parseRemaining(bad)).toBeUndefined()
    }
  })
})

describe('what was ignored is said, quoted and clipped', () => {
  it('names each implausible header with its value', () => {
    expect(
      ignoredRateHeaders(
        {
          'retry-after': '-5',
          'x-ratelimit-reset': '99999999999999999999',
          'x-ratelimit-remaining': ''
        },
        NOW
      )
    ).toEqual([
      'Retry-After: "-5"',
      'x-ratelimit-reset: "99999999999999999999"',
      'x-ratelimit-remaining: ""'
    ])
    expect(ignoredRateHeaders({ 'retry-after': '2', 'x-ratelimit-reset': '60' }, NOW)).toEqual([])
    const [long] = ignoredRateHeaders({ 'retry-after': `x${'y'.repeat(100)}\u0007` }, NOW)
    expect(long!.length).toBeLessThan(60)
    expect(long).not.toContain('\u0007')
  })
})

describe('no header makes a message throw or say "Invalid time value"', () => {
  it('isoTime never throws', () => {
    expect(isoTime(NOW)).toBe('2030-01-01T00:00:00.000Z')
    expect(isoTime(1e23)).toBe('an unrepresentable time')
    expect(isoTime(Number.NaN)).toBe('an unrepresentable time')
    expect(rateLimitBeyondBudgetMessage(1e23, NOW, NOW + 1000)).not.toMatch(/Invalid/)
  })

  it('property: any header value leaves the gate closed for at most a day, and messages whole', () => {
    const value = fc.oneof(
      fc.string(),
      fc.double().map(String),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.integer({ min: 0, max: 10 ** 15 }).map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())
    )
    fc.assert(
      fc.property(value, value, fc.constantFrom(200, 429, 503), (retryAfter, reset, status) => {
        const now = NOW
        const gate = new RateGate(() => now)
        let wait: number | undefined
        expect(() => {
          wait = gate.observe(
            status,
            { 'retry-after': retryAfter, 'x-ratelimit-reset': reset, 'x-ratelimit-remaining': '0' },
            250
          )
        }).not.toThrow()
        if (wait !== undefined) {
          expect(Number.isFinite(wait)).toBe(true)
          expect(wait).toBeGreaterThanOrEqual(0)
          expect(wait).toBeLessThanOrEqual(MAX_HEADER_WAIT_MS)
        }
        const reopens = gate.reopensAt
        if (reopens !== undefined) expect(reopens - now).toBeLessThanOrEqual(MAX_HEADER_WAIT_MS)
        expect(rateLimitBeyondBudgetMessage(reopens ?? now, now, now)).not.toMatch(/Invalid/)
      })
    )
  })

  it('a 429 with an absurd Retry-After falls back to the backoff it was given', () => {
    const gate = new RateGate(() => NOW)
    expect(gate.observe(429, { 'retry-after': '99999999999999999999' }, 700)).toBe(700)
    expect(gate.reopensAt).toBe(NOW + 700)
    const other = new RateGate(() => NOW)
    expect(other.observe(429, { 'x-ratelimit-reset': '99999999999999999999' }, 700)).toBe(700)
    expect(other.reopensAt).toBe(NOW + 700)
  })

  it('a 429 that names no wait, or one already over, still waits the backoff it was given', () => {
    for (const headers of [
      { 'retry-after': '0' },
      { 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' },
      { 'x-ratelimit-reset': '0', 'x-ratelimit-remaining': '0' },
      { 'x-ratelimit-reset': String(Math.floor(NOW / 1000) - 5) }
    ]) {
      const gate = new RateGate(() => NOW)
      expect({ headers, wait: gate.observe(429, headers, 700) }).toEqual({ headers, wait: 700 })
      expect(gate.reopensAt).toBe(NOW + 700)
    }
    // Not a 429: a spent window that has just reset holds nothing back.
    const gate = new RateGate(() => NOW)
    expect(gate.observe(200, { 'x-ratelimit-reset': '0', 'x-ratelimit-remaining': '0' }, 700)).toBe(
      0
    )
  })

  it('a 429 with x-ratelimit-reset in epoch milliseconds waits until then, not until 58887', () => {
    const gate = new RateGate(() => NOW)
    expect(gate.observe(429, { 'x-ratelimit-reset': String(NOW + 1_500) }, 700)).toBe(1_500)
    expect(gate.reopensAt).toBe(NOW + 1_500)
  })

  it('close() never closes the gate for more than a day', () => {
    const gate = new RateGate(() => NOW)
    gate.close(1e23)
    expect(gate.reopensAt).toBe(NOW + MAX_HEADER_WAIT_MS)
  })
})
