// Small loopback servers for the client tests. Every server tracks its sockets
// so stop() ends hanging connections too.
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse
} from 'node:http'
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export interface Recorded {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
  at: number
}

export interface TestServer {
  url: string
  port: number
  requests: Recorded[]
  /** sockets that closed, for "did the client let go?" checks */
  closedSockets: () => number
  openSockets: () => number
  /** connections accepted so far (keep-alive reuse keeps this low) */
  connections: () => number
  /** the node:http server, e.g. to set keepAliveTimeout */
  server: HttpServer
  stop: () => Promise<void>
}

type Handler = (req: IncomingMessage, res: ServerResponse, rec: Recorded, index: number) => void

function track(server: Server): {
  sockets: Set<Socket>
  closed: () => number
  opened: () => number
} {
  const sockets = new Set<Socket>()
  let closed = 0
  let opened = 0
  server.on('connection', (socket: Socket) => {
    opened++
    sockets.add(socket)
    socket.on('close', () => {
      sockets.delete(socket)
      closed++
    })
  })
  return { sockets, closed: () => closed, opened: () => opened }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

function stopper(server: Server, sockets: Set<Socket>): () => Promise<void> {
  let done: Promise<void> | undefined
  return () => {
    done ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      for (const s of sockets) s.destroy()
    })
    return done
  }
}

/** An HTTP server on 127.0.0.1 that records each request (body included) and calls `handle`. */
export async function startServer(handle: Handler): Promise<TestServer> {
  const requests: Recorded[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const rec: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now()
      }
      requests.push(rec)
      handle(req, res, rec, requests.length - 1)
    })
  })
  const { sockets, closed, opened } = track(server)
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    closedSockets: closed,
    openSockets: () => sockets.size,
    connections: opened,
    server,
    stop: stopper(server, sockets)
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(text)
}

export interface TestProxy {
  url: string
  /** CONNECT targets seen, e.g. `northflank.invalid:443` */
  connects: string[]
  /** The Proxy-Authorization header of each CONNECT (undefined when absent). */
  authorizations: Array<string | undefined>
  openSockets: () => number
  stop: () => Promise<void>
}

/**
 * A forward proxy that only speaks CONNECT. Host names in `map` are resolved
 * to the given address (as a real proxy resolves names the runner cannot).
 * `silent`: accept CONNECT and never answer. `credentials` ("user:password"): answer
 * CONNECT without them with 407 Proxy Authentication Required.
 */
export async function startConnectProxy(
  options: { map?: Record<string, string>; silent?: boolean; credentials?: string } = {}
): Promise<TestProxy> {
  const connects: string[] = []
  const authorizations: Array<string | undefined> = []
  const server = createServer((_req, res) => {
    res.writeHead(405)
    res.end()
  })
  const { sockets } = track(server)
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '')
    const authorization = req.headers['proxy-authorization']
    authorizations.push(authorization)
    if (
      options.credentials !== undefined &&
      authorization !== `Basic ${Buffer.from(options.credentials).toString('base64')}`
    ) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\n' +
          'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
      )
      return
    }
    if (options.silent) {
      // Read (and drop) so the client's close is noticed.
      client.resume()
      // http.Server sockets allow half-open connections: close on the client's end.
      client.on('end', () => client.destroy())
      return
    }
    const [host = '', port = '443'] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), options.map?.[host] ?? host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    authorizations,
    openSockets: () => sockets.size,
    stop: stopper(server, sockets)
  }
}

/** A port on 127.0.0.1 that nothing listens on (just closed). */
export async function closedPort(): Promise<number> {
  const server = createNetServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
