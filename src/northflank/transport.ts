// The HTTP stack, loaded on the first request (a dry run never pays for it), and
// the keep-alive agents shared by every request of the process: a batch reuses
// its connections (and TLS sessions) instead of opening one per request.

import type { Agent } from 'node:http'

// Idle sockets close after this, or sooner when the server's Keep-Alive header
// says it closes them first: reusing a socket the server is closing fails with
// ECONNRESET (which is retried, but costs a backoff). Node unrefs idle sockets,
// so they never keep the process alive.
const IDLE_SOCKET_TIMEOUT_MS = 4_000

export interface Transport {
  HttpClient: typeof import('@actions/http-client').HttpClient
  /** Shared keep-alive agent for a direct (not proxied) request to `url`. */
  directAgent: (url: string) => Agent
}

let transport: Promise<Transport> | undefined

export function loadTransport(): Promise<Transport> {
  transport ??= (async () => {
    const [{ HttpClient }, http, https] = await Promise.all([
      import('@actions/http-client'),
      import('node:http'),
      import('node:https')
    ])
    const options = {
      keepAlive: true,
      timeout: IDLE_SOCKET_TIMEOUT_MS,
      scheduling: 'lifo' as const
    }
    const plain = new http.Agent(options)
    const tls = new https.Agent(options)
    return { HttpClient, directAgent: (url) => (url.startsWith('https:') ? tls : plain) }
  })()
  return transport
}
