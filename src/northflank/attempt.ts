// One HTTP request of the client, bounded by its own timer. It never throws: a
// request that got no answer comes back classified (worth retrying? may it have
// reached the server?) for the retry loop in exchange.ts to decide on.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { formatSeconds } from './rate-gate.js'
import { redact } from './redact.js'
import { loadTransport, type Transport } from './transport.js'

export type Method = 'POST' | 'PUT' | 'GET'

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface NetFailure {
  code: string
  message: string
  retryable: boolean
  /** The request may have reached the server (its answer was lost). */
  maybeSent: boolean
  /** The host name that did not resolve (ENOTFOUND), and whether it is the proxy's. */
  host?: string
  viaProxy?: boolean
  /** The status a proxy answered CONNECT with, when it refused the tunnel. */
  proxyStatus?: number
}

export type AttemptResult = { ok: true; reply: Reply } | { ok: false; failure: NetFailure }

export interface AttemptRequest {
  method: Method
  url: string
  data: string | undefined
  userAgent: string
  token: string
  /** Redacted from network error messages. */
  sensitive: readonly string[]
}

// Not ENOTFOUND: a name that does not exist will not exist a second later (a
// resolver that could not answer says EAI_AGAIN, which is retried).
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
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

export const TLS_CODES = new Set([
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

/** Sends one request and reads its answer, giving up after `attemptMs`. */
export async function attempt(request: AttemptRequest, attemptMs: number): Promise<AttemptResult> {
  const controller = new AbortController()
  let timedOut = false
  // Started before the HTTP stack is loaded: loading it is part of the budget.
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, attemptMs)
  try {
    // Loaded here, not at the top: a dry run never needs the HTTP stack.
    const transport = await loadTransport()
    if (timedOut) {
      const failure = classify(undefined, true, attemptMs, request.sensitive, request.url)
      return { ok: false, failure: { ...failure, maybeSent: false } }
    }
    return await send(request, transport, controller, attemptMs, () => timedOut)
  } finally {
    clearTimeout(timer)
  }
}

/** The request itself, once the HTTP stack is loaded; `controller` aborts it at the timeout. */
async function send(
  request: AttemptRequest,
  { HttpClient, directAgent }: Transport,
  controller: AbortController,
  attemptMs: number,
  timedOut: () => boolean
): Promise<AttemptResult> {
  const { method, url, data } = request
  const signal = controller.signal
  const handler: RequestHandler = {
    prepareRequest(requestOptions) {
      requestOptions.signal = signal
      // http-client passes URL.hostname, which keeps an IPv6 literal's brackets
      // ("[::1]"); the resolver would look that up as a name and fail.
      if (typeof requestOptions.host === 'string') requestOptions.host = bare(requestOptions.host)
      // Through a proxy, `tunnel` sends CONNECT as a separate request built
      // from agent.proxyOptions; the signal must reach it too, or a silent
      // proxy would keep the process alive after we gave up.
      const agent = requestOptions.agent as TunnelAgent | undefined
      if (agent && typeof agent.proxyOptions === 'object' && agent.proxyOptions !== null) {
        agent.proxyOptions.signal = signal
        proxyCredentialsAsHeader(agent)
      } else {
        // Direct (no proxy, or NO_PROXY): reuse the pooled keep-alive sockets
        // for this origin. The proxy path keeps its own agent per attempt.
        requestOptions.agent = directAgent(url)
      }
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('authentication handlers are not used'))
  }
  const client = new HttpClient(request.userAgent, [handler], {
    socketTimeout: attemptMs + SOCKET_TIMEOUT_SLACK_MS,
    // A redirect would resend the token and body elsewhere; api-url must be exact.
    allowRedirects: false,
    allowRetries: false,
    keepAlive: false
  })
  const headers: Record<string, string> = {
    authorization: `Bearer ${request.token}`,
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
    return {
      ok: false,
      failure: classify(error, timedOut(), attemptMs, request.sensitive, request.url)
    }
  }
}

/** The parts of a `tunnel` agent (http-client's proxy path) that a request adjusts. */
interface TunnelAgent {
  proxyOptions?: Record<string, unknown>
  request?: (options: { headers?: Record<string, string> }) => unknown
}

/**
 * tunnel builds the CONNECT request's Proxy-Authorization with the deprecated
 * `new Buffer()` (DEP0005: a warning on stderr in every run through a proxy with
 * credentials, since the bundle is not under node_modules). Hand it the header
 * ready-made instead: the credentials leave proxyOptions, and the agent's own
 * request function adds the header to CONNECT.
 */
function proxyCredentialsAsHeader(agent: TunnelAgent): void {
  const credentials = agent.proxyOptions?.proxyAuth
  const request = agent.request
  if (typeof credentials !== 'string' || typeof request !== 'function') return
  delete agent.proxyOptions!.proxyAuth
  const header = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`
  agent.request = (options) =>
    request({ ...options, headers: { ...options.headers, 'Proxy-Authorization': header } })
}

function classify(
  error: unknown,
  timedOut: boolean,
  attemptMs: number,
  sensitive: readonly string[],
  url: string
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
  const failure: NetFailure = {
    code,
    message,
    retryable: RETRYABLE_CODES.has(code),
    maybeSent: !NOT_SENT_CODES.has(code) && !tunnelFailure && !TLS_CODES.has(code)
  }
  // tunnel: "tunneling socket could not be established, statusCode=407"
  const proxyStatus = tunnelFailure ? /statusCode=(\d{3})/.exec(message)?.[1] : undefined
  if (proxyStatus !== undefined) {
    failure.proxyStatus = Number(proxyStatus)
    // The proxy wants credentials, or forbids the host: no retry can change that.
    if (PERMANENT_PROXY_STATUSES.has(failure.proxyStatus)) failure.retryable = false
  }
  // tunnel: "tunneling socket could not be established, cause=getaddrinfo ENOTFOUND proxy.example"
  const unresolvedProxy = tunnelFailure
    ? /cause=getaddrinfo (ENOTFOUND|EAI_AGAIN) (\S+)/.exec(message)
    : null
  if (unresolvedProxy) {
    failure.code = unresolvedProxy[1]!
    failure.retryable = RETRYABLE_CODES.has(failure.code)
    failure.host = unresolvedProxy[2]!
    failure.viaProxy = true
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const host = (error as { hostname?: unknown }).hostname
    if (typeof host === 'string' && host !== '') {
      failure.host = host
      failure.viaProxy = host !== bare(new URL(url).hostname)
    }
  }
  return failure
}

// What a proxy answers CONNECT with when the run's settings, not the moment, are wrong.
const PERMANENT_PROXY_STATUSES = new Set([403, 407])

/** A URL's host name without the brackets of an IPv6 literal, as sockets and resolvers take it. */
export function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
}

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
