// Client for Northflank's "create global secret" call: retries, rate limits,
// a hard time budget, and the 409 policy. Knows nothing about GitHub: the
// caller injects `debug` and turns NorthflankError messages into annotations.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { deriveSecretId } from '../definition/identifier.js'
import { NorthflankError, type NorthflankErrorInit } from './errors.js'
import { RateGate, formatDuration, headerValue, parseRetryAfter, sleep } from './rate-gate.js'
import { apiUrlProblem } from './api-url.js'
import { redact, redactDeep, sensitiveStrings } from './redact.js'
import { loadTransport } from './transport.js'

export { NorthflankError } from './errors.js'
export { RateGate } from './rate-gate.js'

export type ConflictPolicy = 'fail' | 'skip' | 'update'
export type ApplyOutcome = 'created' | 'updated' | 'exists'

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

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'timeout'
])

// Failures before any byte of the request left: the create cannot have happened.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH'
])

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID'
])

// Our own per-attempt timer must fire first; http-client's idle timer (3 minutes
// by default) only has to be pushed out of the way.
const SOCKET_TIMEOUT_SLACK_MS = 1_000
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024
const SNIPPET_CHARS = 200
const DETAILS_CHARS = 1_000

type Method = 'POST' | 'PUT' | 'GET'
/** Why retrying stopped: the answer was final, the attempt limit, or the time budget. */
type GiveUpReason = 'final' | 'attempts' | 'budget'

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

interface NetFailure {
  code: string
  message: string
  retryable: boolean
  /** The request may have reached the server (its answer was lost). */
  maybeSent: boolean
}

type AttemptResult = { ok: true; reply: Reply } | { ok: false; failure: NetFailure }

interface Sent {
  reply: Reply
  /** An earlier attempt of this step may have been processed without us seeing the answer. */
  answerLost: boolean
}

interface ParsedError {
  message?: string
  id?: string
  details?: unknown
  detailsText?: string
  snippet?: string
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
  let check: Verdict | undefined
  if (post.answerLost && id !== undefined) {
    check = await verifyOwnCreate(exchange, `${collection}/${encodeURIComponent(id)}`, json)
    // The lost answer was the create: it is ours whatever the policy says.
    if (check.kind === 'ours') return exchange.result('created', check.data)
  }

  if (onConflict === 'skip') return exchange.result('exists', undefined)
  if (onConflict === 'update') {
    const put = await exchange.send('PUT', collection, json)
    if (isSuccess(put.reply.status)) return exchange.result('updated', dataOf(put.reply))
    throw exchange.httpError('PUT', collection, put.reply)
  }
  throw exchange.conflictError(post.reply, typeof name === 'string' ? name : undefined, id, check)
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

// ---------------------------------------------------------------------------
// One definition's requests: shared attempt log, budget and messages

class Exchange {
  private readonly start = Date.now()
  private readonly deadline: number
  private readonly retry: Required<RetryOptions>
  private readonly gate: RateGate
  private attempts = 0
  private readonly statuses: number[] = []
  private readonly trail: string[] = []

  constructor(
    private readonly options: ClientOptions,
    private readonly sensitive: string[]
  ) {
    this.deadline = this.start + options.timeoutMs
    this.retry = { ...RETRY_DEFAULTS, ...definedOnly(options.retry ?? {}) }
    this.gate = options.gate ?? new RateGate()
  }

  debug(message: string): void {
    this.options.debug?.(redact(message, this.sensitive))
  }

  result(outcome: ApplyOutcome, data: unknown): ApplyResult {
    return {
      outcome,
      data,
      attempts: this.attempts,
      elapsedMs: Date.now() - this.start,
      statuses: [...this.statuses]
    }
  }

  /** Sends one step (with retries) and returns its final, non-retryable answer. */
  async send(method: Method, url: string, data: string | undefined): Promise<Sent> {
    let tries = 0
    let answerLost = false
    let last: Reply | NetFailure | undefined
    for (;;) {
      await this.waitGate()
      const remaining = this.deadline - Date.now()
      if (remaining <= 0) throw this.givenUp(method, url, last, 'budget')
      tries++
      this.attempts++
      const attemptMs = Math.min(remaining, this.retry.attemptTimeoutMs)
      const t0 = Date.now()
      const result = await this.attempt(method, url, data, attemptMs)
      const took = Date.now() - t0
      let serverDelay: number | undefined
      if (result.ok) {
        const { reply } = result
        last = reply
        this.statuses.push(reply.status)
        this.trail.push(label(method, String(reply.status)))
        this.debug(`${method} ${url} -> ${reply.status} (attempt ${this.attempts}, ${took} ms)`)
        const gateWait = this.gate.observe(
          reply.status,
          reply.headers,
          Math.max(this.retry.baseMs, this.backoff(tries)),
          t0
        )
        if (gateWait !== undefined) {
          this.debug(`rate limit spent: requests wait ${formatDuration(gateWait)} for the reset`)
        }
        if (!RETRYABLE_STATUSES.has(reply.status)) return { reply, answerLost }
        if (reply.status !== 429) {
          // A gateway error or 500 may come after the server stored the create.
          answerLost = true
          serverDelay = parseRetryAfter(headerValue(reply.headers, 'retry-after'), Date.now())
        }
      } else {
        const { failure } = result
        last = failure
        this.trail.push(label(method, failure.code))
        this.debug(`${method} ${url} -> ${failure.code} (attempt ${this.attempts}, ${took} ms)`)
        if (failure.maybeSent) answerLost = true
        if (!failure.retryable) throw this.givenUp(method, url, failure, 'final')
      }
      if (tries >= this.retry.maxAttempts) throw this.givenUp(method, url, last, 'attempts')
      // A 429 closed the gate: the wait happens in waitGate (or fails there at once).
      if (result.ok && result.reply.status === 429) continue
      const delay = serverDelay ?? this.backoff(tries)
      const now = Date.now()
      if (now + delay >= this.deadline) {
        if (serverDelay !== undefined) {
          throw new NorthflankError(
            `The Northflank API asked to retry ${method} ${url} after ` +
              `${formatDuration(serverDelay)} (Retry-After, at ` +
              `${new Date(now + serverDelay).toISOString()}), beyond the time budget left ` +
              `(${formatDuration(Math.max(0, this.deadline - now))}): not waiting. ` +
              this.failedAfter(),
            this.init({ kind: 'timeout', status: (last as Reply).status })
          )
        }
        throw this.givenUp(method, url, last, 'budget')
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
      const lastStatus = this.statuses[this.statuses.length - 1]
      throw new NorthflankError(
        `${error.message}. ${this.failedAfter()}`,
        this.init({ kind: 'timeout', status: lastStatus })
      )
    }
  }

  private async attempt(
    method: Method,
    url: string,
    data: string | undefined,
    attemptMs: number
  ): Promise<AttemptResult> {
    // Loaded here, not at the top: a dry run never needs the HTTP stack.
    const { HttpClient, directAgent } = await loadTransport()
    const controller = new AbortController()
    const signal = controller.signal
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, attemptMs)
    const handler: RequestHandler = {
      prepareRequest(requestOptions) {
        requestOptions.signal = signal
        // Through a proxy, `tunnel` sends CONNECT as a separate request built
        // from agent.proxyOptions; the signal must reach it too, or a silent
        // proxy would keep the process alive after we gave up.
        const agent = requestOptions.agent as { proxyOptions?: unknown } | undefined
        if (agent && typeof agent.proxyOptions === 'object' && agent.proxyOptions !== null) {
          ;(agent.proxyOptions as Record<string, unknown>).signal = signal
        } else {
          // Direct (no proxy, or NO_PROXY): reuse the pooled keep-alive sockets
          // for this origin. The proxy path keeps its own agent per attempt.
          requestOptions.agent = directAgent(url)
        }
      },
      canHandleAuthentication: () => false,
      handleAuthentication: () => Promise.reject(new Error('authentication handlers are not used'))
    }
    const client = new HttpClient(this.options.userAgent, [handler], {
      socketTimeout: attemptMs + SOCKET_TIMEOUT_SLACK_MS,
      // A redirect would resend the token and body elsewhere; api-url must be exact.
      allowRedirects: false,
      allowRetries: false,
      keepAlive: false
    })
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.token}`,
      accept: 'application/json'
    }
    try {
      let response
      if (method === 'GET') response = await client.get(url, headers)
      else {
        headers['content-type'] = 'application/json'
        response =
          method === 'PUT'
            ? await client.put(url, data ?? '', headers)
            : await client.post(url, data ?? '', headers)
      }
      const body = await readBody(response.message, signal)
      return {
        ok: true,
        reply: { status: response.message.statusCode ?? 0, headers: response.message.headers, body }
      }
    } catch (error) {
      // Tears down whatever is left of the request (socket, proxy CONNECT).
      controller.abort()
      return { ok: false, failure: classify(error, timedOut, attemptMs, this.sensitive) }
    } finally {
      clearTimeout(timer)
    }
  }

  // -- messages -------------------------------------------------------------

  /** What was tried, e.g. `Failed after 4 attempts over 12.3 s (503, 503, ECONNRESET, 503).` */
  private failedAfter(why: GiveUpReason = 'final'): string {
    if (this.attempts === 0) return 'No request was sent.'
    const n = this.attempts
    const tried =
      `${n} attempt${n === 1 ? '' : 's'} over ${formatSeconds(Date.now() - this.start)} ` +
      `(${this.trail.join(', ')}).`
    if (why === 'attempts') return `Gave up at the attempt limit, after ${tried}`
    if (why === 'budget') {
      return `The time budget (${formatSeconds(this.options.timeoutMs)}) ran out after ${tried}`
    }
    return `Failed after ${tried}`
  }

  private init(extra: Partial<NorthflankErrorInit> & Pick<NorthflankErrorInit, 'kind'>) {
    return {
      attempts: this.attempts,
      elapsedMs: Date.now() - this.start,
      statuses: [...this.statuses],
      trail: [...this.trail],
      ...extra
    }
  }

  private givenUp(
    method: Method,
    url: string,
    last: Reply | NetFailure | undefined,
    why: GiveUpReason
  ): NorthflankError {
    if (last === undefined) {
      return new NorthflankError(
        `The time budget (${formatSeconds(this.options.timeoutMs)}) ran out before ${method} ` +
          `${url} could be sent. ${this.failedAfter()}`,
        this.init({ kind: 'timeout' })
      )
    }
    if ('status' in last) return this.httpError(method, url, last, why)
    return this.networkError(method, url, last, why)
  }

  private networkError(
    method: Method,
    url: string,
    f: NetFailure,
    why: GiveUpReason
  ): NorthflankError {
    const what =
      f.code === 'timeout'
        ? f.message
        : f.message.includes(f.code)
          ? f.message
          : `${f.code} (${f.message})`
    const text = [
      `No answer from the Northflank API for ${method} ${url}: ${what}.`,
      networkHint(f),
      this.failedAfter(why)
    ]
    return new NorthflankError(
      text.filter((t) => t !== '').join(' '),
      this.init({ kind: f.code === 'timeout' ? 'timeout' : 'network', code: f.code })
    )
  }

  httpError(
    method: Method,
    url: string,
    reply: Reply,
    why: GiveUpReason = 'final'
  ): NorthflankError {
    const parsed = parseErrorBody(reply.body, this.sensitive)
    const status = reply.status
    let head = `Northflank API answered ${method} ${url} with HTTP ${status} ${statusText(status)}`
    if (parsed.message) head += `: ${parsed.message}`
    if (parsed.detailsText) head += ` (${parsed.detailsText})`
    else if (parsed.snippet) head += `; response body: "${parsed.snippet}"`
    head += parsed.id ? `. Northflank error id: ${parsed.id}.` : '. The response has no error id.'
    const text = [head, this.httpHint(status, reply), this.failedAfter(why)]
    return new NorthflankError(
      text.filter((t) => t !== '').join(' '),
      this.init({ kind: 'http', status, errorId: parsed.id, details: parsed.details })
    )
  }

  conflictError(
    reply: Reply,
    name: string | undefined,
    id: string | undefined,
    check: Verdict | undefined
  ): NorthflankError {
    const parsed = parseErrorBody(reply.body, this.sensitive)
    const what =
      id !== undefined
        ? `A global secret with the identifier "${id}" (derived from the name "${name}")`
        : 'A global secret with the same derived identifier'
    const idText = parsed.id ? `, Northflank error id: ${parsed.id}` : ''
    const lost =
      check?.kind === 'differs'
        ? ' An earlier attempt got no answer, but the stored secret differs from this definition, so this run did not create it.'
        : check?.kind === 'unknown'
          ? ' An earlier attempt got no answer, and the stored secret could not be read to check whether this run created it.'
          : ''
    return new NorthflankError(
      `${what} already exists (HTTP 409${idText}).${lost} To keep the existing secret, set ` +
        `\`on-conflict: skip\`; to replace it with this definition, set \`on-conflict: update\`. ` +
        this.failedAfter(),
      this.init({ kind: 'conflict', status: 409, errorId: parsed.id, details: parsed.details })
    )
  }

  private httpHint(status: number, reply: Reply): string {
    const teamId = this.options.teamId
    if (status === 400 || status === 422) {
      return 'The API rejected the definition: fix the fields named above.'
    }
    if (status === 401) {
      return (
        'The API token was refused: it is missing, expired or malformed. Check the api-token ' +
        'secret (a Northflank API token, without a "Bearer " prefix).'
      )
    }
    if (status === 403) {
      return teamId
        ? `The API token is valid but lacks permission to manage global secrets in team ` +
            `"${teamId}": check the API role the token was created with.`
        : 'The API token is valid but lacks permission to manage global secrets: check the API ' +
            'role the token was created with (and set team-id if it is a team token).'
    }
    if (status === 404) {
      return teamId
        ? `Not found: check team-id ("${teamId}": the team must exist and the token must have ` +
            `access to it) and api-url.`
        : 'Not found: check api-url (the API base URL such as https://api.northflank.com, ' +
            'without /v1) and team-id.'
    }
    if (status === 429) {
      return (
        'The rate limit stayed exhausted: run again after it resets, or send fewer ' +
        'definitions at once (concurrency).'
      )
    }
    if (status >= 300 && status < 400) {
      const location = headerValue(reply.headers, 'location')
      let where = ''
      try {
        if (location) where = ` to ${new URL(location, 'https://invalid.invalid').origin}`
      } catch {
        where = ''
      }
      return (
        `The API redirected${where}; redirects are not followed so the token is never sent ` +
        `elsewhere: check api-url.`
      )
    }
    if (status >= 500) {
      return (
        'The Northflank API had a server-side problem: run again later, and quote the error ' +
        'id to Northflank support if it persists.'
      )
    }
    return ''
  }
}

function networkHint(f: NetFailure): string {
  if (f.code === 'timeout') {
    return 'The API did not answer in time: run again later, or raise timeout-seconds.'
  }
  if (f.message.startsWith('tunneling socket could not be established')) {
    return 'The proxy (HTTPS_PROXY) could not open a tunnel: check the proxy settings.'
  }
  if (f.code === 'ENOTFOUND' || f.code === 'EAI_AGAIN') {
    return 'The host name did not resolve: check api-url, and HTTPS_PROXY/NO_PROXY if the runner needs a proxy.'
  }
  if (f.code === 'ECONNREFUSED') {
    return 'Nothing accepted the connection: check api-url and the proxy settings (HTTPS_PROXY/NO_PROXY).'
  }
  if (TLS_CODES.has(f.code)) {
    return (
      "The server's TLS certificate was not accepted: if the runner reaches the API through a " +
      'TLS-inspecting proxy or a private CA, make that CA trusted with NODE_EXTRA_CA_CERTS.'
    )
  }
  return ''
}

function classify(
  error: unknown,
  timedOut: boolean,
  attemptMs: number,
  sensitive: readonly string[]
): NetFailure {
  if (timedOut) {
    return {
      code: 'timeout',
      message: `no response within ${formatSeconds(attemptMs)}`,
      retryable: true,
      maybeSent: true
    }
  }
  const e = error as { code?: unknown; message?: unknown } | undefined
  const message = redact(
    typeof e?.message === 'string' ? e.message.slice(0, 300) : String(error).slice(0, 300),
    sensitive
  )
  let code = typeof e?.code === 'string' ? e.code : undefined
  if (code === undefined && message.startsWith('Request timeout')) {
    // http-client's own socket timer (pushed past ours, so only as a fallback).
    return {
      code: 'timeout',
      message: 'the connection went idle',
      retryable: true,
      maybeSent: true
    }
  }
  code ??= 'ERROR'
  const tunnelFailure = message.startsWith('tunneling socket could not be established')
  return {
    code,
    message,
    retryable: RETRYABLE_CODES.has(code),
    maybeSent: !NOT_SENT_CODES.has(code) && !tunnelFailure && !TLS_CODES.has(code)
  }
}

// ---------------------------------------------------------------------------
// helpers

/** Reads a response body; rejects (never hangs) when the attempt is aborted or the socket dies. */
function readBody(message: IncomingMessage, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const finish = (error: Error | undefined): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      if (error) {
        message.destroy()
        reject(error)
      } else resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onAbort = (): void => finish(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    message.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_RESPONSE_BYTES) {
        finish(Object.assign(new Error('response larger than 10 MiB'), { code: 'ETOOBIG' }))
      } else chunks.push(chunk)
    })
    message.on('end', () => finish(undefined))
    message.on('error', (error) => finish(error))
    message.on('close', () => {
      if (!message.complete) {
        finish(
          Object.assign(new Error('connection closed before the response was complete'), {
            code: 'ECONNRESET'
          })
        )
      }
    })
  })
}

function parseErrorBody(body: string, sensitive: readonly string[]): ParsedError {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return { snippet: snippetOf(body, sensitive) }
  }
  const error = isPlainObject(json) ? (isPlainObject(json.error) ? json.error : json) : undefined
  if (!error) return { snippet: snippetOf(body, sensitive) }
  const out: ParsedError = {}
  if (typeof error.message === 'string' && error.message !== '') {
    out.message = clip(oneLine(redact(error.message, sensitive)), 500)
  }
  if (typeof error.id === 'string' || typeof error.id === 'number') {
    out.id = clip(oneLine(redact(String(error.id), sensitive)), 100)
  }
  if (error.details !== undefined && error.details !== null) {
    out.details = redactDeep(error.details, sensitive)
    out.detailsText = formatDetails(out.details)
  }
  if (!out.message && !out.id && !out.detailsText) out.snippet = snippetOf(body, sensitive)
  return out
}

/** Northflank's `details`, as `field: message; field: message`. */
export function formatDetails(details: unknown): string | undefined {
  const parts: string[] = []
  const text = (v: unknown): string =>
    typeof v === 'string'
      ? v
      : isPlainObject(v) && typeof v.message === 'string'
        ? v.message
        : JSON.stringify(v)
  if (Array.isArray(details)) {
    for (const item of details) {
      if (isPlainObject(item)) {
        const rawField = item.path ?? item.field ?? item.property ?? item.key
        const field = Array.isArray(rawField) ? rawField.join('.') : rawField
        const msg = text(item.message ?? item.msg ?? item)
        parts.push(typeof field === 'string' && field !== '' ? `${field}: ${msg}` : msg)
      } else parts.push(text(item))
    }
  } else if (isPlainObject(details)) {
    for (const [field, value] of Object.entries(details)) {
      const msg = Array.isArray(value) ? value.map(text).join('; ') : text(value)
      parts.push(field === '' ? msg : `${field}: ${msg}`)
    }
  } else if (details !== undefined && details !== null) {
    parts.push(text(details))
  }
  if (parts.length === 0) return undefined
  return clip(oneLine(parts.join('; ')), DETAILS_CHARS)
}

function snippetOf(body: string, sensitive: readonly string[]): string | undefined {
  // Redact before clipping, so a token cut in half cannot slip through.
  const text = oneLine(redact(body.slice(0, 10_000), sensitive))
  if (text === '') return undefined
  // A page that talks about authorization may be echoing our request headers.
  if (/authorization|bearer/i.test(text)) return '(omitted: it appears to echo request headers)'
  return clip(text, SNIPPET_CHARS)
}

function oneLine(text: string): string {
  let out = ''
  for (const ch of text) {
    const c = ch.charCodeAt(0)
    out += c < 0x20 || c === 0x7f ? ' ' : ch
  }
  return out.replace(/\s+/g, ' ').trim()
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
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

function label(method: Method, what: string): string {
  return method === 'POST' ? what : `${method} ${what}`
}

// A short table instead of node:http's STATUS_CODES: this module loads no HTTP
// code until a request is actually sent.
const STATUS_TEXT: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
}

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? (status >= 500 ? 'Server Error' : 'Error')
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
