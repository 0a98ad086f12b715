// Client for Northflank's global-secret API: list, get, post and put. It executes
// requests and maps failures to messages; it never decides what to send (the
// plan in src/plan/ does, and src/apply.ts calls these methods). Retries and the
// time budget are in exchange.ts, one request in attempt.ts, failure text in
// messages.ts. Knows nothing about GitHub: the caller injects `debug` and turns
// NorthflankError messages into annotations.

import type { Method, Reply } from './attempt.js'
import { apiUrlProblem } from './api-url.js'
import { NorthflankError } from './errors.js'
import { Exchange, type ClientOptions, type ExchangeStats, type Sent } from './exchange.js'
import { maybeApplied, type LostAnswerCheck } from './messages.js'
import { sensitiveStrings } from './redact.js'

export { NorthflankError } from './errors.js'
export { RateGate } from './rate-gate.js'
export {
  RETRY_DEFAULTS,
  type ClientOptions,
  type ExchangeStats,
  type RetryOptions
} from './exchange.js'
export { UnreachableBreaker, type ReachabilityProbe } from './breaker.js'
export { formatDetails, type LostAnswerCheck } from './messages.js'

/** Northflank's largest list page. */
export const LIST_PAGE_SIZE = 100
// A scope of 100 000 secrets is far beyond any real one: a cursor that never
// ends is a server fault, not a reason to loop for the whole budget.
const MAX_LIST_PAGES = 1_000

export function checkApiUrl(apiUrl: string): void {
  const problem = apiUrlProblem(apiUrl)
  if (problem !== undefined) throw configError(problem)
}

function configError(message: string): NorthflankError {
  return new NorthflankError(message, { kind: 'config' })
}

function checkOptions(options: ClientOptions): void {
  checkApiUrl(options.apiUrl)
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

/** The identifiers one scope holds, read with the list endpoint. */
export interface Listing {
  ids: ReadonlySet<string>
  /** List pages read. */
  pages: number
  stats: ExchangeStats
}

/** The answer to a GET by identifier. */
export type ReadReply =
  | { kind: 'found'; data: unknown }
  | { kind: 'absent' }
  /** Any other final answer (the caller decides whether that is a failure). */
  | { kind: 'unreadable'; reply: Reply }

/** The answer to a POST. */
export type CreateReply =
  | { kind: 'created'; data: unknown }
  /** 409: the identifier is taken. `answerLost`: an earlier attempt may have been ours. */
  | { kind: 'taken'; reply: Reply; answerLost: boolean }

export class NorthflankClient {
  private readonly collection: string

  constructor(private readonly options: ClientOptions) {
    checkOptions(options)
    const base = options.apiUrl.replace(/\/+$/, '')
    const team = options.teamId ? `/teams/${encodeURIComponent(options.teamId)}` : ''
    this.collection = `${base}/v1${team}/secrets`
  }

  /**
   * Every identifier of the scope: `GET .../secrets?per_page=100`, following the
   * cursor. One time budget (timeoutMs) covers all pages.
   */
  async listSecretIds(): Promise<Listing> {
    const exchange = new Exchange(this.options, sensitiveStrings(this.options.token, {}))
    const ids = new Set<string>()
    const seenCursors = new Set<string>()
    let cursor: string | undefined
    let pages = 0
    for (;;) {
      const url =
        `${this.collection}?per_page=${LIST_PAGE_SIZE}` +
        (cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`)
      const { reply } = await exchange.send('GET', url, undefined)
      if (!isSuccess(reply.status)) throw exchange.httpError('GET', url, reply)
      pages++
      const page = parseListPage(reply.body)
      if (page === undefined) {
        throw new NorthflankError(
          `Northflank API answered GET ${url} with HTTP ${reply.status} but not with a list of ` +
            'secrets (expected {"data": {"secrets": [...]}}): check api-url.',
          { kind: 'http', status: reply.status, ...exchange.stats() }
        )
      }
      for (const id of page.ids) ids.add(id)
      if (!page.next) break
      if (seenCursors.has(page.next) || pages >= MAX_LIST_PAGES) {
        throw new NorthflankError(
          `Northflank API's list of secrets did not end after ${pages} pages (the cursor ` +
            'repeats): run again later, and tell Northflank support if it persists.',
          { kind: 'http', status: reply.status, ...exchange.stats() }
        )
      }
      seenCursors.add(page.next)
      cursor = page.next
    }
    exchange.debug(`listed ${ids.size} secret${ids.size === 1 ? '' : 's'} in ${pages} page(s)`)
    return { ids, pages, stats: exchange.stats() }
  }

  /**
   * Requests for one definition, sharing one time budget and one attempt log.
   * `debug` replaces the client's for this definition's lines; `reachability` hears whether
   * its attempts got answers.
   */
  forDefinition(
    body: object,
    perDefinition: Pick<ClientOptions, 'debug' | 'reachability'> = {}
  ): SecretRequests {
    const options = {
      ...this.options,
      debug: perDefinition.debug ?? this.options.debug,
      reachability: perDefinition.reachability ?? this.options.reachability
    }
    return new SecretRequests(
      new Exchange(options, sensitiveStrings(this.options.token, body)),
      this.collection,
      JSON.stringify(body)
    )
  }
}

/** One definition's requests: GET by identifier, POST and PUT of its body. */
export class SecretRequests {
  constructor(
    private readonly exchange: Exchange,
    private readonly collection: string,
    private readonly json: string
  ) {}

  /**
   * GET `.../secrets/{id}`. `context`, when set, prefixes a failure's message
   * (why this read happened).
   */
  async read(id: string, context?: string): Promise<ReadReply> {
    const url = this.secretUrl(id)
    let reply: Reply
    try {
      reply = (await this.exchange.send('GET', url, undefined)).reply
    } catch (error) {
      throw withContext(error, context)
    }
    // Whatever came back may hold stored values, in whatever shape: none of them may be
    // quoted by a message about this answer.
    this.exchange.addSensitive(storedSecretStrings(reply.body))
    if (isSuccess(reply.status)) {
      const data = dataOf(reply)
      if (isPlainObject(data)) return { kind: 'found', data }
      throw withContext(this.exchange.notNorthflankAnswer('GET', url, reply), context)
    }
    if (reply.status === 404) return { kind: 'absent' }
    return { kind: 'unreadable', reply }
  }

  /** POST the body: created, or 409 (the identifier is taken). Other answers throw. */
  async post(): Promise<CreateReply> {
    const sent = await this.exchange.send('POST', this.collection, this.json)
    if (sent.reply.status === 409) {
      return { kind: 'taken', reply: sent.reply, answerLost: sent.answerLost }
    }
    return { kind: 'created', data: this.written('POST', sent) }
  }

  /** PUT the body (create or replace); returns the API's `data`. Failures throw. */
  async put(): Promise<unknown> {
    return this.written('PUT', await this.exchange.send('PUT', this.collection, this.json))
  }

  /**
   * The `data` of a write's final answer, or its failure; after an attempt whose answer was
   * lost, the failure says the write may have been applied all the same.
   */
  private written(method: 'POST' | 'PUT', sent: Sent): unknown {
    try {
      if (isSuccess(sent.reply.status)) {
        return confirmedData(this.exchange, method, this.collection, sent.reply)
      }
      throw this.exchange.httpError(method, this.collection, sent.reply)
    } catch (error) {
      if (!sent.answerLost || !(error instanceof NorthflankError)) throw error
      throw maybeApplied(error, method)
    }
  }

  /** The failure for a final answer that is not a success (e.g. an unreadable GET). */
  httpError(method: Method, id: string | undefined, reply: Reply): NorthflankError {
    const url = id === undefined ? this.collection : this.secretUrl(id)
    return this.exchange.httpError(method, url, reply)
  }

  /** The secret exists and the policy is `fail` (`reply`: the POST's 409, if one was sent). */
  conflictError(
    name: string | undefined,
    id: string | undefined,
    reply?: Reply,
    lostAnswer?: LostAnswerCheck
  ): NorthflankError {
    return this.exchange.conflictError(reply, name, id, lostAnswer)
  }

  /** Values read back from Northflank are redacted from server text like the definition's own. */
  addSensitive(data: unknown): void {
    if (typeof data === 'object' && data !== null) {
      this.exchange.addSensitive(sensitiveStrings('', data))
    }
  }

  debug(message: string): void {
    this.exchange.debug(message)
  }

  stats(): ExchangeStats {
    return this.exchange.stats()
  }

  private secretUrl(id: string): string {
    return `${this.collection}/${encodeURIComponent(id)}`
  }
}

function parseListPage(body: string): { ids: string[]; next?: string } | undefined {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  if (!isPlainObject(json) || !isPlainObject(json.data) || !Array.isArray(json.data.secrets)) {
    return undefined
  }
  const ids: string[] = []
  for (const item of json.data.secrets) {
    if (isPlainObject(item) && typeof item.id === 'string') ids.push(item.id)
  }
  // Northflank's client reads `pagination` beside `data`; accept it inside too.
  const pagination = isPlainObject(json.pagination)
    ? json.pagination
    : isPlainObject(json.data.pagination)
      ? json.data.pagination
      : undefined
  const next =
    pagination?.hasNextPage === true &&
    typeof pagination.cursor === 'string' &&
    pagination.cursor !== ''
      ? pagination.cursor
      : undefined
  return { ids, next }
}

/** `context: message`, for a failure whose cause needs saying (why this read happened). */
function withContext(error: unknown, context: string | undefined): unknown {
  if (context === undefined || !(error instanceof NorthflankError)) return error
  return error.withMessage(`${context}: ${error.message}`)
}

/** The secret values of a stored secret in a GET answer's body (`data`, or the body itself). */
function storedSecretStrings(body: string): string[] {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return []
  }
  if (!isPlainObject(json)) return []
  const found = new Set(sensitiveStrings('', json))
  if (isPlainObject(json.data)) for (const s of sensitiveStrings('', json.data)) found.add(s)
  return [...found]
}

function dataOf(reply: Reply): unknown {
  try {
    const json: unknown = JSON.parse(reply.body)
    return isPlainObject(json) ? json.data : undefined
  } catch {
    return undefined
  }
}

/**
 * The `data` object of a 2xx answer. Anything else (an HTML login or captive-portal page, a body
 * without `data`, a 204) is not Northflank's answer, so nothing confirms the secret was stored.
 */
function confirmedData(
  exchange: Exchange,
  method: 'POST' | 'PUT',
  url: string,
  reply: Reply
): unknown {
  const data = dataOf(reply)
  if (isPlainObject(data)) return data
  throw exchange.notNorthflankAnswer(method, url, reply)
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
