// What the runner shows when the bundle's masks are applied as the runner applies them
// (tools/run-action.ts): secrets hidden, public text and outputs intact.
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { useStandIn } from './helpers/stand-in.js'
import { ROOT, RUN_FACTS, runAction } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'
import { VOCABULARY } from '../src/report/mask.js'

const TOKEN = 'nf-token-masking-8c1d'

describe('masking through the bundle', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let ws: Workspace | undefined
  afterEach(() => ws?.remove())

  it('runs examples/ with every identifier, path, commit and link intact and every output kept', async () => {
    const api = standIn()
    const run = await runAction(
      {
        file: 'examples/secrets/*.yaml\nexamples/secrets/*.json',
        'api-url': api.url,
        'api-token': TOKEN,
        'values-from-env': [
          'database-credentials:DATABASE_USER',
          'database-credentials:DATABASE_PASSWORD',
          'database-credentials:DATABASE_URL=DATABASE_CONNECTION_STRING'
        ].join('\n'),
        // examples/secrets/payments-api.sops.yaml is encrypted for this throwaway demo key.
        'sops-age-key': readFileSync(path.join(ROOT, 'examples/sops/demo-age-key.txt'), 'utf8')
      },
      {
        workspace: ROOT,
        env: {
          DATABASE_USER: 'app',
          DATABASE_PASSWORD: 'demo-password-not-real',
          DATABASE_CONNECTION_STRING:
            'postgres://app:demo-password-not-real@db.internal.example.com:5432/app'
        }
      }
    )
    expect(run.code).toBe(0)
    expect(run.maskProblems).toEqual([])
    expect(run.droppedOutputs).toEqual([])
    expect(JSON.parse(run.outputs.results!)).toEqual([
      {
        name: 'App Config',
        id: 'app-config',
        outcome: 'created',
        file: 'examples/secrets/app-config.yaml'
      },
      {
        name: 'Database Credentials',
        id: 'database-credentials',
        outcome: 'created',
        file: 'examples/secrets/database-credentials.yaml'
      },
      {
        name: 'Payments API',
        id: 'payments-api',
        outcome: 'created',
        file: 'examples/secrets/payments-api.sops.yaml'
      },
      {
        name: 'Feature Flags',
        id: 'feature-flags',
        outcome: 'created',
        file: 'examples/secrets/feature-flags.json'
      }
    ])
    for (const text of [
      'app-config',
      'examples/secrets/app-config.yaml',
      'examples/secrets/database-credentials.yaml',
      'examples/secrets/feature-flags.json',
      RUN_FACTS.GITHUB_REPOSITORY!,
      `https://github.com/${RUN_FACTS.GITHUB_REPOSITORY}/commit/${RUN_FACTS.GITHUB_SHA}`,
      `https://github.com/${RUN_FACTS.GITHUB_REPOSITORY}/actions/runs/${RUN_FACTS.GITHUB_RUN_ID}`,
      RUN_FACTS.GITHUB_SHA!.slice(0, 7)
    ]) {
      expect(run.summary).toContain(text)
    }
    for (const id of ['app-config', 'database-credentials', 'feature-flags']) {
      expect(run.log).toMatch(
        new RegExp(
          `^created +.*\\(${id}\\) from examples/secrets/${id}\\.(yaml|json), \\d+ requests? in \\d+ ms$`,
          'm'
        )
      )
    }
    // Config values are not masks; the secrets are, and they appear nowhere.
    for (const value of ['production', 'info', 'true', 'false', '4', '25', '15000']) {
      expect(run.masks).not.toContain(value)
    }
    expect(run.masks).toEqual(
      expect.arrayContaining([
        TOKEN,
        'demo-password-not-real',
        'db.internal.example.com',
        'require',
        'sk_test_demo_4eC39HqLyjWDarjtT1zdp7dc'
      ])
    )
    expect(run.everything).not.toMatch(/sk_test_demo|whsec_demo|acct_demo|AGE-SECRET-KEY/)
    expect(run.everything).not.toContain('demo-password-not-real')
    expect(run.everything).not.toContain(TOKEN)
    // The values too short to mask are named by key and file, never shown.
    const notMasked = run.annotations.filter((a) => a.title === 'Secret value not masked')
    expect(notMasked.map((a) => [a.file, a.message.replace(/ is not masked.*/, '')])).toEqual([
      [
        'examples/secrets/database-credentials.yaml',
        'The value of secrets.values.DATABASE_PORT in "Database Credentials" (examples/secrets/database-credentials.yaml)'
      ],
      [
        'examples/secrets/database-credentials.yaml',
        'The value of secrets.values.DATABASE_NAME in "Database Credentials" (examples/secrets/database-credentials.yaml)'
      ],
      [
        undefined,
        'The value of database-credentials:DATABASE_USER (input "values-from-env", variable DATABASE_USER)'
      ]
    ])
  })

  it('masks numbers and booleans of a secret as the runner sees them, and keeps outputs', async () => {
    const api = standIn()
    ws = makeWorkspace({
      'secrets/payments.yaml':
        'name: Payments\ntype: secret\nsecrets:\n  values:\n    PIN: 987654321\n    RATE: 0.000123456\n    CERT: "-----BEGIN CERT-----\\nMIIBszCCAVmgAwIBAg\\n-----END CERT-----"\n'
    })
    const run = await runAction(
      { file: 'secrets/payments.yaml', 'api-url': api.url, 'api-token': TOKEN },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(0)
    expect(run.masks).toEqual(
      expect.arrayContaining([
        '987654321',
        '0.000123456',
        'MIIBszCCAVmgAwIBAg',
        '-----BEGIN CERT-----'
      ])
    )
    expect(Object.keys(run.outputs).sort()).toEqual([
      'has-changes',
      'id',
      'name',
      'outcome',
      'response',
      'results'
    ])
    expect(run.outputs.response).not.toMatch(/987654321|MIIBszCCAVmgAwIBAg/)
  })

  const dryRunOf = (value: string) => {
    ws = makeWorkspace({
      'secrets/db.yaml': `name: database\ntype: secret\nsecrets:\n  values:\n    PASSWORD: ${JSON.stringify(value)}\n`
    })
    // runAction throws when a mask garbles public text or the summary, or drops an output.
    return runAction({ file: 'secrets/*.yaml', 'dry-run': 'true' }, { workspace: ws.dir })
  }

  it('does not register a value whose part after & the runner would mask in a file name', async () => {
    const run = await dryRunOf('Tr0ub4dor&secret')
    expect(run.code).toBe(0)
    expect(run.masks).toEqual([])
    expect(JSON.parse(run.outputs.results!)).toEqual([
      { name: 'database', id: 'database', outcome: 'validated', file: 'secrets/db.yaml' }
    ])
    expect(run.log).toMatch(/^validated database \(database\) from secrets\/db\.yaml$/m)
    expect(run.summary).toContain('<h2>Northflank global secrets (dry run)</h2>')
    const notMasked = run.annotations.filter((a) => a.title === 'Secret value not masked')
    expect(notMasked).toHaveLength(1)
    expect(notMasked[0]!.message).toContain(
      'The value of secrets.values.PASSWORD in "database" (secrets/db.yaml) is not masked in the log: the runner would also mask the part after its last & (not shown here)'
    )
    expect(run.stdout).not.toContain('Tr0ub4dor')
  })

  it.each(['code', 'file', 'strong', 'table', 'changes'])(
    'does not register %j, a word of the summary markup or a key of results',
    async (value) => {
      const run = await dryRunOf(value)
      expect(run.code).toBe(0)
      expect(run.masks).toEqual([])
      expect(run.droppedOutputs).toEqual([])
      expect(run.summary).toContain('<td><code>secrets/db.yaml</code></td></tr></table>')
    }
  )

  it('keeps a key that contains another value of the definition readable in a plan', async () => {
    const api = standIn()
    api.seed({
      name: 'Billing DB',
      type: 'secret',
      secrets: { values: { db_user: 'admin', admin_password: 'old-pass-123456' } }
    })
    ws = makeWorkspace({
      'secrets/billing.yaml':
        'name: Billing DB\ntype: secret\nsecrets:\n  values:\n    db_user: admin\n    admin_password: new-pass-654321\n'
    })
    const run = await runAction(
      { file: 'secrets/*.yaml', plan: 'true', 'api-url': api.url, 'api-token': TOKEN },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(0)
    expect(run.droppedOutputs).toEqual([])
    expect(JSON.parse(run.outputs.results!)[0].changes).toEqual(['~ secrets.values.admin_password'])
    expect(run.log).toMatch(/^ +~ secrets\.values\.admin_password$/m)
    expect(run.masks).toEqual(expect.arrayContaining([TOKEN, 'new-pass-654321', 'old-pass-123456']))
    expect(run.masks).not.toContain('admin')
    expect(run.everything).not.toMatch(/new-pass-654321|old-pass-123456/)
  })

  it('knows every key of results and every word of the summary markup a run writes', async () => {
    // A plan over the examples against stored secrets that differ: every column, the changes
    // legend, links and entities. A new key or tag missing from VOCABULARY fails here.
    const api = standIn()
    api.seed({ name: 'App Config', type: 'config', secrets: { values: { OLD: 'x' } } })
    const run = await runAction(
      {
        file: 'examples/secrets/app-config.yaml\nexamples/secrets/feature-flags.json',
        plan: 'true',
        'api-url': api.url,
        'api-token': TOKEN
      },
      { workspace: ROOT }
    )
    expect(run.code).toBe(0)
    const results = JSON.parse(run.outputs.results!) as Record<string, unknown>[]
    const keys = new Set(results.flatMap((r) => Object.keys(r)))
    expect(keys).toEqual(new Set(['name', 'id', 'outcome', 'file', 'changes']))
    const markup = new Set<string>()
    for (const [, tag, attributes] of run.summary.matchAll(/<\/?([a-z0-9]+)([^>]*)>/g)) {
      markup.add(tag!)
      for (const [, name] of attributes!.matchAll(/([a-z-]+)=/g)) markup.add(name!)
    }
    for (const [, entity] of run.summary.matchAll(/&([a-z]+);/g)) markup.add(entity!)
    expect(markup.has('table') && markup.has('code') && markup.has('href')).toBe(true)
    const missing = [...keys, ...markup, ...Object.keys(run.outputs)].filter(
      (word) => !VOCABULARY.includes(word)
    )
    expect(missing).toEqual([])
  })

  it("redacts a secret another definition's API error echoes before the summary escapes it", async () => {
    // The runner masks the raw value, not `Pa55&#38;&#60;…` (the summary's escaped form).
    const value = 'Pa55&<w0rd>"x-9f3e'
    const api = standIn()
    api.injectFaults({ method: 'POST', path: /secrets$/ }, [
      {
        kind: 'status',
        status: 400,
        body: { error: { status: 400, id: 'err-echo', message: `Invalid value ${value}` } }
      }
    ])
    ws = makeWorkspace({
      // The config definition goes first and gets the answer that echoes the secret's value.
      'secrets/a-config.yaml':
        'name: Shared Config\ntype: config\nsecrets:\n  values:\n    LOG_LEVEL: info\n',
      'secrets/b-secret.yaml': `name: App Secrets\ntype: secret\nsecrets:\n  values:\n    PASSWORD: '${value}'\n`
    })
    const run = await runAction(
      { file: 'secrets/*.yaml', 'api-url': api.url, 'api-token': TOKEN, concurrency: '1' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(run.summary).toContain('Invalid value &#42;&#42;&#42;')
    const entities = value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    expect(run.summary).not.toContain(entities)
    expect(run.everything).not.toContain('w0rd')
  })
})
