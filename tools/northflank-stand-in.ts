/**
 * A small, faithful local stand-in of Northflank's global-secret API, for integration tests,
 * the demo and the benchmark. Node built-ins only.
 *
 * Facts modelled (see /work/shared/northflank/*.md):
 * - endpoints under /v1/secrets and /v1/teams/{teamId}/secrets (create, put, patch, get, list,
 *   delete); responses `{"data": ...}`, list responses add a top-level `pagination`
 * - the identifier is derived from the name (lower-case, each space or hyphen as '-')
 * - errors `{"error": {"status", "message", "id", "details"?}}`
 * - bearer-token auth, fixed-window rate limit with x-ratelimit-* headers
 *
 * CLI: npx tsx tools/northflank-stand-in.ts [--port 8080] [--host 127.0.0.1] [--token T]...
 *      [--forbidden-token T]... [--team my-team]... [--latency 50] [--rate-limit 100/60]
 *      [--tls-key key.pem --tls-cert cert.pem]
 */
import { randomUUID } from 'node:crypto'
import { readFileSync, realpathSync } from 'node:fs'
import {
  createServer as createHttpServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

export interface StandInOptions {
  /** 0 (default) = random free port */
  port?: number
  /** default '127.0.0.1' */
  host?: string
  /** accepted bearer tokens; default ['test-token'] */
  tokens?: string[]
  /** tokens that authenticate but lack permission: every request with one gets 403 */
  forbiddenTokens?: string[]
  /** existing team ids; default ['my-team']; other team ids → 404 */
  teams?: string[]
  /** added to every response; default 0 */
  latencyMs?: number
  /** default {limit: 1000, windowMs: 3600000} like Northflank */
  rateLimit?: { limit: number; windowMs: number }
  /**
   * How x-ratelimit-reset is written: 'seconds' (default, like Northflank) until the reset,
   * rounded up; or the reset itself as 'epoch-seconds' or 'epoch-ms' (rounded up), as other
   * APIs and proxies in front of one write it. Clients must cope with each.
   */
  resetFormat?: 'seconds' | 'epoch-seconds' | 'epoch-ms'
  /** serve HTTPS instead of HTTP */
  tls?: { key: string | Buffer; cert: string | Buffer }
  /** optional request log (method, path, status, ms) */
  log?: (line: string) => void
  /** the clock of the rate-limit window (epoch ms); default Date.now, tests drive it */
  now?: () => number
}

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'drop-after-store' }
  | { kind: 'reset' }

export interface RecordedRequest {
  method: string
  /** the request target as received, query string included */
  path: string
  headers: Record<string, string | string[] | undefined>
  /** parsed JSON body, or undefined when the body is empty or not JSON */
  body: unknown
  rawBody: string
  at: number
}

export interface GitopsSettings {
  vcsService: 'bitbucket' | 'gitlab' | 'github' | 'self-hosted' | 'azure'
  selfHostedVcsId?: string
  accountLogin?: string
  vcsLinkId?: string
  repoUrl: string
  branch: string
  filePath: string
}

export interface StoredSecret {
  name: string
  description?: string
  secrets?: { values?: Record<string, unknown>; files?: Record<string, unknown> }
  type: 'secret' | 'config'
  gitops?: GitopsSettings
  createdAt: string
  updatedAt: string
}

/** Requests received since start or reset(), per method and per kind of GET. */
export interface RequestCounts {
  GET: number
  POST: number
  PUT: number
  PATCH: number
  DELETE: number
  /** GET of a collection (`.../secrets?per_page=...`): list pages */
  list: number
  /** GET of one secret by identifier */
  read: number
  /** POST + PUT + PATCH + DELETE */
  writes: number
  total: number
}

export interface StandIn {
  /** e.g. http://127.0.0.1:43123 (https:// with tls) */
  url: string
  port: number
  requests: RecordedRequest[]
  /** counts of `requests` per method (every request received, faults and 429s included) */
  counts(): RequestCounts
  /** copies of the stored secrets by derived id; undefined team = the token's own scope */
  secrets(teamId?: string): Map<string, StoredSecret>
  /** pre-create or overwrite (for 409 tests); throws on an invalid definition or unknown team */
  seed(definition: object, teamId?: string): void
  /** each matching request consumes the next fault, in order */
  injectFaults(match: { method?: string; path?: string | RegExp }, faults: Fault[]): void
  setLatency(ms: number): void
  /** also starts a fresh window */
  setRateLimit(limit: number, windowMs: number): void
  /** requests being handled right now, and the most at once since start or reset() */
  readonly inFlight: number
  readonly peakInFlight: number
  /** forgets requests, stored secrets, pending faults, the rate-limit window and the peak */
  reset(): void
  /** closes the server and all open sockets (hanging ones too); idempotent */
  stop(): Promise<void>
}

/** Northflank's identifier derivation: lower-case, each space or hyphen as '-'. */
export function deriveId(name: string): string {
  return name.toLowerCase().replace(/[\s-]/g, '-')
}

// ---------------------------------------------------------------------------------------------
// Validation (schema of the create page; the broken patterns use their documented meaning)

const NAME_PATTERN = /^[a-zA-Z0-9]+((-|\s)[a-zA-Z0-9]+)*$/
const DESCRIPTION_PATTERN = /^[a-zA-Z0-9.,?\s\\/'"()[\];`%^&*\-_:!]+$/
const SELF_HOSTED_VCS_ID_PATTERN = /^(?:[A-Za-z0-9-]+|[0-9a-f]{24})$/
const REPO_URL_PATTERN =
  /^(https:\/\/)?((www(\.[a-zA-Z0-9-]{2,})+\.)?[a-zA-Z0-9-]{2,})(\.([a-zA-Z0-9-]{2,}))+(\/([a-zA-Z0-9\-._]{2,}))+?$/
const FILE_PATH_PATTERN = /^\/([a-zA-Z0-9\-._]+\/)*[a-zA-Z0-9\-._]+$/
const TYPES = ['secret', 'config']
const VCS_SERVICES = ['bitbucket', 'gitlab', 'github', 'self-hosted', 'azure']
const PATCHABLE = ['description', 'secrets', 'gitops']
const MAX_BODY_BYTES = 1024 * 1024

type Details = Record<string, string[]>

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function addError(details: Details, path: string, message: string): void {
  ;(details[path] ??= []).push(message)
}

function checkString(
  details: Details,
  path: string,
  value: unknown,
  rules: { pattern?: RegExp; min?: number; max?: number; oneOf?: string[] }
): void {
  if (typeof value !== 'string') {
    addError(details, path, 'must be a string')
    return
  }
  if (rules.min !== undefined && value.length < rules.min) {
    addError(details, path, `length must be at least ${rules.min} characters long`)
  }
  if (rules.max !== undefined && value.length > rules.max) {
    addError(details, path, `length must be less than or equal to ${rules.max} characters long`)
  }
  if (rules.oneOf && !rules.oneOf.includes(value)) {
    addError(details, path, `must be one of [${rules.oneOf.join(', ')}]`)
  }
  // Length is checked first so a pathological string is never run through a pattern.
  if (rules.pattern && value.length <= 1000 && !rules.pattern.test(value)) {
    addError(details, path, `fails to match the required pattern: ${rules.pattern.source}`)
  }
}

function checkOptionalFields(body: Record<string, unknown>, details: Details): void {
  if (body.description !== undefined) {
    checkString(details, 'description', body.description, {
      pattern: DESCRIPTION_PATTERN,
      max: 200
    })
  }
  if (body.secrets !== undefined) {
    if (!isPlainObject(body.secrets)) {
      addError(details, 'secrets', 'must be an object')
    } else {
      for (const key of ['values', 'files']) {
        const value = body.secrets[key]
        if (value !== undefined && !isPlainObject(value)) {
          addError(details, `secrets.${key}`, 'must be an object')
        }
      }
    }
  }
  if (body.gitops !== undefined) {
    const gitops = body.gitops
    if (!isPlainObject(gitops)) {
      addError(details, 'gitops', 'must be an object')
      return
    }
    const required: Array<[string, Parameters<typeof checkString>[3]]> = [
      ['vcsService', { oneOf: VCS_SERVICES }],
      ['repoUrl', { pattern: REPO_URL_PATTERN }],
      ['branch', {}],
      ['filePath', { pattern: FILE_PATH_PATTERN }]
    ]
    for (const [key, rules] of required) {
      if (gitops[key] === undefined) addError(details, `gitops.${key}`, 'is required')
      else checkString(details, `gitops.${key}`, gitops[key], rules)
    }
    const optional: Array<[string, Parameters<typeof checkString>[3]]> = [
      ['selfHostedVcsId', { pattern: SELF_HOSTED_VCS_ID_PATTERN }],
      ['accountLogin', {}],
      ['vcsLinkId', {}]
    ]
    for (const [key, rules] of optional) {
      if (gitops[key] !== undefined) checkString(details, `gitops.${key}`, gitops[key], rules)
    }
  }
}

/** Validates a create/put body; returns the field-path → messages map (empty when valid). */
function validateDefinition(body: Record<string, unknown>): Details {
  const details: Details = {}
  if (body.name === undefined) addError(details, 'name', 'is required')
  else checkString(details, 'name', body.name, { pattern: NAME_PATTERN, min: 3, max: 100 })
  if (body.type === undefined) addError(details, 'type', 'is required')
  else checkString(details, 'type', body.type, { oneOf: TYPES })
  checkOptionalFields(body, details)
  return details
}

type Content = Pick<StoredSecret, 'description' | 'secrets' | 'gitops'>

/** Keeps only the documented fields (unknown keys are ignored, not stored). */
function pickContent(body: Record<string, unknown>): Content {
  const content: Content = {}
  if (body.description !== undefined) content.description = body.description as string
  if (isPlainObject(body.secrets)) {
    const secrets: NonNullable<StoredSecret['secrets']> = {}
    if (body.secrets.values !== undefined) {
      secrets.values = structuredClone(body.secrets.values) as Record<string, unknown>
    }
    if (body.secrets.files !== undefined) {
      secrets.files = structuredClone(body.secrets.files) as Record<string, unknown>
    }
    content.secrets = secrets
  }
  if (isPlainObject(body.gitops)) {
    const g = body.gitops
    const gitops: Record<string, unknown> = {}
    for (const key of [
      'vcsService',
      'selfHostedVcsId',
      'accountLogin',
      'vcsLinkId',
      'repoUrl',
      'branch',
      'filePath'
    ]) {
      if (g[key] !== undefined) gitops[key] = g[key]
    }
    content.gitops = gitops as unknown as GitopsSettings
  }
  return content
}

/** The response shape: documented field order, absent fields omitted, no id. */
function toData(secret: StoredSecret): Record<string, unknown> {
  const data: Record<string, unknown> = { name: secret.name }
  if (secret.description !== undefined) data.description = secret.description
  if (secret.secrets !== undefined) data.secrets = structuredClone(secret.secrets)
  data.type = secret.type
  if (secret.gitops !== undefined) data.gitops = { ...secret.gitops }
  data.createdAt = secret.createdAt
  data.updatedAt = secret.updatedAt
  return data
}

// ---------------------------------------------------------------------------------------------
// Server

interface Entry {
  secret: StoredSecret
  /** creation order, used for listing and cursors */
  seq: number
}

interface Result {
  status: number
  body: unknown
  headers?: Record<string, string>
}

interface FaultRule {
  method?: string
  path?: string | RegExp
  faults: Fault[]
}

function errorResult(
  status: number,
  message: string,
  details?: Details,
  headers?: Record<string, string>
): Result {
  const error: Record<string, unknown> = { status, message, id: randomUUID() }
  if (details) error.details = details
  return { status, body: { error }, headers }
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url')
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  return match ? Number(match[1]) : undefined
}

function parseQueryInt(value: string | null, min: number, max: number): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return n >= min && n <= max ? n : undefined
}

type Route = { teamId?: string; secretId?: string }

/** Parses /v1/secrets[/{id}] and /v1/teams/{teamId}/secrets[/{id}]; undefined = unknown route. */
function parseRoute(pathname: string): Route | undefined {
  const segments = pathname.split('/')
  if (segments[0] !== '' || segments[1] !== 'v1') return undefined
  let rest = segments.slice(2)
  const route: Route = {}
  try {
    if (rest[0] === 'teams') {
      if (rest.length < 3 || !rest[1]) return undefined
      route.teamId = decodeURIComponent(rest[1])
      rest = rest.slice(2)
    }
    if (rest[0] !== 'secrets') return undefined
    if (rest.length === 1) return route
    if (rest.length === 2 && rest[1]) {
      route.secretId = decodeURIComponent(rest[1])
      return route
    }
  } catch {
    return undefined
  }
  return undefined
}

function splitTarget(target: string): { pathname: string; query: URLSearchParams } {
  const q = target.indexOf('?')
  return q < 0
    ? { pathname: target, query: new URLSearchParams() }
    : { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) }
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const host = options.host ?? '127.0.0.1'
  const tokens = new Set(options.tokens ?? ['test-token'])
  const forbiddenTokens = new Set(options.forbiddenTokens ?? [])
  const log = options.log
  const clock = options.now ?? Date.now
  let latencyMs = options.latencyMs ?? 0
  let limit = options.rateLimit?.limit ?? 1000
  let windowMs = options.rateLimit?.windowMs ?? 3_600_000
  let windowStart: number | undefined
  let windowCount = 0
  const resetFormat = options.resetFormat ?? 'seconds'

  const ownScope = new Map<string, Entry>()
  const teamScopes = new Map<string, Map<string, Entry>>()
  for (const team of options.teams ?? ['my-team']) teamScopes.set(team, new Map())
  let seq = 0

  const requests: RecordedRequest[] = []
  const faultRules: FaultRule[] = []
  const sockets = new Set<Socket>()
  const sleepers = new Map<NodeJS.Timeout, () => void>()
  let stopped = false
  let stopPromise: Promise<void> | undefined
  let inFlight = 0
  let peakInFlight = 0

  const scopeFor = (teamId: string | undefined): Map<string, Entry> | undefined =>
    teamId === undefined ? ownScope : teamScopes.get(teamId)

  const sleep = (ms: number): Promise<void> =>
    ms > 0 && !stopped
      ? new Promise((resolve) => {
          const timer = setTimeout(() => {
            sleepers.delete(timer)
            resolve()
          }, ms)
          sleepers.set(timer, resolve)
        })
      : Promise.resolve()

  /** Counts the request in the fixed window and returns the headers every response carries. */
  const consumeRateLimit = (): { exceeded: boolean; headers: Record<string, string> } => {
    const now = clock()
    if (windowStart === undefined || now >= windowStart + windowMs) {
      windowStart = now
      windowCount = 0
    }
    windowCount++
    const resetAt = windowStart + windowMs
    const reset =
      resetFormat === 'epoch-ms'
        ? Math.ceil(resetAt)
        : resetFormat === 'epoch-seconds'
          ? Math.ceil(resetAt / 1000)
          : Math.max(0, Math.ceil((resetAt - now) / 1000))
    return {
      exceeded: windowCount > limit,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - windowCount)),
        'x-ratelimit-reset': String(reset)
      }
    }
  }

  const takeFault = (method: string, pathname: string, target: string): Fault | undefined => {
    for (const rule of faultRules) {
      if (rule.faults.length === 0) continue
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue
      if (rule.path !== undefined) {
        const matches =
          typeof rule.path === 'string'
            ? rule.path === pathname || rule.path === target
            : rule.path.test(pathname) || rule.path.test(target)
        if (!matches) continue
      }
      return rule.faults.shift()
    }
    return undefined
  }

  const store = (scope: Map<string, Entry>, body: Record<string, unknown>, now: string): Entry => {
    const id = deriveId(body.name as string)
    const existing = scope.get(id)
    const secret: StoredSecret = {
      name: body.name as string,
      ...pickContent(body),
      type: body.type as StoredSecret['type'],
      createdAt: existing?.secret.createdAt ?? now,
      updatedAt: now
    }
    const entry: Entry = { secret, seq: existing?.seq ?? ++seq }
    scope.set(id, entry)
    return entry
  }

  /** Parses and checks a JSON-object body; returns the object or an error result. */
  const parseBody = (
    req: IncomingMessage,
    rawBody: string
  ): { body: Record<string, unknown> } | { error: Result } => {
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase()
    if (!/^application\/([a-z0-9.+-]*\+)?json\b/.test(contentType)) {
      return { error: errorResult(400, 'Content-Type must be application/json') }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(rawBody)
    } catch {
      return { error: errorResult(400, 'Request body is not valid JSON') }
    }
    if (!isPlainObject(parsed)) {
      return { error: errorResult(400, 'Request body must be a JSON object') }
    }
    return { body: parsed }
  }

  const route = (
    req: IncomingMessage,
    method: string,
    pathname: string,
    query: URLSearchParams,
    rawBody: string
  ): Result => {
    const r = parseRoute(pathname)
    if (!r) return errorResult(404, `Route not found: ${method} ${pathname}`)
    const allowed = r.secretId === undefined ? ['GET', 'POST', 'PUT'] : ['GET', 'PATCH', 'DELETE']
    if (!allowed.includes(method)) {
      return errorResult(405, `Method ${method} not allowed on ${pathname}`, undefined, {
        allow: allowed.join(', ')
      })
    }

    const authorization = req.headers.authorization
    if (!authorization) {
      return errorResult(401, "No API token provided: send 'Authorization: Bearer <token>'")
    }
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1]
    if (token === undefined || (!tokens.has(token) && !forbiddenTokens.has(token))) {
      return errorResult(401, 'Invalid API token')
    }
    if (forbiddenTokens.has(token)) {
      return errorResult(403, 'The API token does not have permission to perform this action')
    }

    const scope = scopeFor(r.teamId)
    if (!scope) return errorResult(404, `Team '${r.teamId}' not found`)
    const now = new Date().toISOString()

    if (r.secretId === undefined && method === 'GET') {
      const perPageRaw = query.get('per_page')
      const pageRaw = query.get('page')
      const cursorRaw = query.get('cursor')
      const details: Details = {}
      const perPage = perPageRaw === null ? 50 : parseQueryInt(perPageRaw, 1, 100)
      if (perPage === undefined) addError(details, 'per_page', 'must be an integer from 1 to 100')
      const page = pageRaw === null ? 1 : parseQueryInt(pageRaw, 1, Number.MAX_SAFE_INTEGER)
      if (page === undefined) addError(details, 'page', 'must be an integer of at least 1')
      const after = cursorRaw === null ? undefined : decodeCursor(cursorRaw)
      if (cursorRaw !== null && after === undefined) addError(details, 'cursor', 'is invalid')
      if (Object.keys(details).length > 0 || perPage === undefined || page === undefined) {
        return errorResult(400, 'Invalid query parameters', details)
      }
      const all = [...scope.entries()].sort((a, b) => a[1].seq - b[1].seq)
      let offset = (page - 1) * perPage
      if (after !== undefined) {
        const next = all.findIndex(([, e]) => e.seq > after)
        offset = next < 0 ? all.length : next
      }
      const slice = all.slice(offset, offset + perPage)
      const hasNextPage = offset + perPage < all.length
      const last = slice[slice.length - 1]
      const pagination: Record<string, unknown> = { hasNextPage }
      if (hasNextPage && last) pagination.cursor = encodeCursor(last[1].seq)
      pagination.count = slice.length
      return {
        status: 200,
        body: {
          data: {
            secrets: slice.map(([id, { secret }]) => {
              const item: Record<string, unknown> = { id, name: secret.name }
              if (secret.description !== undefined) item.description = secret.description
              item.type = secret.type
              item.createdAt = secret.createdAt
              item.updatedAt = secret.updatedAt
              return item
            })
          },
          pagination
        }
      }
    }

    if (r.secretId === undefined) {
      // POST (create) or PUT (create or update)
      const parsed = parseBody(req, rawBody)
      if ('error' in parsed) return parsed.error
      const details = validateDefinition(parsed.body)
      if (Object.keys(details).length > 0) return errorResult(422, 'Validation failed', details)
      const id = deriveId(parsed.body.name as string)
      if (method === 'POST' && scope.has(id)) {
        return errorResult(409, 'There is already a secret with the same derived identifier')
      }
      const entry = store(scope, parsed.body, now)
      return { status: 200, body: { data: toData(entry.secret) } }
    }

    const entry = scope.get(r.secretId)
    if (method === 'GET') {
      if (!entry) return errorResult(404, `Global secret '${r.secretId}' not found`)
      return { status: 200, body: { data: toData(entry.secret) } }
    }
    if (method === 'DELETE') {
      if (!entry) return errorResult(404, `Global secret '${r.secretId}' not found`)
      scope.delete(r.secretId)
      return { status: 200, body: { data: {} } }
    }

    // PATCH
    if (!entry) return errorResult(404, `Global secret '${r.secretId}' not found`)
    const parsed = parseBody(req, rawBody)
    if ('error' in parsed) return parsed.error
    const immutable: Details = {}
    for (const key of ['name', 'type']) {
      if (key in parsed.body) addError(immutable, key, 'cannot be changed with PATCH')
    }
    if (Object.keys(immutable).length > 0) {
      return errorResult(400, `Only ${PATCHABLE.join(', ')} can be patched`, immutable)
    }
    const details: Details = {}
    checkOptionalFields(parsed.body, details)
    if (Object.keys(details).length > 0) return errorResult(422, 'Validation failed', details)
    const patch = pickContent(parsed.body)
    entry.secret = { ...entry.secret, ...patch, updatedAt: now }
    return { status: 200, body: { data: toData(entry.secret) } }
  }

  const send = (res: ServerResponse, result: Result, rateHeaders: Record<string, string>): void => {
    if (stopped || res.destroyed || res.headersSent) return
    const payload =
      result.body === undefined
        ? ''
        : typeof result.body === 'string'
          ? result.body
          : JSON.stringify(result.body)
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      ...rateHeaders,
      ...result.headers,
      'content-length': Buffer.byteLength(payload)
    }
    res.writeHead(result.status, headers)
    res.end(payload)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now()
    const method = (req.method ?? 'GET').toUpperCase()
    const target = req.url ?? '/'
    const { pathname, query } = splitTarget(target)
    const logLine = (outcome: string | number): void =>
      log?.(`${method} ${target} ${outcome} ${Date.now() - started}ms`)

    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    try {
      for await (const chunk of req) {
        const buf = chunk as Buffer
        size += buf.length
        if (size > MAX_BODY_BYTES) tooLarge = true
        else chunks.push(buf)
      }
    } catch {
      return // the client went away (or stop() destroyed the socket)
    }
    const rawBody = tooLarge ? '' : Buffer.concat(chunks).toString('utf8')
    let body: unknown
    try {
      body = rawBody === '' ? undefined : JSON.parse(rawBody)
    } catch {
      body = undefined
    }
    requests.push({ method, path: target, headers: { ...req.headers }, body, rawBody, at: started })

    await sleep(latencyMs)
    if (stopped) return

    const fault = takeFault(method, pathname, target)
    if (fault?.kind === 'reset') {
      logLine('RESET')
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'hang') {
      logLine('HANG')
      return // answered by nobody; stop() closes the socket
    }
    if (fault?.kind === 'delay') {
      await sleep(fault.ms)
      if (stopped) return
    }
    const rate = consumeRateLimit()
    if (fault?.kind === 'status') {
      const result: Result = {
        status: fault.status,
        body:
          fault.body !== undefined
            ? fault.body
            : errorResult(fault.status, STATUS_CODES[fault.status] ?? 'Injected fault').body,
        headers: fault.headers
      }
      send(res, result, rate.headers)
      logLine(`${fault.status} (fault)`)
      return
    }

    let result: Result
    if (rate.exceeded) result = errorResult(429, 'Rate limit exceeded, try again later')
    else if (tooLarge) result = errorResult(413, 'Request body exceeds 1 MiB')
    else {
      try {
        result = route(req, method, pathname, query, rawBody)
      } catch (err) {
        result = errorResult(500, `Stand-in internal error: ${(err as Error).message}`)
      }
    }

    if (fault?.kind === 'drop-after-store') {
      logLine(`DROP (handled as ${result.status})`)
      req.socket.destroy()
      return
    }
    send(res, result, rate.headers)
    logLine(result.status)
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    inFlight++
    peakInFlight = Math.max(peakInFlight, inFlight)
    void handle(req, res).finally(() => inFlight--)
  }
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createHttpServer(onRequest)
  server.on('connection', (socket: Socket) => {
    if (stopped) {
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    requests,
    counts(): RequestCounts {
      const counts: RequestCounts = {
        GET: 0,
        POST: 0,
        PUT: 0,
        PATCH: 0,
        DELETE: 0,
        list: 0,
        read: 0,
        writes: 0,
        total: requests.length
      }
      for (const request of requests) {
        const method = request.method as keyof RequestCounts
        if (method in counts && method !== 'list' && method !== 'read') counts[method]++
        if (request.method === 'GET') {
          const route = parseRoute(splitTarget(request.path).pathname)
          if (route?.secretId !== undefined) counts.read++
          else counts.list++
        } else if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) counts.writes++
      }
      return counts
    },
    secrets(teamId?: string): Map<string, StoredSecret> {
      const copy = new Map<string, StoredSecret>()
      const scope = scopeFor(teamId)
      if (!scope) return copy
      for (const [id, entry] of [...scope.entries()].sort((a, b) => a[1].seq - b[1].seq)) {
        copy.set(id, structuredClone(entry.secret))
      }
      return copy
    },
    seed(definition: object, teamId?: string): void {
      const scope = scopeFor(teamId)
      if (!scope) throw new Error(`seed: unknown team '${teamId}'`)
      const body = definition as Record<string, unknown>
      const details = isPlainObject(body) ? validateDefinition(body) : { '': ['must be an object'] }
      if (Object.keys(details).length > 0) {
        throw new Error(`seed: invalid definition: ${JSON.stringify(details)}`)
      }
      store(scope, body, new Date().toISOString())
    },
    injectFaults(match: { method?: string; path?: string | RegExp }, faults: Fault[]): void {
      faultRules.push({ method: match.method, path: match.path, faults: [...faults] })
    },
    setLatency(ms: number): void {
      latencyMs = ms
    },
    setRateLimit(newLimit: number, newWindowMs: number): void {
      limit = newLimit
      windowMs = newWindowMs
      windowStart = undefined
      windowCount = 0
    },
    get inFlight(): number {
      return inFlight
    },
    get peakInFlight(): number {
      return peakInFlight
    },
    reset(): void {
      requests.length = 0
      ownScope.clear()
      for (const scope of teamScopes.values()) scope.clear()
      faultRules.length = 0
      windowStart = undefined
      windowCount = 0
      peakInFlight = inFlight
    },
    stop(): Promise<void> {
      stopPromise ??= new Promise<void>((resolve) => {
        stopped = true
        for (const [timer, wake] of sleepers) {
          clearTimeout(timer)
          wake()
        }
        sleepers.clear()
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
        sockets.clear()
      })
      return stopPromise
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `Usage: npx tsx tools/northflank-stand-in.ts [options]
  --port <n>              port (default 0 = random free port)
  --host <addr>           bind address (default 127.0.0.1)
  --token <t>             accepted bearer token (repeatable; default test-token)
  --forbidden-token <t>   token that gets 403 (repeatable)
  --team <id>             existing team id (repeatable; default my-team)
  --latency <ms>          latency added to every response (default 0)
  --rate-limit <n>/<w>    n requests per window w: seconds, or with a unit ms|s|m|h
                          (default 1000/1h)
  --tls-key <file> --tls-cert <file>   serve HTTPS
Prints the URL on the first line of stdout, then one line per request. Stops on SIGINT/SIGTERM.`

function parseWindow(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text)
  if (!match) throw new Error(`invalid rate-limit window: ${text}`)
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000
  return Number(match[1]) * factor
}

function parseNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid --${name}: ${text}`)
  return n
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string', multiple: true },
      'forbidden-token': { type: 'string', multiple: true },
      team: { type: 'string', multiple: true },
      latency: { type: 'string' },
      'rate-limit': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  let rateLimit: StandInOptions['rateLimit']
  if (values['rate-limit'] !== undefined) {
    const [count, window] = values['rate-limit'].split('/')
    const n = parseNumber('rate-limit', count)
    if (n === undefined || window === undefined) {
      throw new Error(`invalid --rate-limit: ${values['rate-limit']} (expected <n>/<window>)`)
    }
    rateLimit = { limit: n, windowMs: parseWindow(window) }
  }
  if ((values['tls-key'] === undefined) !== (values['tls-cert'] === undefined)) {
    throw new Error('--tls-key and --tls-cert go together')
  }
  const standIn = await startStandIn({
    port: parseNumber('port', values.port),
    host: values.host,
    tokens: values.token,
    forbiddenTokens: values['forbidden-token'],
    teams: values.team,
    latencyMs: parseNumber('latency', values.latency),
    rateLimit,
    tls:
      values['tls-key'] !== undefined && values['tls-cert'] !== undefined
        ? { key: readFileSync(values['tls-key']), cert: readFileSync(values['tls-cert']) }
        : undefined,
    log: (line) => console.log(line)
  })
  console.log(standIn.url)
  const shutdown = (): void => {
    void standIn.stop().then(() => process.exit(0))
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

function isMain(): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href
  } catch {
    return false
  }
}

if (isMain()) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`northflank-stand-in: ${(err as Error).message}`)
    process.exit(1)
  })
}
