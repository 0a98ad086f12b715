// `npm run local-action [-- plan|dry-run|apply]`: runs the action from src/main.ts with
// GitHub's own @github/local-action (the actions/typescript-action convention for
// debugging an action locally: it stubs @actions/core and prints inputs, log and
// outputs as a runner would), against the local Northflank stand-in, on the
// example definitions. Nothing leaves the machine. Breakpoints in src/ work, as
// local-action runs the TypeScript sources with tsx.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startStandIn } from './northflank-stand-in.js'
import { ROOT } from './run-action.js'

const TOKEN = 'local-action-token'
const MODES = ['apply', 'plan', 'dry-run'] as const
type Mode = (typeof MODES)[number]

/** One dotenv line; the value double-quoted, so `\n` stands for a line break. */
function dotenvLine(key: string, value: string): string {
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
  return `${key}="${escaped}"`
}

/** `INPUT_<NAME>` as @actions/core reads it (spaces to `_`, upper case; hyphens stay). */
const inputVar = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`

async function main(argv: string[]): Promise<number> {
  const mode = (argv[0] ?? 'apply') as Mode
  if (!MODES.includes(mode)) {
    console.error(`usage: npm run local-action [-- ${MODES.join('|')}]`)
    return 2
  }
  const api = await startStandIn({ tokens: [TOKEN], latencyMs: 20 })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'local-action-'))
  try {
    const ageKey = readFileSync(path.join(ROOT, 'examples/sops/demo-age-key.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('AGE-SECRET-KEY-'))
      .join('\n')
    const inputs: Record<string, string> = {
      file: 'examples/secrets/*.yaml\nexamples/secrets/*.json',
      'on-conflict': 'update',
      'values-from-env': [
        'database-credentials:DATABASE_USER',
        'database-credentials:DATABASE_PASSWORD',
        'database-credentials:DATABASE_URL=DATABASE_CONNECTION_STRING'
      ].join('\n'),
      ...(mode === 'dry-run'
        ? { 'dry-run': 'true' }
        : { 'api-url': api.url, 'api-token': TOKEN, plan: String(mode === 'plan') }),
      'sops-age-key': ageKey
    }
    const env: Record<string, string> = {
      DATABASE_USER: 'app',
      DATABASE_PASSWORD: 'local-password-not-real',
      DATABASE_CONNECTION_STRING:
        'postgres://app:local-password-not-real@db.internal.example.com:5432/app',
      GITHUB_WORKSPACE: ROOT,
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [inputVar(k), v]))
    }
    const envFile = path.join(dir, '.env')
    writeFileSync(
      envFile,
      Object.entries(env)
        .map(([k, v]) => dotenvLine(k, v))
        .join('\n') + '\n'
    )
    console.log(`Local Northflank stand-in listening on ${api.url}; mode: ${mode}\n`)
    const bin = path.join(ROOT, 'node_modules', '.bin', 'local-action')
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(bin, ['run', ROOT, 'src/main.ts', envFile], {
        cwd: ROOT,
        stdio: 'inherit'
      })
      child.on('error', reject)
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)))
    })
    const sent = api.requests.map((r) => `${r.method} ${r.path}`)
    console.log(`\nRequests the stand-in received: ${sent.length}`)
    for (const r of sent) console.log(`  ${r}`)
    return code
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await api.stop()
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error))
    process.exitCode = 1
  }
)
