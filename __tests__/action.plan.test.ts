// Observe → plan → apply through the bundled action: the requests each run
// sends (counted per method at the stand-in, for every row of the numbers table
// in README "Requests per run"), the plan input, outcomes, changes, has-changes,
// and that values read back from Northflank never leak.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { StandIn } from '../tools/northflank-stand-in.js'
import { useStandIn } from './helpers/stand-in.js'
import { runAction, type ActionRun } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'plan-token-7c21e9'

interface Result {
  name: string | null
  id: string | null
  outcome: string
  file: string | null
  changes?: string[]
}
const resultsOf = (run: ActionRun): Result[] => JSON.parse(run.outputs.results ?? '[]') as Result[]

/** N definitions in one multi-document file: `Secret 0` … `Secret N-1`, each with one value. */
function definitions(n: number, value = (i: number) => `value-${i}`): string {
  return Array.from(
    { length: n },
    (_, i) => `name: Secret ${i}\ntype: config\nsecrets:\n  values:\n    KEY: ${value(i)}\n`
  ).join('---\n')
}

function seedAll(api: StandIn, n: number, value = (i: number) => `value-${i}`): void {
  for (let i = 0; i < n; i++) {
    api.seed({ name: `Secret ${i}`, type: 'config', secrets: { values: { KEY: value(i) } } })
  }
}

describe('observe, plan, apply (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN], teams: ['platform'] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  const run = (text: string, inputs: Record<string, string> = {}): Promise<ActionRun> => {
    ws?.remove()
    ws = makeWorkspace({ 'secrets/all.yaml': text })
    return runAction(
      {
        file: 'secrets/all.yaml',
        'api-url': api.url,
        'api-token': TOKEN,
        'timeout-seconds': '30',
        concurrency: '8',
        ...inputs
      },
      { workspace: ws.dir, debug: false }
    )
  }

  describe('requests per run: the numbers table (L = ⌈N/100⌉ list pages)', () => {
    it.each(['fail', 'skip', 'update'])(
      'first run, on-conflict %s: at most N + L requests (150 definitions: 1 empty list page, 150 POSTs)',
      async (policy) => {
        const result = await run(definitions(150), { 'on-conflict': policy })
        expect(result.code).toBe(0)
        // An empty scope is one list page; the bound is N + L = 152.
        expect(api.counts()).toMatchObject({ list: 1, read: 0, POST: 150, PUT: 0, total: 151 })
        expect(resultsOf(result).every((r) => r.outcome === 'created')).toBe(true)
        expect(result.outputs['has-changes']).toBe('true')
        expect(api.requests.filter((r) => r.method === 'GET').map((r) => r.path)[0]).toBe(
          '/v1/secrets?per_page=100'
        )
      }
    )

    it('rerun, nothing changed, skip: L requests, no POST, every definition exists', async () => {
      seedAll(api, 150)
      const result = await run(definitions(150), { 'on-conflict': 'skip' })
      expect(result.code).toBe(0)
      expect(api.counts()).toMatchObject({ list: 2, writes: 0, total: 2 })
      expect(resultsOf(result).every((r) => r.outcome === 'exists')).toBe(true)
      expect(result.outputs['has-changes']).toBe('false')
    })

    it('rerun, nothing changed, fail: L requests, no POST, each fails with the conflict message', async () => {
      seedAll(api, 3)
      const result = await run(definitions(3))
      expect(result.code).toBe(1)
      expect(api.counts()).toMatchObject({ list: 1, writes: 0, total: 1 })
      const errors = result.annotations.filter((a) => a.level === 'error')
      expect(errors).toHaveLength(3)
      expect(errors[0]!.message).toMatch(
        /"secret-0".*already exists \(listed by the API; nothing was sent\).*on-conflict: skip.*on-conflict: update/
      )
    })

    it('rerun, nothing changed, update: N + L requests, 0 writes, every definition unchanged', async () => {
      seedAll(api, 150)
      const result = await run(definitions(150), { 'on-conflict': 'update' })
      expect(result.code).toBe(0)
      expect(api.counts()).toMatchObject({ list: 2, read: 150, writes: 0, total: 152 })
      const results = resultsOf(result)
      expect(results.every((r) => r.outcome === 'unchanged')).toBe(true)
      expect(results.every((r) => r.changes?.length === 0)).toBe(true)
      expect(result.outputs['has-changes']).toBe('false')
      expect(result.summary).toContain('150 definitions: 150 unchanged')
    })

    it('rerun, k = 3 of 150 changed, update: N + k + L requests, exactly k PUTs', async () => {
      seedAll(api, 150)
      const changed = new Set([4, 77, 149])
      const result = await run(
        definitions(150, (i) => (changed.has(i) ? `new-value-${i}` : `value-${i}`)),
        { 'on-conflict': 'update' }
      )
      expect(result.code).toBe(0)
      expect(api.counts()).toMatchObject({ list: 2, read: 150, PUT: 3, POST: 0, total: 155 })
      const results = resultsOf(result)
      expect(results.filter((r) => r.outcome === 'updated').map((r) => r.id)).toEqual([
        'secret-4',
        'secret-77',
        'secret-149'
      ])
      expect(results[4]!.changes).toEqual(['~ secrets.values.KEY'])
      expect(api.secrets().get('secret-77')!.secrets!.values!.KEY).toBe('new-value-77')
      expect(result.outputs['has-changes']).toBe('true')
    })

    it('plan: N + L requests (reads only what is listed), 0 writes', async () => {
      seedAll(api, 120)
      const result = await run(definitions(150), { plan: 'true', 'on-conflict': 'update' })
      expect(result.code).toBe(0)
      expect(api.counts()).toMatchObject({ list: 2, read: 120, writes: 0, total: 122 })
      const outcomes = resultsOf(result).map((r) => r.outcome)
      expect(outcomes.filter((o) => o === 'unchanged')).toHaveLength(120)
      expect(outcomes.filter((o) => o === 'create')).toHaveLength(30)
    })

    it('a single definition skips the list: skip/fail POST straight, update reads by identifier', async () => {
      const first = await run(definitions(1), { 'on-conflict': 'skip' })
      expect(first.outputs.outcome).toBe('created')
      expect(api.counts()).toMatchObject({ list: 0, read: 0, POST: 1, total: 1 })
      api.reset()
      seedAll(api, 1)
      const again = await run(definitions(1), { 'on-conflict': 'skip' })
      expect(again.outputs.outcome).toBe('exists')
      expect(api.counts()).toMatchObject({ POST: 1, total: 1 }) // today's 409 handling
      api.reset()
      seedAll(api, 1)
      const update = await run(definitions(1), { 'on-conflict': 'update' })
      expect(update.outputs.outcome).toBe('unchanged')
      expect(api.counts()).toMatchObject({ list: 0, read: 1, writes: 0, total: 1 })
      api.reset()
      const created = await run(definitions(1), { 'on-conflict': 'update' })
      expect(created.outputs.outcome).toBe('created')
      expect(api.counts()).toMatchObject({ read: 1, POST: 1, total: 2 }) // GET 404 → absent
    })

    it('uses the team path for the list and the reads when team-id is set', async () => {
      for (let i = 0; i < 2; i++) {
        api.seed(
          { name: `Secret ${i}`, type: 'config', secrets: { values: { KEY: `value-${i}` } } },
          'platform'
        )
      }
      const result = await run(definitions(2), { 'team-id': 'platform', 'on-conflict': 'update' })
      expect(result.code).toBe(0)
      expect(api.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
        'GET /v1/teams/platform/secrets/secret-0',
        'GET /v1/teams/platform/secrets/secret-1',
        'GET /v1/teams/platform/secrets?per_page=100'
      ])
    })
  })

  describe('plan input', () => {
    const PLAN_DEFS = [
      'name: Fresh One\ntype: config\nsecrets:\n  values:\n    A: "1"\n',
      'name: Same One\ntype: config\nsecrets:\n  values:\n    A: "1"\n',
      'name: Changed One\ndescription: New text\ntype: config\nsecrets:\n  values:\n    SMTP_HOST: smtp.example.com\n    KEEP: "1"\n'
    ].join('---\n')
    const seedPlan = (): void => {
      api.seed({ name: 'Same One', type: 'config', secrets: { values: { A: '1' } } })
      api.seed({
        name: 'Changed One',
        description: 'Old text',
        type: 'config',
        secrets: { values: { KEEP: '1', OLD_KEY: 'x' } }
      })
    }

    it('update policy: create, unchanged, update with changed paths; sends only GETs; succeeds', async () => {
      seedPlan()
      const result = await run(PLAN_DEFS, { plan: 'true', 'on-conflict': 'update' })
      expect(result.code).toBe(0)
      expect(api.counts()).toMatchObject({ list: 1, read: 2, writes: 0 })
      expect(resultsOf(result)).toEqual([
        expect.objectContaining({
          id: 'fresh-one',
          outcome: 'create',
          changes: ['+ name', '+ type', '+ secrets.values.A']
        }),
        expect.objectContaining({ id: 'same-one', outcome: 'unchanged', changes: [] }),
        expect.objectContaining({
          id: 'changed-one',
          outcome: 'update',
          changes: ['~ description', '+ secrets.values.SMTP_HOST', '- secrets.values.OLD_KEY']
        })
      ])
      expect(result.outputs['has-changes']).toBe('true')
      // The summary a reviewer reads: the action and the changed paths of each definition.
      expect(result.summary).toContain('Northflank global secrets (plan)')
      expect(result.summary).toMatch(
        /✏️ update<\/td><td><code>~ description<\/code><br><code>\+ secrets\.values\.SMTP&#95;HOST<\/code>/
      )
      expect(result.summary).toContain('3 definitions: 1 create, 1 unchanged, 1 update')
      expect(result.stdout).toContain('Plan: nothing was changed in Northflank.')
      expect(api.secrets().get('changed-one')!.description).toBe('Old text')
    })

    it('skip and fail policies: exists and conflict, and a plan with conflicts still succeeds', async () => {
      seedPlan()
      const skip = await run(PLAN_DEFS, { plan: 'true', 'on-conflict': 'skip' })
      expect(skip.code).toBe(0)
      expect(resultsOf(skip).map((r) => r.outcome)).toEqual(['create', 'unchanged', 'exists'])
      api.reset()
      seedPlan()
      const fail = await run(PLAN_DEFS, { plan: 'true' })
      expect(fail.code).toBe(0)
      expect(resultsOf(fail).map((r) => r.outcome)).toEqual(['create', 'conflict', 'conflict'])
      expect(resultsOf(fail)[2]!.changes).toContain('~ description')
      expect(api.counts().writes).toBe(0)
      const warnings = fail.annotations.filter((a) => a.level === 'warning')
      expect(warnings).toHaveLength(2)
      expect(warnings[0]!.message).toMatch(/would fail.*on-conflict: skip/)
      expect(fail.annotations.filter((a) => a.level === 'error')).toEqual([])
    })

    it('nothing to change: has-changes is false', async () => {
      seedAll(api, 2)
      const result = await run(definitions(2), { plan: 'true', 'on-conflict': 'update' })
      expect(result.code).toBe(0)
      expect(result.outputs['has-changes']).toBe('false')
    })

    it('fails only when Northflank cannot be read', async () => {
      const result = await run(definitions(2), { plan: 'true', 'api-token': 'wrong-token' })
      expect(result.code).toBe(1)
      const errors = result.annotations.filter((a) => a.level === 'error')
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toMatch(/could not be listed.*HTTP 401/)
      expect(api.counts()).toMatchObject({ list: 1, total: 1 })
    })

    it('dry-run and plan together is an input error; plan needs the token', async () => {
      const both = await run(definitions(1), { plan: 'true', 'dry-run': 'true' })
      expect(both.code).toBe(1)
      expect(both.annotations.map((a) => a.message)).toEqual([
        expect.stringMatching(/^Inputs "dry-run" and "plan" are both true; set one/)
      ])
      const noToken = await run(definitions(1), { plan: 'true', 'api-token': '' })
      expect(noToken.code).toBe(1)
      expect(noToken.annotations[0]!.message).toMatch(/a plan reads Northflank and needs the token/)
      expect(api.counts().total).toBe(0)
    })
  })

  describe('expressions are not changes', () => {
    it('a stored value evaluated from ${...} is "?", and alone never causes a PUT', async () => {
      const text =
        'name: Jwt Keys\ntype: secret\nsecrets:\n  values:\n    JWT_SECRET: ${fn.randomSecret(32)}\n'
      api.seed({
        name: 'Jwt Keys',
        type: 'secret',
        secrets: { values: { JWT_SECRET: 'evaluated-9f3a1c77b2' } }
      })
      const result = await run(`${text}---\nname: Other\ntype: config\n`, {
        'on-conflict': 'update'
      })
      expect(result.code).toBe(0)
      expect(resultsOf(result)[0]).toMatchObject({
        outcome: 'unchanged',
        changes: ['? secrets.values.JWT_SECRET']
      })
      expect(api.counts()).toMatchObject({ PUT: 0, POST: 1 })
      expect(api.secrets().get('jwt-keys')!.secrets!.values!.JWT_SECRET).toBe(
        'evaluated-9f3a1c77b2'
      )
    })
  })

  describe('a POST that meets 409 (created after the listing) falls back to read-compare', () => {
    const emptyList = {
      kind: 'status' as const,
      status: 200,
      body: { data: { secrets: [] }, pagination: { hasNextPage: false, count: 0 } }
    }
    it('equal: unchanged, no PUT; different: one PUT', async () => {
      seedAll(api, 2, (i) => (i === 0 ? 'value-0' : 'old-value-1'))
      api.injectFaults({ method: 'GET', path: /per_page/ }, [emptyList])
      const result = await run(definitions(2), { 'on-conflict': 'update' })
      expect(result.code).toBe(0)
      expect(resultsOf(result).map((r) => r.outcome)).toEqual(['unchanged', 'updated'])
      expect(api.counts()).toMatchObject({ list: 1, POST: 2, read: 2, PUT: 1 })
    })

    it('skip and fail keep the 409 handling: exists, or the conflict error', async () => {
      seedAll(api, 2)
      api.injectFaults({ method: 'GET', path: /per_page/ }, [emptyList])
      const skip = await run(definitions(2), { 'on-conflict': 'skip' })
      expect(resultsOf(skip).map((r) => r.outcome)).toEqual(['exists', 'exists'])
      expect(api.counts()).toMatchObject({ POST: 2, read: 0, PUT: 0 })
    })
  })

  describe('values read back from Northflank are secrets', () => {
    const STORED = 'stored-value-Hq83kz1'
    const STORED_FILE = 'stored-file-Zp02mmq'
    const DESIRED = 'desired-value-Lw55tyx'
    const text = `name: Keys\ntype: secret\nsecrets:\n  values:\n    API_KEY: ${DESIRED}\n    SAME: same-value-Rr71\n`

    it.each([
      ['plan', { plan: 'true', 'on-conflict': 'update' }],
      ['update', { 'on-conflict': 'update' }]
    ])('%s: masked before use, never in any channel, with debug on', async (_what, inputs) => {
      api.seed({
        name: 'Keys',
        type: 'secret',
        secrets: {
          values: { API_KEY: STORED, SAME: 'same-value-Rr71', GONE: { deep: [STORED_FILE] } }
        }
      })
      ws?.remove()
      ws = makeWorkspace({ 'secrets/all.yaml': text })
      const result = await runAction(
        { file: 'secrets/all.yaml', 'api-url': api.url, 'api-token': TOKEN, ...inputs },
        { workspace: ws.dir, debug: true }
      )
      expect(result.code).toBe(0)
      expect(resultsOf(result)[0]!.changes).toEqual([
        '~ secrets.values.API_KEY',
        '- secrets.values.GONE'
      ])
      const lines = result.stdout.split('\n')
      const masks = lines.filter((l) => l.startsWith('::add-mask::'))
      // Unmasked: what the action itself printed, before the runner's masks.
      const printed = lines.filter((l) => !l.startsWith('::add-mask::')).join('\n')
      for (const value of [STORED, STORED_FILE, DESIRED, 'same-value-Rr71']) {
        expect(masks).toContain(`::add-mask::${value}`)
        expect(printed).not.toContain(value)
        expect(result.stderr).not.toContain(value)
        expect(result.everything).not.toContain(value)
      }
      expect(result.stdout).toMatch(/::debug::/)
      if (result.outputs.response) expect(result.outputs.response).not.toContain(STORED)
    })
  })
})
