// A batch against an API that does not answer stops starting new definitions
// (bundled action): the step ends within a few budgets instead of 40/4 of them,
// writes its summary, accounts for every definition and fails. A batch whose
// API answers some requests keeps going.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { StandIn } from '../tools/northflank-stand-in.js'
import type { ActionRun } from '../tools/run-action.js'
import { useStandIn } from './helpers/stand-in.js'
import { budgetBound, runActionTimed } from './helpers/timing.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'unreachable-token-7c1e'
const def = (name: string): string => `name: ${name}\ntype: config\n`
const resultsOf = (run: ActionRun): Array<{ name: string; outcome: string }> =>
  JSON.parse(run.outputs.results ?? '[]') as Array<{ name: string; outcome: string }>

describe('an API that does not answer (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  const workspaceOf = (n: number): Workspace =>
    makeWorkspace(
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `secrets/s${String(i).padStart(2, '0')}.yaml`,
          def(`Unreached ${i}`)
        ])
      )
    )

  /** The batch as every test here runs it: a 2 s budget per definition, 4 at once. */
  const runBatch = (): ReturnType<typeof runActionTimed> =>
    runActionTimed(
      {
        file: 'secrets/*.yaml',
        'api-url': api.url,
        'api-token': TOKEN,
        'timeout-seconds': '2',
        concurrency: '4'
      },
      { workspace: ws.dir }
    )

  it('40 definitions, hanging API, timeout-seconds 2, concurrency 4: ends within 3 budgets', async () => {
    // The list page is answered; then every POST, and every read a lost POST answer leads to,
    // hangs (Northflank went away after the listing).
    const hangs = (): Array<{ kind: 'hang' }> =>
      Array.from({ length: 200 }, () => ({ kind: 'hang' }))
    api.injectFaults({ method: 'POST' }, hangs())
    api.injectFaults({ method: 'GET', path: /\/secrets\/[^/?]+$/ }, hangs())
    ws = workspaceOf(40)
    const timed = await runBatch()
    const { run } = timed
    expect(run.code).toBe(1)
    // Within 3 x timeout-seconds after the first request (start-up measured apart).
    const t = budgetBound(timed, api.requests[0]!.at, 3 * 2_000)
    expect(t.afterFirstRequestMs).toBeLessThan(t.boundMs)
    // Only the first definitions were sent (one attempt each fills the budget).
    expect(api.requests.length).toBeLessThanOrEqual(8)
    // Every definition is accounted for, in the results and in the summary.
    const results = resultsOf(run)
    expect(results).toHaveLength(40)
    expect(results.every((r) => r.outcome === 'failed')).toBe(true)
    // One error per definition; those not started say why, with the cause seen.
    const errors = run.log.split('\n').filter((l) => l.startsWith('::error '))
    expect(errors).toHaveLength(40)
    const notSent = errors.filter((l) =>
      /::global secret "Unreached \d+" \(unreached-\d+\) from secrets\/s\d+\.yaml: not sent: Northflank did not answer \(no response within \d+\.\d s\)$/.test(
        l
      )
    )
    expect(notSent.length).toBeGreaterThanOrEqual(40 - 8)
    expect(run.summary).toMatch(/40 definitions/)
    expect(run.summary).toContain('not sent: Northflank did not answer')
    // The POSTs that were sent hung: each may have been stored, and the closing line says so.
    const sent = api.requests.filter((r) => r.method === 'POST').length
    expect(run.log).toContain(
      `All 40 definitions failed (see the summary). ${sent} of them may have been applied all the same`
    )
    expect(run.log).not.toContain('the others were applied')
    expect(run.stderr).toBe('')
  })

  it('40 definitions, the list itself hangs: one budget, one error, every definition failed', async () => {
    api.injectFaults({ method: 'GET' }, [{ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }])
    ws = workspaceOf(40)
    const timed = await runBatch()
    const { run } = timed
    expect(run.code).toBe(1)
    const t = budgetBound(timed, api.requests[0]!.at, 2_000)
    expect(t.afterFirstRequestMs).toBeLessThan(t.boundMs)
    expect(api.requests.every((r) => r.method === 'GET')).toBe(true)
    const errors = run.log.split('\n').filter((l) => l.startsWith('::error'))
    expect(errors).toEqual([expect.stringMatching(/the existing secrets could not be listed: /)])
    const results = resultsOf(run)
    expect(results).toHaveLength(40)
    expect(results.every((r) => r.outcome === 'failed')).toBe(true)
    expect(run.summary).toContain('Nothing was sent to Northflank')
  })

  it('a batch where some requests are answered keeps going', async () => {
    // The first POST hangs for its whole budget; every other one is answered.
    api.injectFaults({ method: 'POST' }, [{ kind: 'hang' }])
    ws = workspaceOf(12)
    const { run } = await runBatch()
    const outcomes = resultsOf(run).map((r) => r.outcome)
    expect(outcomes).toHaveLength(12)
    // The hung one retried within its budget (a hung POST may have been stored) or failed;
    // nothing was refused as unreachable.
    expect(outcomes.filter((o) => o === 'created').length).toBeGreaterThanOrEqual(11)
    expect(run.log).not.toContain('not sent: Northflank did not answer')
  })
})
