/**
 * A small local stand-in of GitHub's REST API for pull-request (issue) comments, for the tests
 * of `comment-on-pr`. Node built-ins only; loopback only.
 *
 * Facts modelled (GitHub REST API docs, "Issue comments"):
 * - GET    {base}/repos/{owner}/{repo}/issues/{number}/comments?per_page=&page=  (per_page
 *   default 30, at most 100; a `Link` header with rel="next"/"last" while pages follow)
 * - POST   {base}/repos/{owner}/{repo}/issues/{number}/comments   {"body"} → 201
 * - PATCH  {base}/repos/{owner}/{repo}/issues/comments/{id}       {"body"} → 200
 * - `Authorization: token T` or `Bearer T`; an unknown token → 401 "Bad credentials"
 * - a read-only token (GITHUB_TOKEN without `pull-requests: write`, or any token on a pull
 *   request from a fork) may list but not write: 403 "Resource not accessible by integration"
 * - a body over 65,536 characters → 422 "body is too long (maximum is 65536 characters)"
 * - an unknown repository or pull request → 404 "Not Found"
 * `base` is '' (api.github.com) or a prefix such as '/api/v3' (GitHub Enterprise Server).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface GitHubStandInOptions {
  /** default ['github-token'] */
  tokens?: string[]
  /** tokens that may read but not write comments (403 on POST/PATCH) */
  readOnlyTokens?: string[]
  /** path prefix of the API, e.g. '/api/v3' for GitHub Enterprise Server; default '' */
  basePath?: string
  /** pull requests that exist, as 'owner/repo#number'; default ['acme/platform-config#7'] */
  pullRequests?: string[]
}

export interface GitHubComment {
  id: number
  body: string
  user: { login: string; type: 'User' | 'Bot' }
  created_at: string
  updated_at: string
  html_url: string
  /** 'owner/repo#number' */
  issue: string
}

export interface GitHubRequest {
  method: string
  /** the request target as received, query string included */
  path: string
  authorization?: string
  userAgent?: string
  body: unknown
  status: number
}

export interface GitHubStandIn {
  /** the API base URL to put in GITHUB_API_URL, e.g. http://127.0.0.1:41234/api/v3 */
  url: string
  requests: GitHubRequest[]
  /** copies of the comments on one pull request ('owner/repo#number'), oldest first */
  comments(issue?: string): GitHubComment[]
  /** adds a comment as if someone had written it (for pagination and look-alike tests) */
  seed(issue: string, body: string, user?: GitHubComment['user']): GitHubComment
  /** every request answers 403 with this message until cleared (undefined) */
  setForbidden(message: string | undefined): void
  /** forgets requests and comments, clears the forbidden mode */
  reset(): void
  stop(): Promise<void>
}

const MAX_BODY = 65_536
const ACTIONS_BOT = { login: 'github-actions[bot]', type: 'Bot' as const }
const DOCS = 'https://docs.github.com/rest/issues/comments'

export async function startGitHubStandIn(
  options: GitHubStandInOptions = {}
): Promise<GitHubStandIn> {
  const tokens = new Set(options.tokens ?? ['github-token'])
  const readOnly = new Set(options.readOnlyTokens ?? [])
  const basePath = (options.basePath ?? '').replace(/\/+$/, '')
  const pullRequests = new Set(options.pullRequests ?? ['acme/platform-config#7'])
  const requests: GitHubRequest[] = []
  let comments: GitHubComment[] = []
  let nextId = 1_000_001
  let forbidden: string | undefined
  let origin = ''
  const sockets = new Set<Socket>()

  const addComment = (issue: string, body: string, user: GitHubComment['user']): GitHubComment => {
    const now = new Date().toISOString()
    const id = nextId++
    const [repo, number] = issue.split('#')
    const comment: GitHubComment = {
      id,
      body,
      user,
      created_at: now,
      updated_at: now,
      html_url: `https://github.com/${repo}/pull/${number}#issuecomment-${id}`,
      issue
    }
    comments.push(comment)
    return comment
  }

  const toJson = (c: GitHubComment): Record<string, unknown> => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${origin}${basePath}/repos/${c.issue.split('#')[0]}/issues/comments/${c.id}`,
    html_url: c.html_url,
    body: c.body,
    user: { ...c.user },
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: 'NONE'
  })

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> }
  const error = (status: number, message: string, extra: object = {}): Answer => ({
    status,
    body: { message, documentation_url: DOCS, status: String(status), ...extra }
  })

  const tooLong = (body: unknown): Answer | undefined => {
    if (
      typeof body !== 'object' ||
      body === null ||
      typeof (body as { body?: unknown }).body !== 'string'
    ) {
      return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    }
    if ((body as { body: string }).body.length > MAX_BODY) {
      return error(422, 'Validation Failed', {
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: `body is too long (maximum is ${MAX_BODY} characters)`
          }
        ]
      })
    }
    return undefined
  }

  const answer = (
    method: string,
    target: string,
    token: string | undefined,
    body: unknown
  ): Answer => {
    if (forbidden !== undefined) return error(403, forbidden)
    if (token === undefined || !(tokens.has(token) || readOnly.has(token))) {
      return error(401, 'Bad credentials')
    }
    const url = new URL(target, 'http://stand-in')
    if (!url.pathname.startsWith(`${basePath}/`)) return error(404, 'Not Found')
    const route = url.pathname.slice(basePath.length)
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(route)
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(route)
    if (list) {
      const issue = `${list[1]}/${list[2]}#${list[3]}`
      if (!pullRequests.has(issue)) return error(404, 'Not Found')
      if (method === 'GET') {
        const perPage = Math.min(
          100,
          Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30)
        )
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1)
        const all = comments.filter((c) => c.issue === issue)
        const last = Math.max(1, Math.ceil(all.length / perPage))
        const link = (p: number, rel: string): string => {
          const next = new URL(`${origin}${url.pathname}`)
          next.searchParams.set('per_page', String(perPage))
          next.searchParams.set('page', String(p))
          return `<${next.href}>; rel="${rel}"`
        }
        const links: string[] = []
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
        if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'))
        return {
          status: 200,
          body: all.slice((page - 1) * perPage, page * perPage).map(toJson),
          headers: links.length > 0 ? { link: links.join(', ') } : {}
        }
      }
      if (method === 'POST') {
        if (readOnly.has(token)) return error(403, 'Resource not accessible by integration')
        const invalid = tooLong(body)
        if (invalid) return invalid
        return {
          status: 201,
          body: toJson(addComment(issue, (body as { body: string }).body, ACTIONS_BOT))
        }
      }
      return error(404, 'Not Found')
    }
    if (one) {
      const comment = comments.find(
        (c) => c.id === Number(one[3]) && c.issue.startsWith(`${one[1]}/${one[2]}#`)
      )
      if (!comment) return error(404, 'Not Found')
      if (method === 'GET') return { status: 200, body: toJson(comment) }
      if (method === 'PATCH') {
        if (readOnly.has(token)) return error(403, 'Resource not accessible by integration')
        const invalid = tooLong(body)
        if (invalid) return invalid
        comment.body = (body as { body: string }).body
        comment.updated_at = new Date().toISOString()
        return { status: 200, body: toJson(comment) }
      }
      return error(404, 'Not Found')
    }
    return error(404, 'Not Found')
  }

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    let body: unknown
    try {
      body = raw === '' ? undefined : JSON.parse(raw)
    } catch {
      body = undefined
    }
    const authorization = req.headers.authorization
    const token = /^(?:token|bearer) (.+)$/i.exec(authorization ?? '')?.[1]
    const method = req.method ?? 'GET'
    const result = answer(method, req.url ?? '/', token, body)
    requests.push({
      method,
      path: req.url ?? '/',
      authorization,
      userAgent: req.headers['user-agent'],
      body,
      status: result.status
    })
    const text = result.body === undefined ? '' : JSON.stringify(result.body)
    res.writeHead(result.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...result.headers
    })
    res.end(text)
  }

  const server: Server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (raw += chunk))
    req.on('end', () => handle(req, res, raw))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  let stopping: Promise<void> | undefined

  return {
    url: `${origin}${basePath}`,
    requests,
    comments: (issue = 'acme/platform-config#7') =>
      comments.filter((c) => c.issue === issue).map((c) => structuredClone(c)),
    seed: (issue, body, user = { login: 'octocat', type: 'User' }) =>
      structuredClone(addComment(issue, body, user)),
    setForbidden: (message) => {
      forbidden = message
    },
    reset: () => {
      requests.length = 0
      comments = []
      forbidden = undefined
    },
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }))
  }
}
