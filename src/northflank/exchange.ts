// One definition's requests: each step (POST, the verifying GET, PUT) is retried
// with backoff, all of them within one time budget and behind the batch's rate
// gate, and every attempt goes into the log that results and failures report.

import { attempt, type Method, type NetFailure, type Reply } from './attempt.js'
import { NorthflankError } from './errors.js'
import * as messages from './messages.js'
import type { AttemptLog } from './messages.js'
import type { ReachabilityProbe } from './breaker.js'
import { RateGate, formatDuration, sleep } from './rate-gate.js'
import { headerValue, ignoredRateHeaders, parseRetryAfter } from './rate-headers.js'
import { redact } from './redact.js'

export interface ClientOptions {
  apiUrl: string
  token: string
  teamId?: string
  userAgent: string
  /** Hard budget per definition (and for the listing): all attempts, waits and backoff included. */
  timeoutMs: number
  debug?: (message: string) => void
  /** Shared by all requests of a batch so one exhausted rate limit pauses them all. */
  gate?: RateGate
  /** Told whether each attempt got an answer (see UnreachableBreaker). */
  reachability?: ReachabilityProbe
  retry?: RetryOptions
}

/** What one exchange's requests cost, for results and the log. */
export interface ExchangeStats {
  attempts: number
  elapsedMs: number
  statuses: number[]
}

export interface RetryOptions {
  /** First backoff ceiling; doubles per attempt (full jitter: the wait is random below it). */
  baseMs?: number
  /** Cap of the backoff ceiling. */
  maxMs?: number
  /** Requests per step (POST, the verifying GET, PUT each count their own). */
  maxAttempts?: number
  /** One request may take at most this long (and never longer than the budget left). */
  attemptTimeoutMs?: number
}

export const RETRY_DEFAULTS: Required<RetryOptions> = {
  baseMs: 500,
  maxMs: 10_000,
  maxAttempts: 6,
  attemptTimeoutMs: 30_000
}

// Statuses worth another try. 500 is included: Northflank's 500s are usually
// transient, and a create it swallowed is caught by the 409 check. 501, 505 and
// other 5xx describe a permanent mismatch and are not retried.
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504])

export interface Sent {
  reply: Reply
  /** An earlier attempt of this step may have been processed without us seeing the answer. */
  answerLost: boolean
}

export class Exchange {
  private readonly log: AttemptLog = { start: Date.now(), attempts: 0, statuses: [], trail: [] }
  private readonly deadline: number
  private readonly retry: Required<RetryOptions>
  private readonly gate: RateGate
  private readonly context: messages.FailureContext
  private readonly sensitive: string[]

  constructor(
    private readonly options: ClientOptions,
    sensitive: string[]
  ) {
    this.sensitive = [...sensitive]
    this.deadline = this.log.start + options.timeoutMs
    this.retry = { ...RETRY_DEFAULTS, ...definedOnly(options.retry ?? {}) }
    this.gate = options.gate ?? new RateGate()
    this.context = {
      log: this.log,
      timeoutMs: options.timeoutMs,
      sensitive: this.sensitive,
      teamId: options.teamId
    }
  }

  debug(message: string): void {
    this.options.debug?.(redact(message, this.context.sensitive))
  }

  /**
   * More strings to redact from what the server says (values read back from
   * Northflank are as secret as the definition's own).
   */
  addSensitive(more: readonly string[]): void {
    for (const value of more) if (!this.sensitive.includes(value)) this.sensitive.push(value)
    // Longest first, so a value containing another is masked whole.
    this.sensitive.sort((a, b) => b.length - a.length)
  }

  stats(): ExchangeStats {
    return {
      attempts: this.log.attempts,
      elapsedMs: Date.now() - this.log.start,
      statuses: [...this.log.statuses]
    }
  }

  /** The failure for a step's final answer that is not a success. */
  httpError(method: Method, url: string, reply: Reply): NorthflankError {
    return messages.httpError(this.context, method, url, reply)
  }

  /** The failure for a 2xx answer that is not Northflank's JSON with a `data` object. */
  notNorthflankAnswer(method: Method, url: string, reply: Reply): NorthflankError {
    return messages.notNorthflankAnswer(this.context, method, url, reply)
  }

  conflictError(
    reply: Reply | undefined,
    name: string | undefined,
    id: string | undefined,
    lostAnswer: messages.LostAnswerCheck | undefined
  ): NorthflankError {
    return messages.conflictError(this.context, reply, name, id, lostAnswer)
  }

  /**
   * Sends one step (with retries) and returns its final, non-retryable answer. A write that
   * fails after an attempt whose answer was lost fails with `maybeApplied` set and says so.
   */
  async send(method: Method, url: string, data: string | undefined): Promise<Sent> {
    const lost = { answer: false }
    try {
      return await this.sendWithRetries(method, url, data, lost)
    } catch (error) {
      if (!lost.answer || method === 'GET' || !(error instanceof NorthflankError)) throw error
      throw messages.maybeApplied(error, method)
    }
  }

  private async sendWithRetries(
    method: Method,
    url: string,
    data: string | undefined,
    lost: { answer: boolean }
  ): Promise<Sent> {
    const { log, context } = this
    let tries = 0
    let last: Reply | NetFailure | undefined
    for (;;) {
      await this.waitGate()
      const remaining = this.deadline - Date.now()
      if (remaining <= 0) throw messages.givenUp(context, method, url, last, 'budget')
      tries++
      log.attempts++
      const attemptMs = Math.min(remaining, this.retry.attemptTimeoutMs)
      const t0 = Date.now()
      const result = await attempt(
        {
          method,
          url,
          data,
          userAgent: this.options.userAgent,
          token: this.options.token,
          sensitive: context.sensitive
        },
        attemptMs
      )
      const took = Date.now() - t0
      let serverDelay: number | undefined
      if (result.ok) {
        const { reply } = result
        this.options.reachability?.answered()
        last = reply
        log.statuses.push(reply.status)
        log.trail.push(label(method, String(reply.status)))
        this.debug(`${method} ${url} -> ${reply.status} (attempt ${log.attempts}, ${took} ms)`)
        const ignored = ignoredRateHeaders(reply.headers, Date.now())
        if (ignored.length > 0) this.debug(`ignored ${ignored.join(', ')}: not a plausible wait`)
        const gateWait = this.gate.observe(
          reply.status,
          reply.headers,
          Math.max(this.retry.baseMs, this.backoff(tries)),
          t0
        )
        if (gateWait !== undefined) {
          this.debug(`rate limit spent: requests wait ${formatDuration(gateWait)} for the reset`)
        }
        if (!RETRYABLE_STATUSES.has(reply.status)) return { reply, answerLost: lost.answer }
        if (reply.status !== 429) {
          // A gateway error or 500 may come after the server stored the create.
          lost.answer = true
          serverDelay = parseRetryAfter(headerValue(reply.headers, 'retry-after'), Date.now())
        }
      } else {
        const { failure } = result
        this.options.reachability?.unanswered(briefly(failure))
        last = failure
        log.trail.push(label(method, failure.code))
        this.debug(`${method} ${url} -> ${failure.code} (attempt ${log.attempts}, ${took} ms)`)
        if (failure.maybeSent) lost.answer = true
        if (!failure.retryable) throw messages.givenUp(context, method, url, failure, 'final')
      }
      if (tries >= this.retry.maxAttempts) {
        throw messages.givenUp(context, method, url, last, 'attempts')
      }
      // A 429 closed the gate: the wait happens in waitGate (or fails there at once).
      if (result.ok && result.reply.status === 429) continue
      const delay = serverDelay ?? this.backoff(tries)
      const now = Date.now()
      if (now + delay >= this.deadline) {
        if (serverDelay !== undefined) {
          const { status } = last as Reply
          throw messages.retryAfterBeyondBudget(
            context,
            method,
            url,
            status,
            serverDelay,
            now,
            this.deadline
          )
        }
        throw messages.givenUp(context, method, url, last, 'budget')
      }
      this.debug(`retrying in ${delay} ms`)
      await sleep(delay)
    }
  }

  private backoff(tries: number): number {
    const ceiling = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (tries - 1))
    return Math.round(Math.random() * ceiling)
  }

  private async waitGate(): Promise<void> {
    try {
      await this.gate.waitTurn(this.deadline, (ms) =>
        this.debug(`rate limit: waiting ${formatDuration(ms)} for the reset`)
      )
    } catch (error) {
      if (!(error instanceof NorthflankError)) throw error
      throw messages.rateLimitBeyondBudget(this.context, error)
    }
  }
}

/** A network failure in a few words, e.g. `no response within 2.0 s` or `ENOTFOUND api.x`. */
function briefly(failure: NetFailure): string {
  if (failure.code === 'timeout') return failure.message
  return failure.host !== undefined ? `${failure.code} ${failure.host}` : failure.code
}

function label(method: Method, what: string): string {
  return method === 'POST' ? what : `${method} ${what}`
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
