// What the action does with answers that are not what Northflank sends: a 2xx that is not
// Northflank's JSON is a failure naming api-url; a `data` that echoes secrets is redacted.
import { afterEach, describe, expect, it } from '@jest/globals'
import { useStandIn } from './helpers/stand-in.js'
import { runAction } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'nf-token-answers-7e3b'
const VALUE = 'answers-secret-value-9c1f'
const DEFINITION = `name: Answer Check\ntype: secret\nsecrets:\n  values:\n    KEY: ${VALUE}\n    MULTI: "line-one-4d2a\\r\\nline-two-8b3c"\n`

describe('answers that are not what Northflank sends (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let ws: Workspace | undefined
  afterEach(() => ws?.remove())

  async function runWith(body: unknown, status = 200, headers?: Record<string, string>) {
    const api = standIn()
    api.injectFaults({ method: 'POST' }, [{ kind: 'status', status, body, headers }])
    ws = makeWorkspace({ 'secrets/a.yaml': DEFINITION })
    return runAction(
      { file: 'secrets/a.yaml', 'api-url': api.url, 'api-token': TOKEN },
      { workspace: ws.dir }
    )
  }

  it.each([
    [
      'an HTML login page',
      '<html><body>Please log in</body></html>',
      200,
      { 'content-type': 'text/html' },
      /a body that is not JSON \(content-type text\/html\)/
    ],
    ['a 204 without a body', '', 204, undefined, /answered HTTP 204 with an empty body/],
    ['JSON without data', { ok: true }, 200, undefined, /JSON without a "data" object/],
    ['data that is a string', { data: 'created' }, 201, undefined, /JSON without a "data" object/]
  ])(
    '%s fails, naming api-url, and nothing is reported created',
    async (_what, body, status, headers, why) => {
      const run = await runWith(body, status, headers)
      expect(run.code).toBe(1)
      expect(run.outputs.outcome).toBe('failed')
      const errors = run.annotations.filter((a) => a.level === 'error')
      expect(errors).toHaveLength(1)
      expect(errors[0]!.message).toMatch(why)
      expect(errors[0]!.message).toMatch(/Check api-url: it must be the Northflank API/)
      expect(run.summary).toContain('❌ failed')
      expect(run.summary).not.toContain('✅ created')
    }
  )

  it('redacts the response output wherever data echoes the token or a value', async () => {
    const run = await runWith({
      data: {
        name: 'Answer Check',
        id: 'answer-check',
        secrets: { values: { KEY: VALUE } },
        request: {
          authorization: `Bearer ${TOKEN}`,
          body: JSON.stringify({ KEY: VALUE, MULTI: 'line-one-4d2a\r\nline-two-8b3c' }),
          encoded: Buffer.from(`user:${VALUE}`).toString('base64')
        },
        list: [VALUE, `x-${TOKEN}-y`]
      }
    })
    expect(run.code).toBe(0)
    expect(run.droppedOutputs).toEqual([])
    const response = run.outputs.response!
    for (const leak of [TOKEN, VALUE, 'line-one-4d2a', 'line-two-8b3c'])
      expect(response).not.toContain(leak)
    expect(JSON.parse(response)).toMatchObject({
      name: 'Answer Check',
      id: 'answer-check',
      list: ['***', 'x-***-y']
    })
  })
})

describe('userinfo in a quoted URL (bundled action)', () => {
  let ws: Workspace | undefined
  afterEach(() => ws?.remove())

  it('drops the credential of gitops.repoUrl from the validation error', async () => {
    const credential = 'ghp_0123456789abcdefABCDEF0123456789abcd'
    ws = makeWorkspace({
      'secrets/g.yaml': [
        'name: Git Ops',
        'type: secret',
        'gitops:',
        '  vcsService: github',
        '  accountLogin: someone',
        `  repoUrl: https://x-access-token:${credential}@github.com/acme/`,
        '  branch: main',
        '  filePath: /secrets.json',
        ''
      ].join('\n')
    })
    const run = await runAction(
      { file: 'secrets/g.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    const [error] = run.annotations.filter((a) => a.level === 'error')
    expect(error!.message).toContain('"https://github.com/acme/"')
    expect(run.everything).not.toContain(credential)
    expect(run.everything).not.toContain('x-access-token')
  })
})
