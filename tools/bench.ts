// `npm run bench`: start-up, bundle size and batch throughput of the bundled action, each as a
// ratio measured in this run, so that the speed of the machine cancels out.
//
// 1. Start-up: dist/index.js doing a dry run of one definition, and a create of one definition
//    against the local stand-in, each divided by the time of the cost floor of this toolchain:
//    tools/bench-floor/index.js (only `core.getInput`), bundled here with the same ncc and
//    @actions/core. Fresh `node` per run, like a runner; floor, dry run and create alternate.
// 2. Bundle size: dist/index.js (and all of dist/*.js) against the floor's bundle.
// 3. Batch: 200 definitions against the stand-in at 50 ms per request, concurrency 4, 8 and 16,
//    against the ideal n × latency / concurrency; then under a rate limit of 100 per window.
//
// Usage: npm run bench [-- --quick] [-- --json] [-- --profile] [-- --rounds N] [-- --dist DIR]
//   --quick    fewer rounds and a shorter rate-limit window (smoke test; ratios are noisier)
//   --json     print the results as JSON instead of tables (progress still goes to stderr)
//   --profile  also rebuild the floor and the action with an ncc source map (`-s`), print the
//              bundles' composition per package, and run `node --cpu-prof` (files in
//              .bench/prof/) on the floor, a dry run, a create, a dry run of 200 files and a
//              batch: where the time goes per package, source file and function (self time),
//              and charged to the nearest bundled caller (what in src/ or which dependency
//              pulled it in)
//   --rounds N measured start-up rounds (default 21, at least 15 unless --quick)
//   --dist DIR measure the build in DIR instead of dist/ (e.g. an experiment bundled elsewhere)
// A missed target is printed, not fatal: the exit code is 1 only when the benchmark itself
// could not measure (a run failed, the stand-in saw something unexpected).
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { cpus, freemem, tmpdir, totalmem } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { startStandIn, type StandIn } from './northflank-stand-in.js'
import { BUNDLE, ROOT, parseOutputs, spawnLikeRunner } from './run-action.js'

// ---------------------------------------------------------------------------------------------
// Settings

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    dist: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (args.help) {
  console.log(
    'Usage: npm run bench [-- --quick] [-- --json] [-- --profile] [-- --rounds N] [-- --dist DIR]'
  )
  process.exit(0)
}

const QUICK = args.quick === true
const ROUNDS = args.rounds !== undefined ? Number(args.rounds) : QUICK ? 5 : 21
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || (!QUICK && ROUNDS < 15)) {
  console.error('--rounds must be an integer of at least 15 (any positive one with --quick)')
  process.exit(2)
}
const WARMUP_ROUNDS = QUICK ? 1 : 2
const BENCH_DIR = path.join(ROOT, '.bench')
const FLOOR_SOURCE = path.join(ROOT, 'tools', 'bench-floor', 'index.js')
const FLOOR_DIR = path.join(BENCH_DIR, 'floor')
const FLOOR_BUNDLE = path.join(FLOOR_DIR, 'index.js')
// --dist measures another build of the action (e.g. an experiment bundled elsewhere).
const DIST_DIR = args.dist !== undefined ? path.resolve(args.dist) : path.dirname(BUNDLE)
const ACTION = path.join(DIST_DIR, 'index.js')
const TOKEN = 'bench-token'

const BATCH_SIZE = 200
const BATCH_LATENCY_MS = 50
const BATCH_CONCURRENCIES = [4, 8, 16]
const RATE_LIMIT = 100
const RATE_WINDOW_MS = QUICK ? 4_000 : 10_000
const RATE_CONCURRENCY = 8

const TARGET = {
  dryRun: 1.15,
  create: 1.3,
  bundle: 1.3,
  batch: 1.15,
  rateLimited: 1.1
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

// ---------------------------------------------------------------------------------------------
// Running a script the way a runner does

interface TimedRun {
  ms: number
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
}

/**
 * A fresh `node script` started as a runner starts it (tools/run-action.ts), timed from spawn
 * to exit. Step debug logging is off, as on a normal run.
 */
async function timedRun(
  script: string,
  inputs: Record<string, string>,
  options: { workspace: string; nodeArgs?: string[]; killAfterMs?: number }
): Promise<TimedRun> {
  const run = await spawnLikeRunner(script, inputs, { ...options, debug: false })
  return {
    ms: run.elapsedMs,
    code: run.code,
    signal: run.signal,
    stdout: run.stdout,
    stderr: run.stderr,
    outputs: parseOutputs(run.outputText)
  }
}

function describeFailure(what: string, run: TimedRun): Error {
  const log = [run.stdout, run.stderr]
    .join('\n')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('::add-mask::'))
    .slice(-15)
    .join('\n')
  return new Error(`${what}: exit ${run.code ?? run.signal}\n${log}`)
}

interface ResultEntry {
  name: string | null
  id: string | null
  outcome: string
  file: string | null
}

function parseResults(run: TimedRun): ResultEntry[] {
  const text = run.outputs.results
  if (text === undefined) throw describeFailure('the run set no `results` output', run)
  return JSON.parse(text) as ResultEntry[]
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!
}

const ms = (value: number): string =>
  value >= 10_000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`
const ratio = (value: number): string => `${value.toFixed(2)}×`
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

// ---------------------------------------------------------------------------------------------
// Preparation

function buildFloor(): void {
  mkdirSync(BENCH_DIR, { recursive: true })
  const built = spawnSync(
    'npx',
    ['--no-install', 'ncc', 'build', FLOOR_SOURCE, '-o', FLOOR_DIR, '-m'],
    { cwd: ROOT, encoding: 'utf8' }
  )
  if (built.status !== 0 || !existsSync(FLOOR_BUNDLE)) {
    throw new Error(`could not bundle the floor with ncc:\n${built.stdout}\n${built.stderr}`)
  }
}

/** Warns when a file under src/ is newer than dist/index.js: the numbers would be stale. */
function checkDistFreshness(): string | undefined {
  if (!existsSync(ACTION)) throw new Error(`${ACTION} is missing: run \`npm run bundle\` first`)
  if (args.dist !== undefined) return undefined
  const bundled = statSync(ACTION).mtimeMs
  const newer: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (statSync(full).mtimeMs > bundled) newer.push(path.relative(ROOT, full))
    }
  }
  walk(path.join(ROOT, 'src'))
  if (newer.length === 0) return undefined
  return `dist/index.js is older than ${newer.slice(0, 3).join(', ')}${newer.length > 3 ? ', …' : ''}: run \`npm run bundle\` to measure the current source`
}

function definitionYaml(index: number): string {
  const n = String(index).padStart(3, '0')
  return [
    `name: Bench Secret ${n}`,
    `description: Definition ${n} of the batch benchmark`,
    'type: secret',
    'secrets:',
    '  values:',
    `    API_KEY: bench-value-${n}-not-real`,
    `    API_URL: https://service-${n}.example.com`,
    ''
  ].join('\n')
}

/** definitionYaml(index) as the object the action sends (for seeding the stand-in). */
function YAML_DEFINITION(index: number): Record<string, unknown> {
  const n = String(index).padStart(3, '0')
  return {
    name: `Bench Secret ${n}`,
    description: `Definition ${n} of the batch benchmark`,
    type: 'secret',
    secrets: {
      values: { API_KEY: `bench-value-${n}-not-real`, API_URL: `https://service-${n}.example.com` }
    }
  }
}

function makeWorkspace(): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'nf-bench-ws-'))
  writeFileSync(path.join(workspace, 'secret.yaml'), definitionYaml(0))
  // The SOPS example (encrypted for the throwaway demo key): what a run holding one pays.
  writeFileSync(
    path.join(workspace, 'secret.sops.yaml'),
    readFileSync(path.join(ROOT, 'examples', 'secrets', 'payments-api.sops.yaml'))
  )
  mkdirSync(path.join(workspace, 'secrets'))
  for (let i = 1; i <= BATCH_SIZE; i++) {
    const n = String(i).padStart(3, '0')
    writeFileSync(path.join(workspace, 'secrets', `s-${n}.yaml`), definitionYaml(i))
  }
  return workspace
}

// ---------------------------------------------------------------------------------------------
// 1. Start-up

interface StartupResult {
  rounds: number
  warmupRounds: number
  floor: number[]
  dryRun: number[]
  create: number[]
  /** Dry run of one SOPS file with its age key: the SOPS stage and age chunks loaded. */
  sopsDryRun: number[]
}

async function measureStartup(api: StandIn, workspace: string): Promise<StartupResult> {
  const dryInputs = { file: 'secret.yaml', 'dry-run': 'true' }
  const createInputs = {
    file: 'secret.yaml',
    'api-url': api.url,
    'api-token': TOKEN,
    'timeout-seconds': '30'
  }
  const sopsInputs = {
    file: 'secret.sops.yaml',
    'dry-run': 'true',
    'sops-age-key': readFileSync(path.join(ROOT, 'examples', 'sops', 'demo-age-key.txt'), 'utf8')
  }
  api.setLatency(0)
  const kinds = ['floor', 'dryRun', 'create', 'sopsDryRun'] as const
  const samples: Record<(typeof kinds)[number], number[]> = {
    floor: [],
    dryRun: [],
    create: [],
    sopsDryRun: []
  }
  const total = WARMUP_ROUNDS + ROUNDS
  for (let round = 0; round < total; round++) {
    // Rotate the order too, so no kind always runs right after the same other one.
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(round + k) % kinds.length]!
      let run: TimedRun
      if (kind === 'floor') {
        run = await timedRun(FLOOR_BUNDLE, dryInputs, { workspace })
        if (run.code !== 0) throw describeFailure('the floor failed', run)
      } else if (kind === 'dryRun') {
        run = await timedRun(ACTION, dryInputs, { workspace })
        if (run.code !== 0 || run.outputs.outcome !== 'validated') {
          throw describeFailure('the dry run failed', run)
        }
      } else if (kind === 'sopsDryRun') {
        run = await timedRun(ACTION, sopsInputs, { workspace })
        if (run.code !== 0 || run.outputs.outcome !== 'validated') {
          throw describeFailure('the dry run of a SOPS file failed', run)
        }
      } else {
        api.reset() // every create is a real first create: one POST answered 200
        run = await timedRun(ACTION, createInputs, { workspace })
        if (run.code !== 0 || run.outputs.outcome !== 'created') {
          throw describeFailure('the create failed', run)
        }
        if (api.requests.length !== 1 || api.requests[0]!.method !== 'POST') {
          throw new Error(
            `the create sent ${api.requests.map((r) => `${r.method} ${r.path}`).join(', ')}; expected one POST`
          )
        }
      }
      if (round >= WARMUP_ROUNDS) samples[kind].push(run.ms)
    }
  }
  return { rounds: ROUNDS, warmupRounds: WARMUP_ROUNDS, ...samples }
}

// ---------------------------------------------------------------------------------------------
// 2. Bundle size

interface BundleSizes {
  indexBytes: number
  totalBytes: number
  chunks: string[]
  floorIndexBytes: number
  floorTotalBytes: number
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
}

function measureBundles(): BundleSizes {
  const size = (dir: string, files: string[]): number =>
    files.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0)
  const distFiles = jsFiles(DIST_DIR)
  const floorFiles = jsFiles(FLOOR_DIR)
  return {
    indexBytes: statSync(ACTION).size,
    totalBytes: size(DIST_DIR, distFiles),
    chunks: distFiles.filter((f) => f !== 'index.js'),
    floorIndexBytes: statSync(FLOOR_BUNDLE).size,
    floorTotalBytes: size(FLOOR_DIR, floorFiles)
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Batch throughput

interface BatchRun {
  concurrency: number
  wallMs: number
  idealMs: number
  peakInFlight: number
  requests: number
  failed: number
}

interface RateLimitedRun {
  concurrency: number
  limit: number
  windowMs: number
  wallMs: number
  allowedMs: number
  requests: number
  rejected429: number
  failed: number
  apiPhaseMs: number
}

function batchInputs(api: StandIn, concurrency: number): Record<string, string> {
  return {
    file: 'secrets/*.yaml',
    'api-url': api.url,
    'api-token': TOKEN,
    concurrency: String(concurrency),
    'timeout-seconds': '60'
  }
}

/** Checks the `results` output holds the whole batch; returns how many did not end `expected`. */
function checkBatch(run: TimedRun, what: string, expected = 'created'): number {
  const results = parseResults(run)
  if (results.length !== BATCH_SIZE) {
    throw describeFailure(`${what}: ${results.length} results, expected ${BATCH_SIZE}`, run)
  }
  return results.filter((r) => r.outcome !== expected).length
}

/**
 * What loading and validating the batch costs by itself (no request is sent): the dry run of all
 * 200 files, median of a few runs. Explains how much of a batch's overhead is not the network.
 */
async function measureBatchLoad(workspace: string): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < (QUICK ? 1 : 3); i++) {
    const run = await timedRun(ACTION, { file: 'secrets/*.yaml', 'dry-run': 'true' }, { workspace })
    if (run.code !== 0) throw describeFailure('the dry run of the batch failed', run)
    if (checkBatch(run, 'dry run of the batch', 'validated') !== 0) {
      throw describeFailure('the dry run of the batch found invalid definitions', run)
    }
    samples.push(run.ms)
  }
  return samples
}

async function measureBatch(api: StandIn, workspace: string): Promise<BatchRun[]> {
  const runs: BatchRun[] = []
  for (const concurrency of BATCH_CONCURRENCIES) {
    api.reset()
    api.setLatency(BATCH_LATENCY_MS)
    const run = await timedRun(ACTION, batchInputs(api, concurrency), { workspace })
    const failed = checkBatch(run, `batch at concurrency ${concurrency}`)
    runs.push({
      concurrency,
      wallMs: run.ms,
      // The list pages come first, one at a time (observe before plan); then the POSTs, c at once.
      idealMs: api.counts().list * BATCH_LATENCY_MS + (BATCH_SIZE * BATCH_LATENCY_MS) / concurrency,
      peakInFlight: api.peakInFlight,
      requests: api.requests.length,
      failed
    })
    log(`  batch c=${concurrency}: ${ms(run.ms)}, ${failed} failed, peak ${api.peakInFlight}`)
  }
  return runs
}

/**
 * 200 definitions and the list page, 100 requests per window: each window takes 100, then
 * everything waits for the next. What the limit allows, from spawn: the start-up of one create,
 * the first request's latency (the window starts when the stand-in counts it), every full window
 * before the last, and the last window's requests at the concurrency used. (201 requests need a
 * third window: the list page costs one window's wait, which the limit, not the action, sets.)
 */
async function measureRateLimited(
  api: StandIn,
  workspace: string,
  createStartupMs: number
): Promise<RateLimitedRun> {
  api.reset()
  api.setLatency(BATCH_LATENCY_MS)
  api.setRateLimit(RATE_LIMIT, RATE_WINDOW_MS)
  const run = await timedRun(ACTION, batchInputs(api, RATE_CONCURRENCY), {
    workspace,
    killAfterMs: 90_000
  })
  const failed = checkBatch(run, 'rate-limited batch')
  const requests = api.requests.length
  const first = api.requests[0]?.at ?? 0
  const last = api.requests[requests - 1]?.at ?? 0
  api.setRateLimit(1000, 3_600_000)
  const needed = BATCH_SIZE + api.counts().list
  const windows = Math.ceil(needed / RATE_LIMIT)
  const inLastWindow = needed - (windows - 1) * RATE_LIMIT
  const allowedMs =
    createStartupMs +
    BATCH_LATENCY_MS +
    (windows - 1) * RATE_WINDOW_MS +
    Math.ceil(inLastWindow / RATE_CONCURRENCY) * BATCH_LATENCY_MS
  const result: RateLimitedRun = {
    concurrency: RATE_CONCURRENCY,
    limit: RATE_LIMIT,
    windowMs: RATE_WINDOW_MS,
    wallMs: run.ms,
    allowedMs,
    requests,
    // The list page (one: the scope is empty) is not a rejected request.
    rejected429: requests - BATCH_SIZE - api.counts().list,
    failed,
    apiPhaseMs: last + BATCH_LATENCY_MS - first
  }
  log(`  rate-limited c=${RATE_CONCURRENCY}: ${ms(run.ms)}, ${failed} failed, ${requests} requests`)
  return result
}

// ---------------------------------------------------------------------------------------------
// 4. Requests per run (README "Requests per run"): counted at the stand-in, per method

interface RequestScenario {
  scenario: string
  requests: number
  writes: number
  /** the issue's bound: N + L, L, N + k + L (L = ⌈N/100⌉ list pages) */
  bound: number
  /** the same run before observe/plan/apply (POST every definition; 409 → PUT for update) */
  before: number
}

interface HourlyBudget {
  limit: number
  /** requests one no-op `update` rerun of 200 definitions costs */
  perRun: number
  /** complete no-op reruns that fit (measured: runs until one fails at the limit) */
  fits: number
  /** before: 400 per rerun (POST, 409, PUT each) */
  fitsBefore: number
  /** no-op `skip` reruns that fit (2 list pages each) */
  fitsSkip: number
}

const CHANGED_K = 10

function requestInputs(api: StandIn, extra: Record<string, string>): Record<string, string> {
  return { ...batchInputs(api, 8), ...extra }
}

async function countedRun(
  api: StandIn,
  workspace: string,
  extra: Record<string, string>,
  expected: string,
  expectFailure = false
): Promise<{ requests: number; writes: number; run: TimedRun }> {
  const before = api.requests.length
  const run = await timedRun(ACTION, requestInputs(api, extra), { workspace })
  if ((run.code === 0) === expectFailure) {
    throw describeFailure(`a request-count run (${JSON.stringify(extra)}) ended ${run.code}`, run)
  }
  const results = parseResults(run)
  if (results.length !== BATCH_SIZE || results.some((r) => r.outcome !== expected)) {
    throw describeFailure(`a request-count run did not end ${expected} for every definition`, run)
  }
  const sent = api.requests.slice(before)
  return {
    requests: sent.length,
    writes: sent.filter((r) => r.method !== 'GET').length,
    run
  }
}

/** Every row of the issue's numbers table, for N = 200, and the hourly budget. */
async function measureRequests(
  api: StandIn,
  workspace: string
): Promise<{ scenarios: RequestScenario[]; hourly: HourlyBudget }> {
  const n = BATCH_SIZE
  const pages = Math.ceil(n / 100)
  const scenarios: RequestScenario[] = []
  api.setLatency(0)
  for (const policy of ['fail', 'skip', 'update']) {
    api.reset()
    const first = await countedRun(api, workspace, { 'on-conflict': policy }, 'created')
    scenarios.push({
      scenario: `first run, on-conflict ${policy}`,
      requests: first.requests,
      writes: first.writes,
      bound: n + pages,
      before: n
    })
  }
  // The scope now holds the 200 secrets, equal to their definitions.
  for (const policy of ['skip', 'fail']) {
    const rerun = await countedRun(
      api,
      workspace,
      { 'on-conflict': policy },
      policy === 'skip' ? 'exists' : 'failed',
      policy === 'fail'
    )
    scenarios.push({
      scenario: `rerun, nothing changed, on-conflict ${policy}`,
      requests: rerun.requests,
      writes: rerun.writes,
      bound: pages,
      before: n
    })
  }
  const noop = await countedRun(api, workspace, { 'on-conflict': 'update' }, 'unchanged')
  scenarios.push({
    scenario: 'rerun, nothing changed, on-conflict update',
    requests: noop.requests,
    writes: noop.writes,
    bound: n + pages,
    before: 2 * n
  })
  // k secrets changed in Northflank (as if by hand): the rerun puts exactly those back.
  for (let i = 1; i <= CHANGED_K; i++) {
    const definition = YAML_DEFINITION(i)
    api.seed({ ...definition, description: 'Changed by hand' })
  }
  const before = api.requests.length
  const changed = await timedRun(ACTION, requestInputs(api, { 'on-conflict': 'update' }), {
    workspace
  })
  const changedOutcomes = parseResults(changed).map((r) => r.outcome)
  if (
    changed.code !== 0 ||
    changedOutcomes.filter((o) => o === 'updated').length !== CHANGED_K ||
    changedOutcomes.filter((o) => o === 'unchanged').length !== n - CHANGED_K
  ) {
    throw describeFailure(
      `the rerun with ${CHANGED_K} changed did not update exactly those`,
      changed
    )
  }
  const changedSent = api.requests.slice(before)
  scenarios.push({
    scenario: `rerun, k = ${CHANGED_K} changed, on-conflict update`,
    requests: changedSent.length,
    writes: changedSent.filter((r) => r.method !== 'GET').length,
    bound: n + CHANGED_K + pages,
    before: 2 * n
  })
  const plan = await countedRun(
    api,
    workspace,
    { plan: 'true', 'on-conflict': 'update' },
    'unchanged'
  )
  scenarios.push({
    scenario: 'plan (every secret stored)',
    requests: plan.requests,
    writes: plan.writes,
    bound: n + pages,
    before: 0
  })

  // The hourly budget: Northflank's default 1000 requests per hour, the window starting now.
  const limit = 1000
  api.setRateLimit(limit, 3_600_000)
  let fits = 0
  for (;;) {
    const run = await timedRun(ACTION, requestInputs(api, { 'on-conflict': 'update' }), {
      workspace
    })
    if (run.code !== 0) break
    fits++
    if (fits > limit) throw new Error('the hourly-budget loop did not end')
  }
  api.setRateLimit(1000, 3_600_000)
  const hourly: HourlyBudget = {
    limit,
    perRun: noop.requests,
    fits,
    fitsBefore: Math.floor(limit / (2 * n)),
    fitsSkip: Math.floor(limit / scenarios[3]!.requests)
  }
  log(`  requests: ${scenarios.map((r) => `${r.scenario} ${r.requests}`).join('; ')}`)
  log(`  hourly budget: ${fits} no-op update reruns of ${n} fit in ${limit} requests`)
  return { scenarios, hourly }
}

// ---------------------------------------------------------------------------------------------
// Profile: where the start-up time goes

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

interface ProfileRow {
  name: string
  ms: number
  share: number
}
interface PathProfile {
  path: string
  runs: number
  /** mean wall time of the profiled runs (the profiler slows them down) */
  wallMs: number
  /** mean sampled time per run */
  profiledMs: number
  /** self time per package / area */
  byArea: ProfileRow[]
  /** self time per source file */
  byFile: ProfileRow[]
  /** self time per function */
  byFunction: ProfileRow[]
  /** time charged to the nearest bundled caller (node built-ins and webpack's require included) */
  byCaller: ProfileRow[]
}

interface MappedBundle {
  /** the script to profile: dist/index.js itself when the mapped build matches it */
  script: string
  /** source map per chunk file name, positions as in `script` */
  maps: Map<string, SourceMap>
  /** generated bytes per package / area, summed over all chunks */
  composition: Map<string, number>
  note?: string
}

const PROFILE_RUNS = 5
const SOURCEMAP_PREFIX = "import './sourcemap-register.cjs';"
const VLQ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Decodes source-map `mappings`: calls `segment` with each segment's line, column, source. */
function forEachSegment(
  mappings: string,
  segment: (line: number, column: number, source: number | undefined) => void
): void {
  let line = 0
  let source = 0
  for (const lineText of mappings.split(';')) {
    let column = 0
    for (const text of lineText.split(',')) {
      if (text === '') continue
      const fields: number[] = []
      let value = 0
      let shift = 0
      for (const char of text) {
        const digit = VLQ.indexOf(char)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += fields[0] ?? 0
      if (fields.length > 1) source += fields[1] ?? 0
      segment(line, column, fields.length > 1 ? source : undefined)
    }
    line++
  }
}

function originalSource(source: string): string {
  return source
    .replace(/^webpack:\/\/[^/]*\//, '')
    .replace(/^(\.\.?\/)+/, '')
    .replace(/^.*?node_modules\//, 'node_modules/')
}

function areaOf(file: string): string {
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
  if (pkg) return pkg[1]!
  if (file.startsWith('src/')) {
    const parts = file.split('/')
    return parts.length > 2 ? `src/${parts[1]}/` : file
  }
  if (file.startsWith('node:')) return 'node: built-ins'
  if (file.startsWith('webpack/')) return 'webpack runtime (module init)'
  return file
}

/**
 * Builds `entry` again with a source map (`ncc -s`) into `outDir`. ncc adds a first-line import
 * of its stack-trace helper and a trailing sourceMappingURL comment; without them the code is
 * byte-identical to the bundle in `referenceDir` when that is fresh, and then the reference
 * itself is profiled and mapped. Otherwise the fresh build is profiled, with a note.
 */
function buildMappedBundle(entry: string, outDir: string, referenceDir: string): MappedBundle {
  rmSync(outDir, { recursive: true, force: true })
  const built = spawnSync(
    'npx',
    ['--no-install', 'ncc', 'build', entry, '-o', outDir, '-m', '-s'],
    {
      cwd: ROOT,
      encoding: 'utf8'
    }
  )
  if (built.status !== 0) throw new Error(`ncc -s ${entry} failed:\n${built.stdout}${built.stderr}`)
  let identical = true
  const maps = new Map<string, SourceMap>()
  const composition = new Map<string, number>()
  for (const file of jsFiles(outDir)) {
    const full = path.join(outDir, file)
    let code = readFileSync(full, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '')
    let shift = 0
    if (code.startsWith(SOURCEMAP_PREFIX)) {
      code = code.slice(SOURCEMAP_PREFIX.length)
      shift = SOURCEMAP_PREFIX.length
    }
    writeFileSync(full, code)
    const reference = path.join(referenceDir, file)
    if (!existsSync(reference) || readFileSync(reference, 'utf8') !== code) identical = false
    const payload = JSON.parse(readFileSync(`${full}.map`, 'utf8')) as SourceMapPayload
    const map = new SourceMap(payload)
    // Positions on the first line moved left by the removed import: undo that when mapping.
    const shifted = Object.create(map) as SourceMap
    shifted.findEntry = (line: number, column: number) =>
      map.findEntry(line, line === 0 ? column + shift : column)
    maps.set(file, shifted)

    // Generated bytes per original source: each segment runs to the next one on its line.
    const lineLengths = code.split('\n').map((l, i) => Buffer.byteLength(l) + (i === 0 ? shift : 0))
    const add = (key: string, bytes: number): void => {
      composition.set(key, (composition.get(key) ?? 0) + bytes)
    }
    let prev: { line: number; column: number; source: number | undefined } | undefined
    const close = (endLine: number, endColumn: number): void => {
      if (!prev) return
      const end = endLine === prev.line ? endColumn : (lineLengths[prev.line] ?? prev.column)
      const source = prev.source === undefined ? undefined : payload.sources[prev.source]
      const area = source === undefined ? '(ncc/webpack glue)' : areaOf(originalSource(source))
      add(area, Math.max(0, end - (prev.line === 0 ? Math.max(prev.column, shift) : prev.column)))
    }
    forEachSegment(payload.mappings, (line, column, source) => {
      close(line, column)
      prev = { line, column, source }
    })
    close(-1, 0)
  }
  rmSync(path.join(outDir, 'sourcemap-register.cjs'), { force: true })
  if (identical) {
    return { script: path.join(referenceDir, 'index.js'), maps, composition }
  }
  return {
    script: path.join(outDir, 'index.js'),
    maps,
    composition,
    note: `${path.relative(ROOT, referenceDir)}/ differs from a fresh build of ${path.relative(ROOT, entry)}: profiled the fresh build in ${path.relative(ROOT, outDir)}/`
  }
}

function summariseProfiles(
  files: string[],
  bundle: MappedBundle
): Omit<PathProfile, 'path' | 'runs' | 'wallMs'> {
  const scriptDir = pathToFileURL(path.dirname(bundle.script)).href
  const byFile = new Map<string, number>()
  const byArea = new Map<string, number>()
  const byFunction = new Map<string, number>()
  const byCaller = new Map<string, number>()
  const add = (m: Map<string, number>, key: string, us: number): void => {
    m.set(key, (m.get(key) ?? 0) + us)
  }
  let totalUs = 0
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
    const parent = new Map<number, number>()
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

    // Where a node's code comes from: a source file of the bundle, a node: URL, or a V8 label.
    const located = new Map<number, { source: string; fn: string; bundled: boolean }>()
    const locate = (id: number): { source: string; fn: string; bundled: boolean } => {
      const known = located.get(id)
      if (known) return known
      const { url, functionName, lineNumber, columnNumber } = nodes.get(id)!.callFrame
      let result: { source: string; fn: string; bundled: boolean }
      if (url.startsWith(`${scriptDir}/`)) {
        const chunk = url.slice(scriptDir.length + 1)
        const entry = bundle.maps.get(chunk)?.findEntry(lineNumber, columnNumber)
        if (entry && 'originalSource' in entry && entry.originalSource) {
          const source = originalSource(entry.originalSource)
          const name = (entry as { name?: string }).name ?? (functionName || '(anonymous)')
          result = { source, fn: `${name} (${source}:${entry.originalLine + 1})`, bundled: true }
        } else {
          const source = `${chunk} (unmapped)`
          result = { source, fn: `${functionName || '(anonymous)'} (${source})`, bundled: true }
        }
      } else if (url === '') {
        // (program), (garbage collector), (idle), (root), or a native function
        result = { source: functionName, fn: functionName, bundled: false }
      } else {
        result = { source: url, fn: `${functionName || '(anonymous)'} (${url})`, bundled: false }
      }
      located.set(id, result)
      return result
    }
    // The nearest bundled caller that is not webpack's require function.
    const callers = new Map<number, string>()
    const callerOf = (id: number): string => {
      const known = callers.get(id)
      if (known !== undefined) return known
      const here = locate(id)
      let result: string
      const glue = here.source.startsWith('webpack/') || here.source.endsWith('(unmapped)')
      if (here.bundled && !glue) result = here.source
      else if (parent.has(id)) result = callerOf(parent.get(id)!)
      else result = ''
      // Bundled, but only ncc's glue on the way up: the bundle's own top level.
      if (result === '' && here.bundled) result = 'bundle top level (ncc glue, module wrappers)'
      callers.set(id, result)
      return result
    }

    const self = new Map<number, number>()
    profile.samples.forEach((id, i) =>
      self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
    )
    for (const [id, us] of self) {
      if (us <= 0) continue
      totalUs += us
      const { source, fn } = locate(id)
      add(byFile, source, us)
      add(byArea, source.startsWith('(') ? source : areaOf(source), us)
      add(byFunction, fn, us)
      const caller = callerOf(id)
      add(
        byCaller,
        caller !== ''
          ? caller
          : source.startsWith('(')
            ? source
            : 'node start-up, ESM loader (no bundled caller)',
        us
      )
    }
  }
  const top = (m: Map<string, number>): ProfileRow[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([name, us]) => ({
        name,
        ms: us / 1000 / files.length,
        share: totalUs === 0 ? 0 : us / totalUs
      }))
  return {
    profiledMs: totalUs / 1000 / files.length,
    byArea: top(byArea),
    byFile: top(byFile),
    byFunction: top(byFunction),
    byCaller: top(byCaller)
  }
}

interface ProfileReport {
  paths: PathProfile[]
  /** generated KiB per package / area: action (all chunks) and floor */
  composition: Array<{ area: string; actionBytes: number; floorBytes: number }>
  notes: string[]
}

async function profileStartup(api: StandIn, workspace: string): Promise<ProfileReport> {
  log('profiling: ncc -s builds for the source maps, then node --cpu-prof…')
  const action = buildMappedBundle(
    path.join(ROOT, 'src', 'index.ts'),
    path.join(BENCH_DIR, 'profiled'),
    DIST_DIR
  )
  const floor = buildMappedBundle(FLOOR_SOURCE, path.join(BENCH_DIR, 'floor-profiled'), FLOOR_DIR)
  const profDir = path.join(BENCH_DIR, 'prof')
  rmSync(profDir, { recursive: true, force: true })
  const paths: PathProfile[] = []
  interface Case {
    name: string
    inputs: Record<string, string>
    bundle: MappedBundle
    runs: number
    latencyMs: number
  }
  const one = { runs: PROFILE_RUNS, latencyMs: 0 }
  const batchConcurrency = BATCH_CONCURRENCIES[BATCH_CONCURRENCIES.length - 1]!
  const cases: Case[] = [
    { name: 'floor', inputs: { file: 'secret.yaml' }, bundle: floor, ...one },
    { name: 'dry run', inputs: { file: 'secret.yaml', 'dry-run': 'true' }, bundle: action, ...one },
    {
      name: 'create',
      inputs: { file: 'secret.yaml', 'api-url': api.url, 'api-token': TOKEN },
      bundle: action,
      ...one
    },
    {
      name: `dry run of ${BATCH_SIZE} files`,
      inputs: { file: 'secrets/*.yaml', 'dry-run': 'true' },
      bundle: action,
      runs: 2,
      latencyMs: 0
    },
    {
      name: `batch of ${BATCH_SIZE} at c=${batchConcurrency}, ${BATCH_LATENCY_MS} ms latency`,
      inputs: batchInputs(api, batchConcurrency),
      bundle: action,
      runs: 1,
      latencyMs: BATCH_LATENCY_MS
    }
  ]
  for (const { name, inputs, bundle, runs, latencyMs } of cases) {
    const dir = path.join(profDir, name.replace(/[^a-z0-9]+/gi, '-'))
    const walls: number[] = []
    api.setLatency(latencyMs)
    for (let i = 0; i < runs; i++) {
      api.reset()
      const run = await timedRun(bundle.script, inputs, {
        workspace,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100']
      })
      if (run.code !== 0) throw describeFailure(`profiled ${name} failed`, run)
      walls.push(run.ms)
    }
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(dir, f))
    paths.push({
      path: name,
      runs: files.length,
      wallMs: walls.reduce((a, b) => a + b, 0) / walls.length,
      ...summariseProfiles(files, bundle)
    })
  }
  const areas = new Set([...action.composition.keys(), ...floor.composition.keys()])
  const composition = [...areas]
    .map((area) => ({
      area,
      actionBytes: action.composition.get(area) ?? 0,
      floorBytes: floor.composition.get(area) ?? 0
    }))
    .sort((a, b) => b.actionBytes - b.floorBytes - (a.actionBytes - a.floorBytes))
  const notes = [action.note, floor.note].filter((n): n is string => n !== undefined)
  return { paths, composition, notes }
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  metric: string
  measured: string
  target: string
  pass?: boolean
}

function machine(): Record<string, string> {
  const cpuModel =
    /^model name\s*:\s*(.+)$/m.exec(
      existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''
    )?.[1] ??
    cpus()[0]?.model ??
    'unknown'
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(cpus().length)
  return {
    cpu: `${nproc} × ${cpuModel.trim()}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free)`,
    os: `${process.platform} ${process.arch}`,
    node: process.version,
    date: new Date().toISOString().slice(0, 10)
  }
}

function mark(pass: boolean | undefined): string {
  return pass === undefined ? '' : pass ? 'PASS' : 'MISS'
}

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint()
  const stale = checkDistFreshness()
  if (stale) log(`warning: ${stale}`)
  log('bundling the floor (tools/bench-floor/index.js) with ncc…')
  buildFloor()
  const workspace = makeWorkspace()
  const api = await startStandIn({ tokens: [TOKEN], latencyMs: 0 })
  try {
    log(
      `start-up: ${WARMUP_ROUNDS} warm-up + ${ROUNDS} rounds of floor / dry run / create / SOPS dry run…`
    )
    const startup = await measureStartup(api, workspace)
    const sizes = measureBundles()
    log('batch: 200 definitions at 50 ms per request…')
    const batchLoad = median(await measureBatchLoad(workspace))
    const batch = await measureBatch(api, workspace)
    const floor = median(startup.floor)
    const dry = median(startup.dryRun)
    const create = median(startup.create)
    log(`rate limit: ${RATE_LIMIT} requests per ${RATE_WINDOW_MS / 1000} s window…`)
    const limited = await measureRateLimited(api, workspace, create)
    log(`requests per run: the numbers table for ${BATCH_SIZE} definitions, and the hourly budget…`)
    const requestCounts = await measureRequests(api, workspace)
    let profile: ProfileReport | undefined
    if (args.profile) {
      try {
        profile = await profileStartup(api, workspace)
      } catch (error) {
        // A measurement of its own: its failure (e.g. src/ does not compile) keeps the rest.
        const message = error instanceof Error ? error.message : String(error)
        profile = {
          paths: [],
          composition: [],
          notes: [`could not profile: ${message.split('\n').slice(0, 4).join(' ')}`]
        }
      }
    }
    const totalS = Number(process.hrtime.bigint() - t0) / 1e9

    const rows: Row[] = [
      { metric: 'Start-up: floor (median)', measured: ms(floor), target: 'reference' },
      {
        metric: 'Start-up: dry run / floor',
        measured: `${ratio(dry / floor)} (${ms(dry)})`,
        target: `≤ ${ratio(TARGET.dryRun)}`,
        pass: dry / floor <= TARGET.dryRun
      },
      {
        metric: 'Start-up: create / floor',
        measured: `${ratio(create / floor)} (${ms(create)})`,
        target: `≤ ${ratio(TARGET.create)}`,
        pass: create / floor <= TARGET.create
      },
      {
        metric: 'Start-up: dry run of one SOPS file, with its key / floor',
        measured: `${ratio(median(startup.sopsDryRun) / floor)} (${ms(median(startup.sopsDryRun))})`,
        target: 'info'
      },
      {
        metric: 'Bundle: dist/index.js / floor',
        measured: `${ratio(sizes.indexBytes / sizes.floorIndexBytes)} (${kb(sizes.indexBytes)} / ${kb(sizes.floorIndexBytes)})`,
        target: `≤ ${ratio(TARGET.bundle)}`,
        pass: sizes.indexBytes / sizes.floorIndexBytes <= TARGET.bundle
      },
      {
        metric: `Bundle: dist/*.js / floor${sizes.chunks.length ? ` (+${sizes.chunks.join(', ')})` : ''}`,
        measured: `${ratio(sizes.totalBytes / sizes.floorTotalBytes)} (${kb(sizes.totalBytes)})`,
        target: 'info'
      }
    ]
    rows.push({
      metric: `Batch: load + validate ${BATCH_SIZE} files (dry run)`,
      measured: `${ms(batchLoad)} (${ms((batchLoad - dry) / (BATCH_SIZE - 1))} per extra definition)`,
      target: 'info'
    })
    for (const b of batch) {
      // The start-up of a 200-definition run is its dry run (process start, load and
      // validate all 200): what is left is the time spent sending.
      const net = (b.wallMs - batchLoad) / b.idealMs
      const netOne = (b.wallMs - create) / b.idealMs
      rows.push({
        metric: `Batch c=${b.concurrency}: (wall − batch start-up) / ideal`,
        measured: `${ratio(net)} (wall ${ms(b.wallMs)} = ${ratio(b.wallMs / b.idealMs)} of ideal ${ms(b.idealMs)}; peak ${b.peakInFlight})`,
        target: `≤ ${ratio(TARGET.batch)}, peak ≤ ${b.concurrency}`,
        pass: net <= TARGET.batch && b.peakInFlight <= b.concurrency && b.failed === 0
      })
      rows.push({
        metric: `Batch c=${b.concurrency}: (wall − one-definition start-up) / ideal`,
        measured: ratio(netOne),
        target: 'info'
      })
    }
    rows.push({
      metric: `Rate limit ${limited.limit}/${limited.windowMs / 1000} s, c=${limited.concurrency}: wall / allowed`,
      measured: `${ratio(limited.wallMs / limited.allowedMs)} (${ms(limited.wallMs)} / ${ms(limited.allowedMs)}; ${limited.failed} failed, ${limited.rejected429} × 429)`,
      target: `≤ ${ratio(TARGET.rateLimited)}, 0 failed`,
      pass: limited.wallMs / limited.allowedMs <= TARGET.rateLimited && limited.failed === 0
    })
    for (const r of requestCounts.scenarios) {
      rows.push({
        metric: `Requests, ${BATCH_SIZE} definitions: ${r.scenario}`,
        measured:
          `${ratio(r.requests / r.bound)} of the minimum (${r.requests} requests, ${r.writes} writes;` +
          ` bound ${r.bound}; before: ${r.before})`,
        target: '≤ 1.00×',
        pass: r.requests <= r.bound
      })
    }
    const h = requestCounts.hourly
    rows.push({
      metric: `Hourly budget: no-op update reruns of ${BATCH_SIZE} in ${h.limit} requests`,
      measured:
        `${h.fits} (${h.perRun} requests each = ${ratio(h.perRun / (BATCH_SIZE + 2))} of the minimum;` +
        ` before: ${h.fitsBefore}; no-op skip reruns: ${h.fitsSkip})`,
      target: `≥ ${Math.floor(h.limit / (BATCH_SIZE + 2))}`,
      pass: h.fits >= Math.floor(h.limit / (BATCH_SIZE + 2))
    })

    const env = machine()
    if (args.json) {
      console.log(
        JSON.stringify(
          {
            machine: env,
            quick: QUICK,
            totalSeconds: totalS,
            stale,
            startup: {
              ...startup,
              medianMs: { floor, dryRun: dry, create },
              p90Ms: {
                floor: quantile(startup.floor, 0.9),
                dryRun: quantile(startup.dryRun, 0.9),
                create: quantile(startup.create, 0.9)
              },
              ratio: { dryRun: dry / floor, create: create / floor }
            },
            bundle: sizes,
            batchLoadMs: batchLoad,
            batch,
            rateLimited: limited,
            requests: requestCounts,
            rows,
            profile
          },
          null,
          2
        )
      )
      return
    }

    const out: string[] = []
    out.push(
      `Northflank global secret action — benchmark${QUICK ? ' (--quick: indicative only)' : ''}`,
      `${env.cpu}, ${env.memory}, ${env.os}, Node ${env.node}, ${env.date}`,
      `start-up: median of ${startup.rounds} alternating rounds after ${startup.warmupRounds} warm-up` +
        ` (p90 floor ${ms(quantile(startup.floor, 0.9))}, dry run ${ms(quantile(startup.dryRun, 0.9))}, create ${ms(quantile(startup.create, 0.9))})`,
      `batch: ${BATCH_SIZE} definitions, ${BATCH_LATENCY_MS} ms per request, ideal = list pages × latency + n × latency / c;` +
        ` rate limit allowed = start-up + latency + (windows − 1) × window + ⌈requests in the last window / c⌉ × latency`,
      '',
      table(
        ['Metric', 'Measured', 'Target', ''],
        rows.map((r) => [r.metric, r.measured, r.target, mark(r.pass)])
      ),
      ''
    )
    if (profile) {
      for (const note of profile.notes) out.push(`profile: ${note}`)
      if (profile.composition.length > 0) {
        const shown = profile.composition.filter(
          (c) => c.actionBytes >= 1024 || c.floorBytes >= 1024
        )
        out.push(
          'Bundle composition (generated bytes per source, from the ncc source maps; all chunks)',
          table(
            ['Package / area', 'Action', 'Floor', 'Difference'],
            shown.map((c) => [
              c.area,
              kb(c.actionBytes),
              kb(c.floorBytes),
              `${c.actionBytes >= c.floorBytes ? '+' : '−'}${kb(Math.abs(c.actionBytes - c.floorBytes))}`
            ])
          ),
          ''
        )
      }
      const rowsOf = (list: ProfileRow[]): string[][] =>
        list.map((r) => [r.name, ms(r.ms), `${(r.share * 100).toFixed(1)} %`])
      for (const p of profile.paths) {
        out.push(
          `Profile: ${p.path}: mean of ${p.runs} runs under --cpu-prof` +
            ` (wall ${ms(p.wallMs)}, sampled ${ms(p.profiledMs)} per run)`,
          table(['Self time by package / area', 'Self', 'Share'], rowsOf(p.byArea)),
          '',
          table(['Self time by source file', 'Self', 'Share'], rowsOf(p.byFile)),
          '',
          table(['Self time by function', 'Self', 'Share'], rowsOf(p.byFunction)),
          '',
          table(
            [
              'Time charged to the nearest bundled caller (built-ins, require and compile included)',
              'Time',
              'Share'
            ],
            rowsOf(p.byCaller)
          ),
          ''
        )
      }
    }
    const misses = rows.filter((r) => r.pass === false)
    if (stale) out.push(`WARNING: ${stale}`)
    out.push(
      misses.length === 0
        ? 'All targets met.'
        : `MISSED ${misses.length} target${misses.length === 1 ? '' : 's'}: ${misses.map((r) => r.metric).join('; ')}`,
      `(bench took ${totalS.toFixed(1)} s)`
    )
    console.log(out.join('\n'))
  } finally {
    await api.stop()
    rmSync(workspace, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
})
