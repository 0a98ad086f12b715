// `npm run demo`: the action's main job on a fresh machine, no Northflank
// account needed. Starts the local stand-in and runs the bundled action on the
// example definitions four times: a plan (what the pull request shows), the
// apply that creates them, a no-op rerun (`unchanged`, no write) and a plan
// after one value changed. Prints the log, outputs and job summary as a person
// would see them, with the requests each run sent, and stops.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { startStandIn } from './northflank-stand-in.js'
import { renderSummary } from './render-summary.js'
import { ROOT, runAction, type ActionRun } from './run-action.js'

const TOKEN = 'demo-token'
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)

function show(title: string, run: ActionRun): void {
  console.log(`\n${bold(`━━ ${title} ━━`)}  (exit code ${run.code}, ${run.elapsedMs} ms)\n`)
  console.log(bold('Log (as the runner shows it; debug lines hidden)'))
  for (const line of run.log.split('\n')) {
    if (line === '' || /^::(debug|notice|warning|error)\b/.test(line)) continue
    console.log(`  ${line}`)
  }
  console.log(`\n${bold('Annotations')}`)
  for (const a of run.annotations) {
    const where = a.file ? ` ${a.file}${a.line ? `:${a.line}` : ''}` : ''
    console.log(`  ${a.level}${where}: ${a.message}`)
  }
  console.log(`\n${bold('Outputs')}`)
  for (const [name, value] of Object.entries(run.outputs)) console.log(`  ${name} = ${value}`)
  console.log(`\n${bold('Job summary')}\n`)
  console.log(renderSummary(run.summary).replace(/^/gm, '  '))
}

async function main(): Promise<void> {
  const api = await startStandIn({ tokens: [TOKEN], latencyMs: 20 })
  try {
    console.log(`Local Northflank stand-in listening on ${api.url}`)
    const inputs = {
      file: 'examples/secrets/*.yaml\nexamples/secrets/*.json',
      'api-url': api.url,
      'api-token': TOKEN,
      'values-from-env': [
        'database-credentials:DATABASE_USER',
        'database-credentials:DATABASE_PASSWORD',
        'database-credentials:DATABASE_URL=DATABASE_CONNECTION_STRING'
      ].join('\n'),
      'on-conflict': 'update',
      // examples/secrets/payments-api.sops.yaml is SOPS-encrypted for this throwaway key; in a
      // workflow the key comes from a secret: sops-age-key: ${{ secrets.SOPS_AGE_KEY }}.
      'sops-age-key': readFileSync(path.join(ROOT, 'examples/sops/demo-age-key.txt'), 'utf8')
    }
    const env = {
      DATABASE_USER: 'app',
      DATABASE_PASSWORD: 'demo-password-not-real',
      DATABASE_CONNECTION_STRING:
        'postgres://app:demo-password-not-real@db.internal.example.com:5432/app'
    }
    const runs: ActionRun[] = []
    const step = async (
      title: string,
      extra: Record<string, string>,
      envOverride: Record<string, string> = {}
    ): Promise<void> => {
      const before = api.requests.length
      const run = await runAction(
        { ...inputs, ...extra },
        { workspace: ROOT, env: { ...env, ...envOverride }, debug: false }
      )
      runs.push(run)
      show(title, run)
      const sent = api.requests.slice(before)
      console.log(
        `\n  ${bold(`Requests: ${sent.length}`)} (${sent.map((r) => `${r.method} ${r.path}`).join(', ')})`
      )
    }
    await step('Run 1: plan on the pull request (plan: true, GET only)', { plan: 'true' })
    await step('Run 2: apply on push: create every example definition', {})
    await step('Run 3: the same step again: nothing changed, nothing written', {})
    await step(
      'Run 4: plan after the database password changed',
      { plan: 'true' },
      {
        DATABASE_PASSWORD: 'demo-password-rotated',
        DATABASE_CONNECTION_STRING:
          'postgres://app:demo-password-rotated@db.internal.example.com:5432/app'
      }
    )
    if (runs.some((run) => run.code !== 0)) process.exitCode = 1
  } finally {
    await api.stop()
  }
}

await main()
