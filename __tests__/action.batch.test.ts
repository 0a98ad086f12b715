// Several definitions in one run (bundled action): order, bounded concurrency,
// all-or-nothing validation, partial failure reporting, shared rate limits.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { StandIn } from '../tools/northflank-stand-in.js'
import { useStandIn } from './helpers/stand-in.js'
import { runAction, type ActionRun } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'batch-token-19fe'
const def = (name: string, type = 'config'): string => `name: ${name}\ntype: ${type}\n`

interface Result {
  name: string | null
  id: string | null
  outcome: string
  file: string | null
}
const resultsOf = (run: ActionRun): Result[] => JSON.parse(run.outputs.results ?? '[]') as Result[]
const errorsOf = (run: ActionRun): { message: string; file?: string; line?: number }[] =>
  run.annotations.filter((a) => a.level === 'error')

describe('batches (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  const run = (files: string, inputs: Record<string, string> = {}, env = {}): Promise<ActionRun> =>
    runAction(
      { file: files, 'api-url': api.url, 'api-token': TOKEN, 'timeout-seconds': '20', ...inputs },
      { workspace: ws.dir, env }
    )

  it('processes globs, YAML documents and JSON arrays in a stable order', async () => {
    ws = makeWorkspace({
      'secrets/b.yaml': `${def('Bravo One')}---\n${def('Bravo Two')}`,
      'secrets/a.yaml': def('Alpha'),
      'secrets/nested/c.yml': def('Charlie'),
      'other/list.json': JSON.stringify([
        { name: 'Delta', type: 'secret' },
        { name: 'Echo', type: 'config' }
      ])
    })
    const result = await run('secrets/**/*.y*ml\nother/list.json', { concurrency: '3' })
    expect(errorsOf(result)).toEqual([])
    expect(result.code).toBe(0)
    expect(resultsOf(result)).toEqual([
      { name: 'Alpha', id: 'alpha', outcome: 'created', file: 'secrets/a.yaml' },
      { name: 'Bravo One', id: 'bravo-one', outcome: 'created', file: 'secrets/b.yaml' },
      { name: 'Bravo Two', id: 'bravo-two', outcome: 'created', file: 'secrets/b.yaml' },
      { name: 'Charlie', id: 'charlie', outcome: 'created', file: 'secrets/nested/c.yml' },
      { name: 'Delta', id: 'delta', outcome: 'created', file: 'other/list.json' },
      { name: 'Echo', id: 'echo', outcome: 'created', file: 'other/list.json' }
    ])
    // Single-value outputs describe one definition only.
    expect(Object.keys(result.outputs)).toEqual(['results', 'has-changes'])
    expect(result.summary).toContain('6 definitions: 6 created')
    // The notice for the second YAML document points at its own line.
    const bravoTwo = result.annotations.find(
      (a) => a.level === 'notice' && /Bravo Two/.test(a.message)
    )
    expect(bravoTwo).toMatchObject({ file: 'secrets/b.yaml', line: 4 })
  })

  it('never has more than `concurrency` requests in flight', async () => {
    ws = makeWorkspace(
      Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`secrets/s${i}.yaml`, def(`Secret ${i}`)])
      )
    )
    api.setLatency(150)
    const result = await run('secrets/*.yaml', { concurrency: '3' })
    expect(result.code).toBe(0)
    // One list page, then 12 creates.
    expect(api.counts()).toMatchObject({ list: 1, POST: 12, total: 13 })
    expect(api.peakInFlight).toBe(3)
    // The list, then 12 requests, 3 at a time, 150 ms each: at least 5 rounds.
    expect(result.elapsedMs).toBeGreaterThanOrEqual(750)
  })

  it('continues past a failed definition, reports each outcome and fails at the end', async () => {
    ws = makeWorkspace({
      'secrets/a.yaml': def('Alpha'),
      'secrets/b.yaml': def('Bravo'),
      'secrets/c.yaml': def('Charlie')
    })
    api.seed({ name: 'Bravo', type: 'config' })
    const result = await run('secrets/*.yaml', { concurrency: '1' })
    expect(result.code).toBe(1)
    expect(resultsOf(result).map((r) => r.outcome)).toEqual(['created', 'failed', 'created'])
    // Bravo was listed: it fails without a POST.
    expect(api.counts()).toMatchObject({ list: 1, POST: 2, total: 3 })
    const errors = errorsOf(result)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ file: 'secrets/b.yaml', line: 1 })
    expect(errors[0]!.message).toMatch(/bravo/)
    expect(result.summary).toContain('3 definitions: 2 created, 1 failed')
    expect(result.summary).toMatch(/Failures[\s\S]*Bravo/)
    expect(result.stdout).toMatch(/1 of 3 definitions failed; the others were applied/)
  })

  it('sends nothing when any definition is invalid, and annotates every problem in every file', async () => {
    ws = makeWorkspace({
      'secrets/a.yaml': def('Alpha'),
      'secrets/b.yaml': 'name: B\ntype: secret\n',
      'secrets/c.yaml': 'name: Charlie\ntype: plain\n'
    })
    const result = await run('secrets/*.yaml')
    expect(result.code).toBe(1)
    expect(api.requests).toHaveLength(0)
    const errors = errorsOf(result)
    expect(errors.map((e) => `${e.file}:${e.line}`)).toEqual([
      'secrets/b.yaml:1',
      'secrets/c.yaml:2'
    ])
    // Every outcome agrees with the failed step; the valid one says so, and names itself, as does
    // Charlie, whose name is valid although its type is not.
    expect(resultsOf(result)).toEqual([
      { name: 'Alpha', id: 'alpha', outcome: 'failed', file: 'secrets/a.yaml' },
      { name: null, id: null, outcome: 'failed', file: 'secrets/b.yaml' },
      { name: 'Charlie', id: 'charlie', outcome: 'failed', file: 'secrets/c.yaml' }
    ])
    expect(result.summary).toMatch(/Nothing was sent to Northflank/)
    expect(result.summary).toContain(
      '<code>Alpha</code>: valid, but nothing was sent: other definitions or files have errors (see annotations)'
    )
    expect(result.summary).toContain('<code>Charlie</code>: invalid definition (see annotations)')
    expect(result.stdout).toMatch(/^failed {4}Charlie \(charlie\) from secrets\/c\.yaml$/m)
  })

  it('refuses two definitions that derive the same identifier, naming both places', async () => {
    ws = makeWorkspace({
      'secrets/a.yaml': def('My Secret'),
      'secrets/b.yaml': `type: config\nname: my-secret\n`
    })
    const result = await run('secrets/*.yaml')
    expect(result.code).toBe(1)
    expect(api.requests).toHaveLength(0)
    const [error] = errorsOf(result)
    expect(error).toMatchObject({ file: 'secrets/b.yaml', line: 2 })
    expect(error!.message).toMatch(/my-secret/)
    expect(error!.message).toMatch(/secrets\/a\.yaml:1/)
  })

  it('refuses name/description/type overrides with more than one definition', async () => {
    ws = makeWorkspace({ 'secrets/a.yaml': def('Alpha'), 'secrets/b.yaml': def('Bravo') })
    const result = await run('secrets/*.yaml', { description: 'Same for all' })
    expect(result.code).toBe(1)
    expect(errorsOf(result).map((e) => e.message)).toEqual([
      expect.stringMatching(/override one definition, but this run holds 2/)
    ])
    expect(api.requests).toHaveLength(0)
  })

  it('puts each values-from-env entry only into the definition it names', async () => {
    ws = makeWorkspace({ 'secrets/a.yaml': def('Alpha'), 'secrets/b.yaml': def('Bravo', 'secret') })
    const result = await run(
      'secrets/*.yaml',
      { 'values-from-env': 'bravo:PASSWORD=PW_VAR' },
      { PW_VAR: 'batch-password-31x' }
    )
    expect(result.code).toBe(0)
    const bodies = Object.fromEntries(
      api.requests
        .filter((r) => r.method === 'POST')
        .map((r) => [(r.body as { name: string }).name, r.body])
    )
    expect(bodies.Alpha).toEqual({ name: 'Alpha', type: 'config' })
    expect(bodies.Bravo).toEqual({
      name: 'Bravo',
      type: 'secret',
      secrets: { values: { PASSWORD: 'batch-password-31x' } }
    })
    expect(result.everything).not.toContain('batch-password-31x')
  })

  it('refuses an unscoped values-from-env entry with several definitions', async () => {
    ws = makeWorkspace({ 'secrets/a.yaml': def('Alpha'), 'secrets/b.yaml': def('Bravo') })
    const result = await run(
      'secrets/*.yaml',
      { 'values-from-env': 'PASSWORD=PW_VAR' },
      { PW_VAR: 'x1' }
    )
    expect(result.code).toBe(1)
    expect(errorsOf(result).map((e) => e.message)).toEqual([
      expect.stringMatching(/names no definition, but this run holds 2; prefix it/)
    ])
    expect(api.requests).toHaveLength(0)
  })

  it('makes every request wait when one sees the rate limit run out', async () => {
    ws = makeWorkspace(
      Object.fromEntries(
        Array.from({ length: 10 }, (_, i) => [`secrets/s${i}.yaml`, def(`Limited ${i}`)])
      )
    )
    // The list page and 5 POSTs fit the first window, the other 5 POSTs the second.
    api.setRateLimit(6, 1500)
    api.setLatency(20)
    const result = await run('secrets/*.yaml', { concurrency: '4' })
    expect(errorsOf(result)).toEqual([])
    expect(result.code).toBe(0)
    expect(resultsOf(result).every((r) => r.outcome === 'created')).toBe(true)
    // Requests in flight when the window ran out may see one 429 each; nobody hammers.
    expect(api.requests.length).toBeLessThanOrEqual(1 + 10 + 3)
    // Within the first window: the list page and 5 POSTs, and at most the 3 others that were in
    // flight when the 6th answer said the limit was spent. Everything else waited for the reset
    // (by the stand-in's clock, however slowly a busy machine sent the first ones).
    const windowStart = api.requests[0]!.at
    const firstWindow = api.requests.filter((r) => r.at - windowStart < 1_500 - 50)
    expect(firstWindow.length).toBeLessThanOrEqual(6 + 3)
    expect(api.requests.length - firstWindow.length).toBeGreaterThanOrEqual(11 - 6)
  })
})
