// What a response's rate-limit headers say, read defensively. A value that is
// not a plausible wait (negative, not a number, a date that does not parse, an
// epoch in the past, more than a day away) is ignored, so the normal backoff
// applies: one absurd header must never stall or fail the batch.

/** Header values as Node gives them. */
export type HeaderBag = Record<string, string | string[] | undefined>

/** No header is believed beyond this. Northflank's windows are an hour; a day leaves room. */
export const MAX_HEADER_WAIT_MS = 24 * 60 * 60 * 1000

const DECIMAL = /^\d+(\.\d+)?$/
// An HTTP date in any of the three forms RFC 9110 asks recipients to accept
// (IMF-fixdate, RFC 850, asctime) starts with the day's name.
const HTTP_DATE = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s/i
// x-ratelimit-reset is recognised by size: seconds until the reset below 1e9
// (31 years), epoch seconds from 1e9 (2001-09-09), epoch milliseconds from 1e12
// (2001-09-09 again); from 1e15 (the year 33658 in ms) it is nothing plausible.
const EPOCH_SECONDS_FROM = 1e9
const EPOCH_MS_FROM = 1e12
const EPOCH_MS_UNTIL = 1e15

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** Retry-After as ms to wait from `now`: delay-seconds (fractions tolerated) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  let ms: number
  if (DECIMAL.test(text)) ms = Math.ceil(Number(text) * 1000)
  else if (HTTP_DATE.test(text)) {
    const at = Date.parse(text)
    if (Number.isNaN(at)) return undefined
    // A date already past says "now" (RFC 9110); a clock slightly behind ours is no fault.
    ms = Math.max(0, at - now)
  } else return undefined
  return plausible(ms)
}

/** What x-ratelimit-reset says: a wait from when the server read its clock, or an absolute time. */
export type ResetValue = { kind: 'delta'; ms: number } | { kind: 'epoch'; at: number }

/**
 * x-ratelimit-reset, if plausible at `now`: whole (or fractional) seconds until the reset,
 * or the reset itself in epoch seconds or epoch milliseconds. An epoch already past is no
 * wait at all, and is ignored like any other implausible value.
 */
export function parseResetHeader(value: string | undefined, now: number): ResetValue | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (!DECIMAL.test(text)) return undefined
  const n = Number(text)
  if (n < EPOCH_SECONDS_FROM) {
    const ms = plausible(Math.ceil(n * 1000))
    return ms === undefined ? undefined : { kind: 'delta', ms }
  }
  if (n >= EPOCH_MS_UNTIL) return undefined
  const at = Math.ceil(n < EPOCH_MS_FROM ? n * 1000 : n)
  const ms = at - now
  return ms >= 0 && plausible(ms) !== undefined ? { kind: 'epoch', at } : undefined
}

/** x-ratelimit-reset as ms to wait from `now`, if plausible. */
export function parseRateLimitReset(value: string | undefined, now: number): number | undefined {
  const reset = parseResetHeader(value, now)
  if (reset === undefined) return undefined
  return reset.kind === 'delta' ? reset.ms : reset.at - now
}

/** x-ratelimit-remaining, if it is a count. */
export function parseRemaining(value: string | undefined): number | undefined {
  const text = value?.trim()
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined
}

/**
 * The rate-limit headers of a response that were present but not believed, quoted (clipped)
 * for the log and failure messages, e.g. `Retry-After: "-5"`.
 */
export function ignoredRateHeaders(headers: HeaderBag, now: number): string[] {
  const ignored: string[] = []
  const retryAfter = headerValue(headers, 'retry-after')
  if (retryAfter !== undefined && parseRetryAfter(retryAfter, now) === undefined) {
    ignored.push(`Retry-After: ${quote(retryAfter)}`)
  }
  const reset = headerValue(headers, 'x-ratelimit-reset')
  if (reset !== undefined && parseResetHeader(reset, now) === undefined) {
    ignored.push(`x-ratelimit-reset: ${quote(reset)}`)
  }
  const remaining = headerValue(headers, 'x-ratelimit-remaining')
  if (remaining !== undefined && parseRemaining(remaining) === undefined) {
    ignored.push(`x-ratelimit-remaining: ${quote(remaining)}`)
  }
  return ignored
}

function plausible(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_HEADER_WAIT_MS ? ms : undefined
}

/** Header text as printable, one-line, clipped. */
function quote(value: string): string {
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 39)}…` : text)
}

/** An ISO time for a message; never throws (an out-of-range time is said to be so). */
export function isoTime(ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? 'an unrepresentable time' : date.toISOString()
}
