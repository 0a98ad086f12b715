// The unreachable-API breaker, driven by hand: when does a batch stop starting
// new definitions, and when does it keep going?
import { describe, expect, it } from '@jest/globals'
import { UnreachableBreaker } from '../../src/northflank/breaker.js'

/** Settles after every pending promise callback has run. */
const flush = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('UnreachableBreaker', () => {
  it('admits while nothing is known, and after any answer', async () => {
    const b = new UnreachableBreaker()
    expect(await b.admit()).toBeUndefined()
    const one = b.enter()
    expect(await b.admit()).toBeUndefined() // in flight, nothing ended yet
    one.unanswered('ECONNRESET')
    one.answered() // a retry got through
    one.leave()
    const two = b.enter()
    two.unanswered('no response within 2.0 s')
    two.leave()
    expect(await b.admit()).toBeUndefined() // this run has had an answer: keep going
  })

  it('stops once every definition in flight got no answer and none ever did', async () => {
    const b = new UnreachableBreaker()
    const flights = [b.enter(), b.enter()]
    flights[0]!.unanswered('no response within 2.0 s')
    flights[0]!.leave()
    // The other one's first attempt has not ended: wait for it rather than guess.
    let verdict: string | undefined | null = null
    void b.admit().then((v) => (verdict = v))
    await flush()
    expect(verdict).toBeNull()
    flights[1]!.unanswered('no response within 2.0 s')
    await flush()
    expect(verdict).toBe('not sent: Northflank did not answer (no response within 2.0 s)')
    // Every later definition is refused at once.
    expect(await b.admit()).toBe('not sent: Northflank did not answer (no response within 2.0 s)')
  })

  it('a waiting admission goes on when an answer arrives instead', async () => {
    const b = new UnreachableBreaker()
    const [first, second] = [b.enter(), b.enter()]
    first.unanswered('ECONNREFUSED')
    first.leave()
    const verdicts: Array<string | undefined> = []
    const waiting = [b.admit(), b.admit()].map((p) => p.then((v) => verdicts.push(v)))
    await flush()
    expect(verdicts).toEqual([])
    second.answered()
    await Promise.all(waiting)
    expect(verdicts).toEqual([undefined, undefined])
  })

  it('a definition that ends before any attempt ended is no evidence either way', async () => {
    const b = new UnreachableBreaker()
    const [configError, hanging] = [b.enter(), b.enter()]
    configError.leave() // e.g. refused before sending
    expect(await b.admit()).toBeUndefined()
    hanging.unanswered('no response within 1.0 s')
    hanging.leave()
    expect(await b.admit()).toBe('not sent: Northflank did not answer (no response within 1.0 s)')
  })
})
