// One definition through observe → plan → apply, with one time budget and one
// attempt log. A plan run stops after the plan: it sends only GET requests.
import { deriveSecretId } from './definition/identifier.js'
import type {
  ClientOptions,
  ExchangeStats,
  NorthflankClient,
  ReachabilityProbe
} from './northflank/client.js'
import { applyPlan, type AppliedOutcome } from './apply.js'
import { observeSecret } from './observe.js'
import { checkPolicy, planSecret, type Action, type ConflictPolicy } from './plan/index.js'

export interface SyncOptions {
  policy: ConflictPolicy
  /** Plan only: read, decide, send no write. */
  plan: boolean
  /** The scope's identifiers, when listed (two or more definitions). */
  listing?: ReadonlySet<string>
  /** Receives every stored secret read, before anything else sees it (to mask its values). */
  onRead: (data: unknown) => void
  debug?: (message: string) => void
  /** Told whether this definition's attempts got answers (the run's UnreachableBreaker). */
  reachability?: ReachabilityProbe
}

export interface Synced extends ExchangeStats {
  /** An apply's outcome, or for a plan run the planned action. */
  outcome: AppliedOutcome | Action
  changes?: string[]
  data?: unknown
}

export async function syncSecret(
  client: NorthflankClient,
  body: object,
  options: SyncOptions
): Promise<Synced> {
  checkPolicy(options.policy)
  const name = (body as { name?: unknown }).name
  const id = deriveSecretId(typeof name === 'string' ? name : '')
  const requests = client.forDefinition(body, {
    debug: options.debug,
    reachability: options.reachability
  })
  const stored = await observeSecret(requests, id, {
    listing: options.listing,
    contents: options.plan || options.policy === 'update',
    onRead: options.onRead
  })
  const plan = planSecret(body, stored, options.policy)
  if (options.plan) {
    requests.debug(`plan: ${plan.action}`)
    return { outcome: plan.action, changes: plan.changes, ...requests.stats() }
  }
  const applied = await applyPlan(requests, plan, stored, {
    body,
    id,
    policy: options.policy,
    onRead: options.onRead
  })
  return { ...applied, ...requests.stats() }
}

/**
 * One definition on its own, as a single-definition run does it (no listing):
 * `skip`/`fail` POST straight away, `update` reads first.
 */
export async function applyGlobalSecret(
  options: ClientOptions,
  // `object` rather than Record<string, unknown> so typed definitions (interfaces) fit.
  body: object,
  policy: ConflictPolicy,
  onRead: (data: unknown) => void = () => {}
): Promise<Synced> {
  const { NorthflankClient } = await import('./northflank/client.js')
  return syncSecret(new NorthflankClient(options), body, { policy, plan: false, onRead })
}
