// Client for Northflank's "create global secret" call: the apply flow (POST, the
// 409 policy, verifying a create whose answer was lost). Retries and the time
// budget are in exchange.ts, one request in attempt.ts, failure text in
// messages.ts. Knows nothing about GitHub: the caller injects `debug` and turns
// NorthflankError messages into annotations.

import type { Reply } from './attempt.js'
import { deriveSecretId } from '../definition/identifier.js'
import { NorthflankError, type NorthflankErrorInit } from './errors.js'
import { Exchange, type RetryOptions, type Sent } from './exchange.js'
import type { RateGate } from './rate-gate.js'
import { apiUrlProblem } from './api-url.js'
import type { LostAnswerCheck } from './messages.js'
import { sensitiveStrings } from './redact.js'

export { NorthflankError } from './errors.js'
export { RateGate } from './rate-gate.js'
export { RETRY_DEFAULTS, type RetryOptions } from './exchange.js'
export { formatDetails } from './messages.js'

export type ConflictPolicy = 'fail' | 'skip' | 'update'
export type ApplyOutcome = 'created' | 'updated' | 'exists'

export interface ClientOptions {
  apiUrl: string
  token: string
  teamId?: string
  userAgent: string
  /** Hard budget per definition: all attempts, waits and backoff included. */
  timeoutMs: number
  debug?: (message: string) => void
  /** Shared by all requests of a batch so one exhausted rate limit pauses them all. */
  gate?: RateGate
  retry?: RetryOptions
}

export interface ApplyResult {
  outcome: ApplyOutcome
  /** The API's `data` (undefined for `exists`). */
  data?: unknown
  attempts: number
  elapsedMs: number
  statuses: number[]
}

// ---------------------------------------------------------------------------
// api-url

export function checkApiUrl(apiUrl: string): void {
  const problem = apiUrlProblem(apiUrl)
  if (problem !== undefined) throw configError(problem)
}

function configError(message: string): NorthflankError {
  return new NorthflankError(message, { kind: 'config' })
}

// ---------------------------------------------------------------------------
// apply

export async function applyGlobalSecret(
  options: ClientOptions,
  // `object` rather than Record<string, unknown> so typed definitions (interfaces) fit.
  body: object,
  onConflict: ConflictPolicy
): Promise<ApplyResult> {
  checkApiUrl(options.apiUrl)
  checkOptions(options, onConflict)

  const json = JSON.stringify(body)
  const exchange = new Exchange(options, sensitiveStrings(options.token, body))
  const base = options.apiUrl.replace(/\/+$/, '')
  const team = options.teamId ? `/teams/${encodeURIComponent(options.teamId)}` : ''
  const collection = `${base}/v1${team}/secrets`

  const post = await exchange.send('POST', collection, json)
  if (isSuccess(post.reply.status)) return exchange.result('created', dataOf(post.reply))
  if (post.reply.status !== 409) throw exchange.httpError('POST', collection, post.reply)

  const name = (body as { name?: unknown }).name
  const id = typeof name === 'string' ? deriveSecretId(name) : undefined
  let lostAnswer: LostAnswerCheck | undefined
  if (post.answerLost && id !== undefined) {
    const check = await verifyOwnCreate(exchange, `${collection}/${encodeURIComponent(id)}`, json)
    // The lost answer was the create: it is ours whatever the policy says.
    if (check.kind === 'ours') return exchange.result('created', check.data)
    lostAnswer = check.kind
  }

  if (onConflict === 'skip') return exchange.result('exists', undefined)
  if (onConflict === 'update') {
    const put = await exchange.send('PUT', collection, json)
    if (isSuccess(put.reply.status)) return exchange.result('updated', dataOf(put.reply))
    throw exchange.httpError('PUT', collection, put.reply)
  }
  throw exchange.conflictError(
    post.reply,
    typeof name === 'string' ? name : undefined,
    id,
    lostAnswer
  )
}

function checkOptions(options: ClientOptions, onConflict: ConflictPolicy): void {
  if (!['fail', 'skip', 'update'].includes(onConflict)) {
    throw configError(`on-conflict must be fail, skip or update (got "${String(onConflict)}")`)
  }
  if (typeof options.token !== 'string' || options.token === '') {
    throw configError('The API token is empty: set api-token (or NORTHFLANK_API_TOKEN)')
  }
  // Checked here because Node's own header error would be less clear.
  for (const ch of options.token) {
    const c = ch.charCodeAt(0)
    if (c <= 0x20 || c === 0x7f) {
      throw configError(
        'The API token contains whitespace or control characters (a line break copied with it?)'
      )
    }
  }
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw configError(`The timeout must be a positive number of milliseconds`)
  }
}

type Verdict = { kind: 'ours'; data: unknown } | { kind: 'differs' } | { kind: 'unknown' }

/**
 * A POST whose answer was lost may have been stored; its retry then meets our
 * own secret as a 409. Read it back and compare with what was sent.
 */
async function verifyOwnCreate(exchange: Exchange, url: string, json: string): Promise<Verdict> {
  exchange.debug('an earlier POST got no answer and the retry got 409: reading the stored secret')
  let got: Sent
  try {
    got = await exchange.send('GET', url, undefined)
  } catch (error) {
    if (!(error instanceof NorthflankError)) throw error
    throw new NorthflankError(
      `While checking whether an earlier POST whose answer was lost had created the secret: ` +
        error.message,
      { ...errorInitOf(error) }
    )
  }
  if (!isSuccess(got.reply.status)) {
    exchange.debug(`GET answered ${got.reply.status}: cannot tell whether the secret is ours`)
    return { kind: 'unknown' }
  }
  const stored = dataOf(got.reply)
  if (isOwn(JSON.parse(json), stored)) return { kind: 'ours', data: stored }
  exchange.debug('the stored secret differs from this definition: not ours')
  return { kind: 'differs' }
}

function errorInitOf(e: NorthflankError): NorthflankErrorInit {
  return {
    kind: e.kind,
    status: e.status,
    errorId: e.errorId,
    details: e.details,
    code: e.code,
    attempts: e.attempts,
    elapsedMs: e.elapsedMs,
    statuses: e.statuses,
    trail: e.trail
  }
}

function isOwn(sent: unknown, stored: unknown): boolean {
  if (!isPlainObject(stored)) return false
  const { createdAt: _c, updatedAt: _u, ...rest } = stored
  return sameJson(sent, rest)
}

/** Deep equality of JSON values; key order does not matter, array order does. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((v, i) => sameJson(v, b[i]))
    )
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return (
      ka.length === kb.length &&
      ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]))
    )
  }
  return false
}

function dataOf(reply: Reply): unknown {
  try {
    const json: unknown = JSON.parse(reply.body)
    return isPlainObject(json) ? json.data : undefined
  } catch {
    return undefined
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
