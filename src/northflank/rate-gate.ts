// A gate shared by all requests of a batch: once one response says the rate
// limit is spent (429 or `x-ratelimit-remaining: 0`), every request waits for
// the reset instead of spending more of the window on certain rejections.
// Every response's `x-ratelimit-reset` narrows down when the current window
// resets, so the wait ends as soon as the reset has certainly happened.

import { NorthflankError } from './errors.js'
import {
  MAX_HEADER_WAIT_MS,
  headerValue,
  isoTime,
  parseRemaining,
  parseResetHeader,
  parseRetryAfter,
  type HeaderBag
} from './rate-headers.js'

export {
  headerValue,
  parseRateLimitReset,
  parseRetryAfter,
  type HeaderBag
} from './rate-headers.js'

export class RateGate {
  private closedUntil = 0
  /** What the responses so far say about the current window's reset. */
  private window: ResetReading | undefined
  /** The current window's limit is spent: the gate stays closed until `window.by`. */
  private spent = false

  /** `now` and `pause` are injectable so tests can drive the clock. */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly pause: (ms: number) => Promise<void> = sleep
  ) {}

  /** Epoch ms at which the gate opens again, or undefined while it is open. */
  get reopensAt(): number | undefined {
    const until = this.until()
    return until > this.now() ? until : undefined
  }

  /**
   * Closes the gate until `untilMs`; an earlier time never shortens a longer closure, and
   * nothing closes it for longer than any header is believed (a day).
   */
  close(untilMs: number): void {
    const until = Math.min(untilMs, this.now() + MAX_HEADER_WAIT_MS)
    if (Number.isFinite(until) && until > this.closedUntil) this.closedUntil = until
  }

  /**
   * Looks at one response; closes the gate when it says the limit is spent.
   * Returns the wait in ms until the reset, or undefined when the limit is not spent (or a
   * late answer says so of a window that has already reset).
   * `fallbackMs` is used when a 429 or an empty window names no reset time.
   * `sentAt` (epoch ms, when the request left) bounds how early the server read its clock.
   */
  observe(
    status: number,
    headers: HeaderBag,
    fallbackMs: number,
    sentAt?: number
  ): number | undefined {
    const receivedAt = this.now()
    const reading = readReset(
      headerValue(headers, 'x-ratelimit-reset'),
      Math.min(sentAt ?? receivedAt, receivedAt),
      receivedAt
    )
    const current = reading === undefined || this.track(reading)
    const spent =
      status === 429 || parseRemaining(headerValue(headers, 'x-ratelimit-remaining')) === 0
    if (!spent) return undefined
    // A 429 that names no wait, or one already over (`Retry-After: 0`, a reset rounded down),
    // still backs off: retrying at once would spend every attempt within milliseconds.
    const floorMs = status === 429 ? fallbackMs : 0
    // The server's explicit instruction wins over what the window implies.
    const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), receivedAt)
    if (retryAfter !== undefined || reading === undefined) {
      const waitMs = Math.max(retryAfter ?? fallbackMs, floorMs)
      this.close(receivedAt + waitMs)
      return waitMs
    }
    if (!current || this.window === undefined) {
      // A late answer from a window that is already over: the current one is not known to be
      // spent. A 429 still waits for its own reset, should the server count differently.
      if (status !== 429) return undefined
      const until = Math.max(reading.by, receivedAt + floorMs)
      this.close(until)
      return until - receivedAt
    }
    this.spent = true
    const waitMs = Math.max(0, this.window.by - receivedAt)
    if (waitMs >= floorMs) return waitMs
    this.close(receivedAt + floorMs)
    return floorMs
  }

  /**
   * Resolves when the gate is open. Throws a `timeout` NorthflankError at once
   * (without waiting) when the gate opens only after `deadline` (epoch ms).
   */
  async waitTurn(deadline: number, onWait?: (waitMs: number) => void): Promise<void> {
    let announced: number | undefined
    // Loop: another request may extend the closure while this one sleeps, and a
    // timer may fire a millisecond before the wall clock reaches its time.
    for (;;) {
      const now = this.now()
      const until = this.until()
      if (until <= now) return
      if (until > deadline) {
        throw new NorthflankError(rateLimitBeyondBudgetMessage(until, now, deadline), {
          kind: 'timeout'
        })
      }
      const waitMs = until - now
      // One announcement per reset time: sleeping out the same one again is not a new wait.
      if (until !== announced) onWait?.(waitMs)
      announced = until
      await this.pause(waitMs)
    }
  }

  private until(): number {
    return this.spent && this.window ? Math.max(this.closedUntil, this.window.by) : this.closedUntil
  }

  /**
   * Folds one reading into the current window's estimate; false when the reading belongs to
   * an earlier window (a late answer). The reset lies in (notBefore, by] of every reading of
   * its window, so their intersection is the tightest estimate, and `by` is never early.
   */
  private track(reading: ResetReading): boolean {
    const w = this.window
    // Sent after the window had certainly reset, or a reset certainly after it: a new window.
    if (w === undefined || reading.sentAt >= w.by || reading.notBefore >= w.by) {
      this.window = reading
      this.spent = false
      return true
    }
    if (reading.by <= w.notBefore) return false
    this.window = {
      sentAt: Math.max(w.sentAt, reading.sentAt),
      notBefore: Math.max(w.notBefore, reading.notBefore),
      by: Math.min(w.by, reading.by)
    }
    return true
  }
}

/** What one response's `x-ratelimit-reset` says about when its window resets (epoch ms). */
interface ResetReading {
  sentAt: number
  /** The reset is certainly after this… */
  notBefore: number
  /** …and certainly at or before this. */
  by: number
}

/**
 * `x-ratelimit-reset` is whole seconds until the reset, rounded up, read by the server at some
 * moment between sentAt and receivedAt: the reset is after sentAt + (n - 1) s and at or before
 * receivedAt + n s. An epoch value (seconds or milliseconds) is an absolute, rounded-up time.
 * An implausible value (see rate-headers.ts) says nothing.
 */
function readReset(
  value: string | undefined,
  sentAt: number,
  receivedAt: number
): ResetReading | undefined {
  const reset = parseResetHeader(value, receivedAt)
  if (reset === undefined) return undefined
  if (reset.kind === 'epoch') return { sentAt, notBefore: reset.at - 1000, by: reset.at }
  return { sentAt, notBefore: sentAt + reset.ms - 1000, by: receivedAt + reset.ms }
}

export function rateLimitBeyondBudgetMessage(
  resetAt: number,
  now: number,
  deadline: number
): string {
  return (
    `The Northflank API rate limit resets at ${isoTime(resetAt)} ` +
    `(in ${formatDuration(resetAt - now)}), but the time budget for this definition ends ` +
    `in ${formatDuration(Math.max(0, deadline - now))}: not waiting. Rerun after the reset, ` +
    `or raise timeout-seconds`
  )
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `${minutes} min`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return m === 0 ? `${h} h` : `${h} h ${m} min`
}

/** Always in seconds (budgets, attempt times), where formatDuration switches to minutes. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
}
