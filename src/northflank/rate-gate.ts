// A gate shared by all requests of a batch: once one response says the rate
// limit is spent (429 or `x-ratelimit-remaining: 0`), every request waits for
// the reset instead of spending more of the window on certain rejections.

import { NorthflankError } from './errors.js'

/** Header values as Node gives them. */
export type HeaderBag = Record<string, string | string[] | undefined>

export class RateGate {
  private closedUntil = 0

  /** `now` is injectable so tests can drive the clock. */
  constructor(private readonly now: () => number = Date.now) {}

  /** Epoch ms at which the gate opens again, or undefined while it is open. */
  get reopensAt(): number | undefined {
    return this.closedUntil > this.now() ? this.closedUntil : undefined
  }

  /** Closes the gate until `untilMs`; an earlier time never shortens a longer closure. */
  close(untilMs: number): void {
    if (Number.isFinite(untilMs) && untilMs > this.closedUntil) this.closedUntil = untilMs
  }

  /**
   * Looks at one response; closes the gate when it says the limit is spent.
   * Returns the wait in ms until the reset, or undefined when the limit is not spent.
   * `fallbackMs` is used when a 429 or an empty window names no reset time.
   */
  observe(status: number, headers: HeaderBag, fallbackMs: number): number | undefined {
    const remaining = headerValue(headers, 'x-ratelimit-remaining')
    const spent = status === 429 || (remaining !== undefined && Number(remaining.trim()) === 0)
    if (!spent) return undefined
    const waitMs = resetDelayMs(headers, this.now()) ?? fallbackMs
    this.close(this.now() + waitMs)
    return waitMs
  }

  /**
   * Resolves when the gate is open. Throws a `timeout` NorthflankError at once
   * (without waiting) when the gate opens only after `deadline` (epoch ms).
   */
  async waitTurn(deadline: number, onWait?: (waitMs: number) => void): Promise<void> {
    // Loop: another request may extend the closure while this one sleeps.
    for (;;) {
      const now = this.now()
      if (this.closedUntil <= now) return
      if (this.closedUntil > deadline) {
        throw new NorthflankError(rateLimitBeyondBudgetMessage(this.closedUntil, now, deadline), {
          kind: 'timeout'
        })
      }
      const waitMs = this.closedUntil - now
      onWait?.(waitMs)
      await sleep(waitMs)
    }
  }
}

export function rateLimitBeyondBudgetMessage(
  resetAt: number,
  now: number,
  deadline: number
): string {
  return (
    `The Northflank API rate limit resets at ${new Date(resetAt).toISOString()} ` +
    `(in ${formatDuration(resetAt - now)}), but the time budget for this definition ends ` +
    `in ${formatDuration(Math.max(0, deadline - now))}: not waiting. Rerun after the reset, ` +
    `or raise timeout-seconds`
  )
}

/**
 * Delay until the server's stated reset: `Retry-After` (seconds or HTTP date)
 * first, then `x-ratelimit-reset` (seconds until the window resets; values that
 * look like epoch seconds are read as such). Undefined when neither is usable.
 */
export function resetDelayMs(headers: HeaderBag, now: number): number | undefined {
  return (
    parseRetryAfter(headerValue(headers, 'retry-after'), now) ??
    parseRateLimitReset(headerValue(headers, 'x-ratelimit-reset'), now)
  )
}

export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text === '') return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

// Anything above this is an absolute time, not a delay (2001-09-09 in epoch seconds).
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000

export function parseRateLimitReset(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined
  const n = Number(text)
  if (n >= EPOCH_SECONDS_THRESHOLD) return Math.max(0, Math.round(n * 1000) - now)
  return Math.round(n * 1000)
}

export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `${minutes} min`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return m === 0 ? `${h} h` : `${h} h ${m} min`
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
