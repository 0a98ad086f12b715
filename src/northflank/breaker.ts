// Stops a batch from starting new definitions when Northflank is clearly
// unreachable: no request of this run got an answer, and every definition in
// flight has seen its attempts end in network errors or time-outs. Without it,
// 50 definitions against a hanging API at concurrency 8 take 50/8 budgets (13
// minutes at the default 60 s), and the job's timeout kills the step before it
// writes a summary. Shared by the batch like the rate gate; one per run.

/** What one definition's requests report to the breaker (ClientOptions.reachability). */
export interface ReachabilityProbe {
  /** An HTTP answer of any status came back: something answers at api-url. */
  answered(): void
  /** An attempt ended without an answer (network error or time-out), described briefly. */
  unanswered(cause: string): void
}

interface Flight {
  /** At least one attempt of this definition has ended. */
  settled: boolean
}

export class UnreachableBreaker {
  private answeredAny = false
  private cause: string | undefined
  private readonly flights = new Set<Flight>()
  private waiters: Array<() => void> = []

  /**
   * Before a definition starts: undefined to send it, or the reason it is not sent.
   * While the evidence is incomplete (no answer yet, but a definition in flight has
   * not seen any attempt end), it waits for the next attempt to end.
   */
  async admit(): Promise<string | undefined> {
    for (;;) {
      if (this.answeredAny || this.cause === undefined) return undefined
      if ([...this.flights].every((f) => f.settled)) {
        return `not sent: Northflank did not answer (${this.cause})`
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  /** A definition starts sending: its probe reports what its attempts get; `leave()` when done. */
  enter(): ReachabilityProbe & { leave(): void } {
    const flight: Flight = { settled: false }
    this.flights.add(flight)
    return {
      answered: () => {
        flight.settled = true
        this.answeredAny = true
        this.notify()
      },
      unanswered: (cause) => {
        flight.settled = true
        this.cause = cause
        this.notify()
      },
      leave: () => {
        this.flights.delete(flight)
        this.notify()
      }
    }
  }

  private notify(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}
