// Runs the bundled action (dist/index.js) in a child process the way a runner
// does: inputs as INPUT_* variables, outputs and summary in files, workflow
// commands on stdout. Asynchronous on purpose: a stand-in server in this test
// process must keep answering while the action runs.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BUNDLE = path.join(ROOT, 'dist', 'index.js')

export interface Annotation {
  level: 'error' | 'warning' | 'notice'
  message: string
  file?: string
  line?: number
  col?: number
  title?: string
}

export interface ActionRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  annotations: Annotation[]
  /** Everything the action wrote anywhere, minus the runner's ::add-mask:: commands. */
  everything: string
  elapsedMs: number
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  workspace?: string
  /** Kill the child after this long (the test then fails on `signal`). */
  killAfterMs?: number
  /** Step debug logging (RUNNER_DEBUG); on by default so tests see every debug line. */
  debug?: boolean
  /** Node executable (default: the one running this process). */
  node?: string
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}
function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',')
}

export function parseAnnotations(stdout: string): Annotation[] {
  const found: Annotation[] = []
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line)
    if (!match) continue
    const annotation: Annotation = {
      level: match[1] as Annotation['level'],
      message: unescapeData(match[3]!)
    }
    for (const pair of (match[2] ?? '').trim().split(',').filter(Boolean)) {
      const eq = pair.indexOf('=')
      const key = pair.slice(0, eq)
      const value = unescapeProperty(pair.slice(eq + 1))
      if (key === 'file' || key === 'title') annotation[key] = value
      if (key === 'line' || key === 'col') annotation[key] = Number(value)
    }
    found.push(annotation)
  }
  return found
}

export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!)
    outputs[name!] = value.join('\n')
  }
  return outputs
}

export interface RawRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** The GITHUB_OUTPUT file's content. */
  outputText: string
  /** The GITHUB_STEP_SUMMARY file's content. */
  summary: string
  /** Wall time from spawn to exit (high resolution, for the benchmark too). */
  elapsedMs: number
}

export interface SpawnOptions {
  workspace: string
  env?: Record<string, string | undefined>
  debug?: boolean
  node?: string
  nodeArgs?: string[]
  killAfterMs?: number
}

/**
 * Spawns `node script` as a runner starts an action: inputs as INPUT_* variables, empty
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a clean environment with the GITHUB_* facts a
 * run has. Asynchronous, so a stand-in in this process keeps answering meanwhile.
 */
export async function spawnLikeRunner(
  script: string,
  inputs: Record<string, string>,
  options: SpawnOptions
): Promise<RawRun> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'nf-action-run-'))
  const outputFile = path.join(scratch, 'output')
  const summaryFile = path.join(scratch, 'summary')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: 'acme/platform-config',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF_NAME: 'config',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '42',
    GITHUB_ACTIONS: 'true'
  }
  if (options.debug) env.RUNNER_DEBUG = '1'
  for (const [name, value] of Object.entries(inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }

  const started = process.hrtime.bigint()
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), script], {
    env,
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  let ended = started
  child.once('exit', () => (ended = process.hrtime.bigint()))
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000)
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject)
        child.once('close', (c, s) => resolve([c, s]))
      }
    )
    return {
      code,
      signal,
      stdout,
      stderr,
      outputText: readFileSync(outputFile, 'utf8'),
      summary: readFileSync(summaryFile, 'utf8'),
      elapsedMs: Number(ended - started) / 1e6
    }
  } finally {
    clearTimeout(killer)
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Runs dist/index.js with the given action inputs (names as in action.yml). */
export async function runAction(
  inputs: Record<string, string>,
  options: RunOptions = {}
): Promise<ActionRun> {
  const { code, signal, stdout, stderr, outputText, summary, elapsedMs } = await spawnLikeRunner(
    BUNDLE,
    inputs,
    {
      workspace: options.workspace ?? ROOT,
      env: options.env,
      debug: options.debug ?? true,
      node: options.node,
      killAfterMs: options.killAfterMs
    }
  )
  const visibleStdout = stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  return {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseOutputs(outputText),
    summary,
    annotations: parseAnnotations(stdout),
    everything: [visibleStdout, stderr, outputText, summary].join('\n'),
    elapsedMs
  }
}
