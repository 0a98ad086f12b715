// The text of the client's failures: what happened, a hint at the likely fix, and
// what was tried. Text from the server (error message, details, body snippet) is
// redacted and flattened to one line before it is quoted.

import { TLS_CODES, type Method, type NetFailure, type Reply } from './attempt.js'
import { NorthflankError, type NorthflankErrorInit } from './errors.js'
import { formatDuration, formatSeconds } from './rate-gate.js'
import { headerValue, ignoredRateHeaders, isoTime } from './rate-headers.js'
import { redact, redactDeep } from './redact.js'

const SNIPPET_CHARS = 200
const DETAILS_CHARS = 1_000

/** What one exchange's requests did so far. */
export interface AttemptLog {
  /** Epoch ms at which the exchange began. */
  readonly start: number
  /** Requests sent, all steps together. */
  attempts: number
  readonly statuses: number[]
  /** One entry per attempt: a status or a network error code, prefixed by its method unless POST. */
  readonly trail: string[]
}

/** Why retrying stopped: the answer was final, the attempt limit, or the time budget. */
export type GiveUpReason = 'final' | 'attempts' | 'budget'

/** What every failure of one definition reports besides the failure itself. */
export interface FailureContext {
  readonly log: AttemptLog
  /** The definition's time budget (ms). */
  readonly timeoutMs: number
  /** Redacted from the server's text before it is quoted. */
  readonly sensitive: readonly string[]
  /** Named by the hints for 403 and 404. */
  readonly teamId: string | undefined
}

/** What reading the secret back found after an earlier attempt's answer was lost. */
export type LostAnswerCheck = 'differs' | 'unknown'

interface ParsedError {
  message?: string
  id?: string
  details?: unknown
  detailsText?: string
  snippet?: string
}

/** The failure of a step that stopped retrying; `last` is its last answer or network failure. */
export function givenUp(
  ctx: FailureContext,
  method: Method,
  url: string,
  last: Reply | NetFailure | undefined,
  why: GiveUpReason
): NorthflankError {
  if (last === undefined) {
    return new NorthflankError(
      `The time budget (${formatSeconds(ctx.timeoutMs)}) ran out before ${method} ` +
        `${url} could be sent. ${failedAfter(ctx)}`,
      errorInit(ctx.log, { kind: 'timeout' })
    )
  }
  if ('status' in last) return httpError(ctx, method, url, last, why)
  return networkError(ctx, method, url, last, why)
}

/** The server's Retry-After points past the time budget left. */
export function retryAfterBeyondBudget(
  ctx: FailureContext,
  method: Method,
  url: string,
  status: number,
  delayMs: number,
  now: number,
  deadline: number
): NorthflankError {
  return new NorthflankError(
    `The Northflank API asked to retry ${method} ${url} after ` +
      `${formatDuration(delayMs)} (Retry-After, at ` +
      `${isoTime(now + delayMs)}), beyond the time budget left ` +
      `(${formatDuration(Math.max(0, deadline - now))}): not waiting. ` +
      failedAfter(ctx),
    errorInit(ctx.log, { kind: 'timeout', status })
  )
}

/** The rate gate would open only after the budget: its error, with what was tried. */
export function rateLimitBeyondBudget(
  ctx: FailureContext,
  error: NorthflankError
): NorthflankError {
  const lastStatus = ctx.log.statuses[ctx.log.statuses.length - 1]
  return new NorthflankError(
    `${error.message}. ${failedAfter(ctx)}`,
    errorInit(ctx.log, { kind: 'timeout', status: lastStatus })
  )
}

function networkError(
  ctx: FailureContext,
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
    failedAfter(ctx, why)
  ]
  return new NorthflankError(
    text.filter((t) => t !== '').join(' '),
    errorInit(ctx.log, { kind: f.code === 'timeout' ? 'timeout' : 'network', code: f.code })
  )
}

export function httpError(
  ctx: FailureContext,
  method: Method,
  url: string,
  reply: Reply,
  why: GiveUpReason = 'final'
): NorthflankError {
  const parsed = parseErrorBody(reply.body, ctx.sensitive)
  const status = reply.status
  let head = `Northflank API answered ${method} ${url} with HTTP ${status} ${statusText(status)}`
  if (parsed.message) head += `: ${parsed.message}`
  if (parsed.detailsText) head += ` (${parsed.detailsText})`
  else if (parsed.snippet) head += `; response body: "${parsed.snippet}"`
  head += parsed.id ? `. Northflank error id: ${parsed.id}.` : '. The response has no error id.'
  const text = [
    head,
    httpHint(status, reply, ctx.teamId),
    ignoredHeadersNote(status, reply),
    failedAfter(ctx, why)
  ]
  return new NorthflankError(
    text.filter((t) => t !== '').join(' '),
    errorInit(ctx.log, { kind: 'http', status, errorId: parsed.id, details: parsed.details })
  )
}

/**
 * A write failed after an attempt whose answer was lost (a time-out or dropped connection after
 * sending, or a 5xx): Northflank may have applied it all the same.
 */
export function maybeApplied(error: NorthflankError, method: Method): NorthflankError {
  const what = method === 'PUT' ? 'replaced' : 'created'
  return error.withMessage(
    `${error.message} A ${method}'s answer was lost, so the secret may have been ${what} all ` +
      'the same: run the step again to see (a run reads what Northflank holds before it writes, ' +
      'and sends nothing that is already there).',
    { maybeApplied: true }
  )
}

/** A 2xx answer that is not Northflank's JSON with a `data` object: most likely a wrong api-url. */
export function notNorthflankAnswer(
  ctx: FailureContext,
  method: Method,
  url: string,
  reply: Reply
): NorthflankError {
  const type = headerValue(reply.headers, 'content-type')
  let what: string
  if (reply.body.trim() === '') what = 'an empty body'
  else {
    let json = true
    try {
      JSON.parse(reply.body)
    } catch {
      json = false
    }
    what = json
      ? 'JSON without a "data" object'
      : `a body that is not JSON (${type ? `content-type ${clip(oneLine(type), 80)}` : 'no content-type'})`
  }
  return new NorthflankError(
    `${method} ${url} answered HTTP ${reply.status} with ${what}, not Northflank's JSON answer, ` +
      (method === 'GET'
        ? 'so what Northflank holds could not be read. '
        : 'so nothing confirms the secret was stored. ') +
      'Check api-url: it ' +
      'must be the Northflank API (https://api.northflank.com), not a proxy, login or ' +
      `captive-portal page. ${failedAfter(ctx)}`,
    errorInit(ctx.log, { kind: 'http', status: reply.status })
  )
}

/**
 * The secret exists and the policy is `fail`: the POST met 409 (`reply`), or the
 * listing named it and nothing was sent (`reply` undefined).
 */
export function conflictError(
  ctx: FailureContext,
  reply: Reply | undefined,
  name: string | undefined,
  id: string | undefined,
  lostAnswer: LostAnswerCheck | undefined
): NorthflankError {
  const parsed = reply ? parseErrorBody(reply.body, ctx.sensitive) : {}
  const what =
    id !== undefined
      ? `A global secret with the identifier "${id}" (derived from the name "${name}")`
      : 'A global secret with the same derived identifier'
  const how = reply
    ? ` (HTTP 409${parsed.id ? `, Northflank error id: ${parsed.id}` : ''})`
    : ' (listed by the API; nothing was sent)'
  const lost =
    lostAnswer === 'differs'
      ? ' An earlier attempt got no answer, but the stored secret differs from this definition, so this run did not create it.'
      : lostAnswer === 'unknown'
        ? ' An earlier attempt got no answer, and the stored secret could not be read to check whether this run created it.'
        : ''
  return new NorthflankError(
    `${what} already exists${how}.${lost} To keep the existing secret, set ` +
      `\`on-conflict: skip\`; to replace it with this definition, set \`on-conflict: update\`. ` +
      failedAfter(ctx),
    errorInit(ctx.log, {
      kind: 'conflict',
      status: reply ? 409 : undefined,
      errorId: parsed.id,
      details: parsed.details
    })
  )
}

/** What was tried, e.g. `Failed after 4 attempts over 12.3 s (503, 503, ECONNRESET, 503).` */
function failedAfter(ctx: FailureContext, why: GiveUpReason = 'final'): string {
  const { log } = ctx
  if (log.attempts === 0) return 'No request was sent.'
  const n = log.attempts
  const tried =
    `${n} attempt${n === 1 ? '' : 's'} over ${formatSeconds(Date.now() - log.start)} ` +
    `(${log.trail.join(', ')}).`
  if (why === 'attempts') return `Gave up at the attempt limit, after ${tried}`
  if (why === 'budget') {
    return `The time budget (${formatSeconds(ctx.timeoutMs)}) ran out after ${tried}`
  }
  return `Failed after ${tried}`
}

function errorInit(
  log: AttemptLog,
  extra: Partial<NorthflankErrorInit> & Pick<NorthflankErrorInit, 'kind'>
) {
  return {
    attempts: log.attempts,
    elapsedMs: Date.now() - log.start,
    statuses: [...log.statuses],
    trail: [...log.trail],
    ...extra
  }
}

function httpHint(status: number, reply: Reply, teamId: string | undefined): string {
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

/** Says which rate-limit headers of a 429 or 503 were not believed, so the backoff applied. */
function ignoredHeadersNote(status: number, reply: Reply): string {
  if (status !== 429 && status !== 503) return ''
  const ignored = ignoredRateHeaders(reply.headers, Date.now())
  if (ignored.length === 0) return ''
  return (
    `Ignored ${ignored.join(' and ')}: not a plausible wait (a number of seconds, an HTTP date ` +
    `or an epoch time within a day), so the normal backoff applied.`
  )
}

function networkHint(f: NetFailure): string {
  if (f.code === 'timeout') {
    return 'The API did not answer in time: run again later, or raise timeout-seconds.'
  }
  if (f.proxyStatus === 407) {
    return (
      'The proxy refused the tunnel with 407 Proxy Authentication Required: put its user and ' +
      'password in the proxy setting (HTTPS_PROXY, or HTTP_PROXY for an http:// api-url), as ' +
      'http://user:password@proxy:port. Not retried: the same settings get the same answer.'
    )
  }
  if (f.proxyStatus === 403) {
    return (
      'The proxy refused the tunnel with 403 Forbidden: it does not allow this host. Ask for ' +
      'api-url to be allowed, or list its host in NO_PROXY if the runner reaches it directly. ' +
      'Not retried: the same settings get the same answer.'
    )
  }
  if (f.code === 'ENOTFOUND' && f.host !== undefined) {
    return f.viaProxy
      ? `The proxy's host name "${f.host}" does not resolve: check the proxy setting ` +
          '(HTTPS_PROXY, or HTTP_PROXY for an http:// api-url). Not retried: a name that does ' +
          'not resolve will not resolve a moment later.'
      : `The host name "${f.host}" does not resolve: check the host in api-url (for Northflank ` +
          'itself, https://api.northflank.com). Not retried: a name that does not resolve will ' +
          'not resolve a moment later.'
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// A short table instead of node:http's STATUS_CODES: the client loads no HTTP
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
