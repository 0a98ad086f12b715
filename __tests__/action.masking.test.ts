// What the runner shows when the bundle's masks are applied as the runner applies them
// (tools/run-action.ts): secrets hidden, public text and outputs intact.
import { afterEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { useStandIn } from './helpers/stand-in.js'
import { ROOT, RUN_FACTS, runAction } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

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
})
