// The apply stage: sends what the plan decided for one definition, and only
// that. A POST that meets 409 (another run created the secret meanwhile, or an
// earlier attempt whose answer was lost did) re-reads and re-plans.
import type { SecretRequests } from './northflank/client.js'
import { readSecret } from './observe.js'
import {
  diffSecret,
  formatChange,
  matches,
  planSecret,
  type ConflictPolicy,
  type Plan,
  type Stored
} from './plan/index.js'

export type AppliedOutcome = 'created' | 'updated' | 'unchanged' | 'exists'

export interface Applied {
  outcome: AppliedOutcome
  /** The API's `data` (created, updated, or the stored secret when unchanged). */
  data?: unknown
  changes?: string[]
}

export interface ApplyContext {
  body: object
  /** The identifier derived from the body's name. */
  id: string
  policy: ConflictPolicy
  onRead: (data: unknown) => void
}

const LOST_ANSWER_CHECK =
  'While checking whether an earlier POST whose answer was lost had created the secret'

export async function applyPlan(
  requests: SecretRequests,
  plan: Plan,
  stored: Stored,
  ctx: ApplyContext
): Promise<Applied> {
  switch (plan.action) {
    case 'create':
      return create(requests, plan, ctx)
    case 'update':
      return { outcome: 'updated', data: await requests.put(), changes: plan.changes }
    case 'unchanged':
      return {
        outcome: 'unchanged',
        data: stored.state === 'present' ? stored.data : undefined,
        changes: plan.changes
      }
    case 'exists':
      return { outcome: 'exists', changes: plan.changes }
    case 'conflict':
      throw requests.conflictError(nameOf(ctx.body), ctx.id)
  }
}

async function create(requests: SecretRequests, plan: Plan, ctx: ApplyContext): Promise<Applied> {
  const posted = await requests.post()
  if (posted.kind === 'created') {
    return { outcome: 'created', data: posted.data, changes: createChanges(ctx.body, plan) }
  }
  const { reply, answerLost } = posted
  if (!answerLost && ctx.policy !== 'update') {
    // Today's handling of a 409: the policy decides without reading.
    if (ctx.policy === 'skip') return { outcome: 'exists' }
    throw requests.conflictError(nameOf(ctx.body), ctx.id, reply)
  }

  if (answerLost) {
    requests.debug('an earlier POST got no answer and the retry got 409: reading the stored secret')
  } else {
    requests.debug('POST met 409 (created meanwhile?): reading the stored secret to compare')
  }
  let stored: Stored
  try {
    stored = await readSecret(
      requests,
      ctx.id,
      ctx.onRead,
      answerLost ? LOST_ANSWER_CHECK : undefined
    )
  } catch (error) {
    // Only the lost-answer check may end in "cannot tell"; `update` needs the contents.
    if (ctx.policy === 'update' || !answerLost || !isHttpFailure(error)) throw error
    requests.debug('the stored secret could not be read: cannot tell whether it is ours')
    stored = { state: 'listed' }
  }

  if (answerLost && stored.state === 'present' && matches(ctx.body, stored.data)) {
    // The lost answer was the create: it is ours whatever the policy says.
    return { outcome: 'created', data: stored.data, changes: createChanges(ctx.body, plan) }
  }
  if (answerLost && stored.state === 'present') {
    requests.debug('the stored secret differs from this definition: not ours')
  }
  if (stored.state === 'absent' && ctx.policy !== 'update') {
    // 409, then 404: it was deleted in between, so nothing holds the identifier now. One more
    // POST creates it, or meets whoever took the identifier meanwhile (then the policy decides).
    requests.debug('the secret was gone when read back: sending POST again')
    const again = await requests.post()
    if (again.kind === 'created') {
      return { outcome: 'created', data: again.data, changes: createChanges(ctx.body, plan) }
    }
    if (ctx.policy === 'skip') return { outcome: 'exists' }
    throw requests.conflictError(nameOf(ctx.body), ctx.id, again.reply)
  }
  if (ctx.policy === 'skip') return { outcome: 'exists' }
  if (ctx.policy === 'fail') {
    const lost = stored.state === 'present' ? 'differs' : 'unknown'
    throw requests.conflictError(nameOf(ctx.body), ctx.id, reply, lost)
  }
  if (stored.state !== 'present') {
    // 409, then 404: it was deleted in between. PUT creates or replaces either way.
    requests.debug('the secret was gone when read back: sending PUT')
    return {
      outcome: 'updated',
      data: await requests.put(),
      changes: createChanges(ctx.body, plan)
    }
  }
  const again = planSecret(ctx.body, stored, 'update')
  return applyPlan(requests, again, stored, ctx)
}

/** A create's changes: every field it sets (known even when nothing was read). */
function createChanges(body: object, plan: Plan): string[] {
  return plan.changes ?? diffSecret(body, {}).map(formatChange)
}

function isHttpFailure(error: unknown): boolean {
  return error instanceof Error && (error as { kind?: unknown }).kind === 'http'
}

function nameOf(body: object): string | undefined {
  const name = (body as { name?: unknown }).name
  return typeof name === 'string' ? name : undefined
}
