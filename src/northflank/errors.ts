// Errors of the Northflank client. Messages are shown to users as they are, so
// they never contain the API token, a request body or a secret value.

export type NorthflankErrorKind = 'config' | 'http' | 'network' | 'timeout' | 'conflict'

export interface NorthflankErrorInit {
  kind: NorthflankErrorKind
  status?: number
  errorId?: string
  details?: unknown
  /** Network error code of the last attempt, e.g. `ECONNRESET` or `timeout`. */
  code?: string
  attempts?: number
  elapsedMs?: number
  statuses?: number[]
  trail?: string[]
  /** A write (POST or PUT) whose answer was lost: it may have been applied all the same. */
  maybeApplied?: boolean
}

export class NorthflankError extends Error {
  readonly kind: NorthflankErrorKind
  /** HTTP status of the response that decided the failure, if any. */
  readonly status?: number
  /** Northflank's error id (`error.id` of the body), for support requests. */
  readonly errorId?: string
  /** Northflank's `error.details`, with secret values redacted. */
  readonly details?: unknown
  readonly code?: string
  /** Requests sent for this definition (all methods). */
  readonly attempts: number
  readonly elapsedMs: number
  /** HTTP statuses received, in order (network failures have none). */
  readonly statuses: number[]
  /** One entry per attempt: a status or a network error code, e.g. `['503', 'ECONNRESET']`. */
  readonly trail: string[]
  /** A write whose answer was lost: the secret may have been created or replaced anyway. */
  readonly maybeApplied: boolean

  constructor(message: string, init: NorthflankErrorInit) {
    super(message)
    this.name = 'NorthflankError'
    this.kind = init.kind
    this.status = init.status
    this.errorId = init.errorId
    this.details = init.details
    this.code = init.code
    this.attempts = init.attempts ?? 0
    this.elapsedMs = init.elapsedMs ?? 0
    this.statuses = init.statuses ?? []
    this.trail = init.trail ?? []
    this.maybeApplied = init.maybeApplied ?? false
  }

  /** The same failure with another message (and any field changed), e.g. with context added. */
  withMessage(message: string, changed: Partial<NorthflankErrorInit> = {}): NorthflankError {
    return new NorthflankError(message, {
      kind: this.kind,
      status: this.status,
      errorId: this.errorId,
      details: this.details,
      code: this.code,
      attempts: this.attempts,
      elapsedMs: this.elapsedMs,
      statuses: this.statuses,
      trail: this.trail,
      maybeApplied: this.maybeApplied,
      ...changed
    })
  }
}
