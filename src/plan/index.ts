// The plan: per definition, what a run does, decided from the body it would
// send, what Northflank holds and the conflict policy. Pure, no I/O: read this
// module to learn what the action will do. The client only executes it.
import { diffSecret, formatChange, isWrite } from './diff.js'

export { compare, diffSecret, formatChange, isWrite, type Change } from './diff.js'

/** `on-conflict`: what to do with a secret whose identifier already exists. */
export type ConflictPolicy = 'fail' | 'skip' | 'update'
export const CONFLICT_POLICIES: readonly ConflictPolicy[] = ['fail', 'skip', 'update']

/** Throws for a policy that is none of fail, skip, update (inputs.ts checks the input itself). */
export function checkPolicy(policy: string): asserts policy is ConflictPolicy {
  if (!(CONFLICT_POLICIES as readonly string[]).includes(policy)) {
    throw new Error(`on-conflict must be fail, skip or update (got "${policy}")`)
  }
}

/** What is known about the stored secret with the definition's identifier. */
export type Stored =
  /** Not in the scope (not listed, or GET answered 404). */
  | { state: 'absent' }
  /** Read by GET: the API's `data`. */
  | { state: 'present'; data: unknown }
  /** Listed, contents not read (no policy needed them). */
  | { state: 'listed' }
  /** Not looked at: a single definition with `skip`/`fail` goes straight to POST. */
  | { state: 'unobserved' }

/**
 * - `create`: POST (absent, or not looked at: a 409 then decides by the policy)
 * - `update`: PUT (stored and different, `on-conflict: update`)
 * - `unchanged`: nothing to send (stored equals the body, `?` paths aside)
 * - `exists`: stored, left as it is (`on-conflict: skip`)
 * - `conflict`: stored, and `on-conflict: fail` fails
 */
export type Action = 'create' | 'update' | 'unchanged' | 'exists' | 'conflict'

export interface Plan {
  action: Action
  /**
   * The changed paths (`~ description`, `+ secrets.values.KEY`,
   * `? secrets.values.JWT`): every field for a create, the differences for a
   * stored secret that was read; undefined when the stored secret was not read.
   */
  changes?: string[]
}

/** Decides what to do with one definition. `body` is exactly what would be sent. */
export function planSecret(body: object, stored: Stored, policy: ConflictPolicy): Plan {
  checkPolicy(policy)
  switch (stored.state) {
    case 'absent':
    case 'unobserved':
      return {
        action: 'create',
        changes: stored.state === 'absent' ? diffSecret(body, {}).map(formatChange) : undefined
      }
    case 'listed':
      // Without the contents only the policy can decide; `update` always reads them.
      return { action: policy === 'skip' ? 'exists' : policy === 'fail' ? 'conflict' : 'update' }
    case 'present': {
      const found = diffSecret(body, stored.data)
      const changes = found.map(formatChange)
      const differs = found.some(isWrite)
      if (policy === 'fail') return { action: 'conflict', changes }
      if (!differs) return { action: 'unchanged', changes }
      return { action: policy === 'skip' ? 'exists' : 'update', changes }
    }
  }
}

/** True when `stored` holds exactly what `body` would write (`?` paths aside). */
export function matches(body: object, stored: unknown): boolean {
  return !diffSecret(body, stored).some(isWrite)
}
