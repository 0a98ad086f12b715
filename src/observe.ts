// The observe stage: what Northflank holds for a definition's identifier, read
// with as few requests as the plan needs (see README, "Requests per run").
import type { Listing, NorthflankClient, SecretRequests } from './northflank/client.js'
import type { Stored } from './plan/index.js'

/** Every identifier of the scope (list endpoint, all pages). */
export function observeScope(client: NorthflankClient): Promise<Listing> {
  return client.listSecretIds()
}

export interface ObserveOptions {
  /** The scope's identifiers, when they were listed (two or more definitions). */
  listing?: ReadonlySet<string>
  /** Read the stored contents (a plan, or `on-conflict: update`). */
  contents: boolean
  /** Receives every stored secret read, before anything else sees it (to mask its values). */
  onRead: (data: unknown) => void
}

/**
 * What is stored under `id`. A listed scope answers absence without a request;
 * the contents are read (GET by identifier) only when `contents` is set.
 */
export async function observeSecret(
  requests: SecretRequests,
  id: string,
  options: ObserveOptions
): Promise<Stored> {
  if (options.listing !== undefined && !options.listing.has(id)) return { state: 'absent' }
  if (!options.contents) return { state: options.listing ? 'listed' : 'unobserved' }
  return readSecret(requests, id, options.onRead)
}

/** GET by identifier: present (masked and redacted from then on) or absent; other answers throw. */
export async function readSecret(
  requests: SecretRequests,
  id: string,
  onRead: (data: unknown) => void,
  context?: string
): Promise<Stored> {
  const read = await requests.read(id, context)
  if (read.kind === 'absent') return { state: 'absent' }
  if (read.kind === 'unreadable') throw requests.httpError('GET', id, read.reply)
  onRead(read.data)
  requests.addSensitive(read.data)
  return { state: 'present', data: read.data }
}
