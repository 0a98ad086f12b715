// Answers a run must not misread (bundled action): a read of a stored secret that is
// not Northflank's JSON never quotes what it holds; a write whose answer was lost is
// never reported as "nothing was applied"; a 429 that names no wait still backs off;
// a secret deleted between a 409 and the read back is created, not reported `exists`.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { StandIn } from '../tools/northflank-stand-in.js'
import { runAction, type ActionRun } from '../tools/run-action.js'
import { useStandIn } from './helpers/stand-in.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'answers-read-token-61c2'
const STORED = 'Stored-Pa55word-qwerty-8812'
const DESIRED = 'desired-value-xyzzy-5531'
const DEFINITION = JSON.stringify({
  name: 'Service Conf',
  type: 'secret',
  secrets: { values: { KEY: DESIRED } }
})
const storedSecret = { name: 'Service Conf', type: 'secret', secrets: { values: { KEY: STORED } } }

const errorsOf = (run: ActionRun): string[] =>
  run.annotations.filter((a) => a.level === 'error').map((a) => a.message)

/** Every form of a value a channel could carry, searched in everything the run showed. */
function expectNowhere(run: ActionRun, value: string): void {
  for (const form of [
    value,
    Buffer.from(value).toString('base64'),
    JSON.stringify(value).slice(1, -1)
  ]) {
    expect({ form, found: run.everything.includes(form) }).toEqual({ form, found: false })
  }
}

describe('answers a run must not misread (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
    ws = makeWorkspace({ 'secret.json': DEFINITION })
  })
  afterEach(() => ws?.remove())

  const run = (inputs: Record<string, string>): Promise<ActionRun> =>
    runAction(
      { file: 'secret.json', 'api-url': api.url, 'api-token': TOKEN, ...inputs },
      { workspace: ws.dir }
    )

  it.each([
    ['plan', { plan: 'true', 'on-conflict': 'update' }],
    ['update', { 'on-conflict': 'update' }]
  ])(
    '%s: a read answered 200 without "data" fails naming api-url and never quotes the body',
    async (_label, inputs) => {
      api.injectFaults({ method: 'GET' }, [{ kind: 'status', status: 200, body: storedSecret }])
      const result = await run(inputs)
      expect(result.code).toBe(1)
      expect(errorsOf(result)).toEqual([
        expect.stringMatching(
          /^global secret "Service Conf" \(service-conf\) from secret\.json: GET http:\/\/\S+\/v1\/secrets\/service-conf answered HTTP 200 with JSON without a "data" object, not Northflank's JSON answer, so what Northflank holds could not be read\. Check api-url/
        )
      ])
      expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([])
      expectNowhere(result, STORED)
      expectNowhere(result, DESIRED)
    }
  )

  it('a read refused with a body that holds the stored secret quotes none of its values', async () => {
    api.injectFaults({ method: 'GET' }, [
      { kind: 'status', status: 403, body: { data: storedSecret } }
    ])
    const result = await run({ 'on-conflict': 'update' })
    expect(result.code).toBe(1)
    expect(errorsOf(result)).toEqual([expect.stringContaining('HTTP 403')])
    expectNowhere(result, STORED)
  })

  it('a create whose answer is lost past the budget says it may have been applied', async () => {
    // The stand-in stores the secret, then answers after the budget (2 s) has run out.
    api.injectFaults({ method: 'POST' }, [{ kind: 'delay', ms: 3_500 }])
    const result = await run({ 'timeout-seconds': '2' })
    expect(result.code).toBe(1)
    const [error] = errorsOf(result)
    expect(error).toContain(
      "A POST's answer was lost, so the secret may have been created all the same: run the step again to see"
    )
    expect(result.log).toContain(
      'The definition failed (see the summary). One of them may have been applied all the same (an answer was lost): run the step again to see.'
    )
    expect(result.log).not.toContain('nothing was applied')
    expect(result.outputs['has-changes']).toBe('true')
    expect(result.outputs.outcome).toBe('failed')
    // And it was: the stand-in stores it when its delay ends (waited for here, so the late
    // request cannot touch the next test's stand-in).
    const until = Date.now() + 30_000
    while (!api.secrets().has('service-conf') && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect([...api.secrets().keys()]).toEqual(['service-conf'])
  })

  it('a create refused outright says nothing was applied, and has-changes is false', async () => {
    api.injectFaults({ method: 'POST' }, [{ kind: 'status', status: 422 }])
    const result = await run({})
    expect(result.code).toBe(1)
    expect(result.log).toContain('The definition failed; nothing was applied (see the summary).')
    expect(errorsOf(result).join('\n')).not.toContain('may have been')
    expect(result.outputs['has-changes']).toBe('false')
  })

  it.each([
    ['Retry-After: 0', { 'retry-after': '0' }],
    ['x-ratelimit-reset: 0', { 'x-ratelimit-reset': '0', 'x-ratelimit-remaining': '0' }]
  ])('a 429 with %s backs off instead of spending every attempt at once', async (_l, headers) => {
    api.injectFaults(
      { method: 'POST' },
      Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 429, headers }))
    )
    const result = await run({ 'timeout-seconds': '30' })
    expect(errorsOf(result)).toEqual([])
    expect(result.outputs.outcome).toBe('created')
    const posts = api.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(4)
    // Each retry waited at least the first backoff step (0.5 s with full jitter above a floor
    // of the base, 200 ms): retrying at once took 25 ms for all six attempts.
    const gaps = posts.slice(1).map((p, i) => p.at - posts[i]!.at)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150)
  })

  it.each(['skip', 'fail'])(
    'on-conflict %s: 502, then 409, then the read finds nothing: POST again and create it',
    async (policy) => {
      api.injectFaults({ method: 'POST' }, [
        { kind: 'status', status: 502 },
        { kind: 'status', status: 409 }
      ])
      api.injectFaults({ method: 'GET' }, [{ kind: 'status', status: 404 }])
      const result = await run({ 'on-conflict': policy })
      expect(errorsOf(result)).toEqual([])
      expect(result.outputs.outcome).toBe('created')
      expect(api.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET', 'POST'])
      expect([...api.secrets().keys()]).toEqual(['service-conf'])
    }
  )
})
