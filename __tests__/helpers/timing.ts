// Time bounds that hold on a busy machine without proving less.
//
// - Work done in this process (parsing, validating) is bounded by its CPU time:
//   unlike wall time, it does not grow when other processes take the cores.
// - A timer of the code under test fires late by as much as the event loop
//   stalled, so bounds on "gave up at the budget" allow the stall that was
//   measured while the code ran (and nothing more).
// - The bundle's bounds count from the first request the API received: start-up
//   (Node, the bundle, reading files) is measured in the same run, not guessed.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runAction, type ActionRun, type RunOptions } from '../../tools/run-action.js'

/** Runs `fn` and returns its value and the CPU time (user + system, ms) the process spent meanwhile. */
export async function cpuTimeOf<T>(fn: () => Promise<T> | T): Promise<{ value: T; cpuMs: number }> {
  const before = process.cpuUsage()
  const value = await fn()
  const used = process.cpuUsage(before)
  return { value, cpuMs: (used.user + used.system) / 1000 }
}

export interface Stalls {
  /** The longest single stall (ms): how late one timer could have fired. */
  maxMs: number
  /** All stalls added up (ms): time the process could not run its callbacks on time. */
  totalMs: number
}

const RESOLUTION_MS = 10

/** Reads a histogram of intervals between 10 ms ticks: anything above 10 ms is a stall. */
function stallsOf(h: { count: number; mean: number; max: number }): Stalls {
  if (h.count === 0) return { maxMs: 0, totalMs: 0 }
  return {
    maxMs: Math.max(0, h.max / 1e6 - RESOLUTION_MS),
    totalMs: Math.max(0, (h.mean / 1e6 - RESOLUTION_MS) * h.count)
  }
}

/** Watches this process's event loop: how late could its timers have fired? */
export function watchStalls(): { stop(): Stalls } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  histogram.enable()
  return {
    stop() {
      histogram.disable()
      return stallsOf(histogram)
    }
  }
}

const STALLS_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lag-preload.mjs')

export interface ChildStalls {
  /** [epoch ms at the end of a stall, its length in ms], in order. */
  stalls: Array<[number, number]>
  /** CPU time the child used (user + system, ms). */
  cpuMs: number
  /** Epoch ms of the child's 'exit' event: its event loop was empty (or exit was called). */
  exitAt: number
  /** The stalls between `from` and `to` (epoch ms), added up. */
  stalled(from: number, to?: number): number
}

/**
 * Node arguments and environment that make a child process record its own
 * stalls and CPU time (see lag-preload.mjs); `read()` returns them after it exited.
 */
export function childStallProbe(): {
  nodeArgs: string[]
  env: Record<string, string>
  read(): ChildStalls
} {
  const file = path.join(
    tmpdir(),
    `nf-stalls-${process.pid}-${Math.random().toString(36).slice(2)}.json`
  )
  return {
    nodeArgs: ['--import', pathToFileURL(STALLS_PRELOAD).href],
    env: { NF_TEST_STALLS_FILE: file },
    read() {
      try {
        const raw = JSON.parse(readFileSync(file, 'utf8')) as Omit<ChildStalls, 'stalled'>
        return {
          ...raw,
          stalled: (from, to = Infinity) =>
            raw.stalls.reduce((sum, [end, ms]) => {
              const overlap = Math.min(end, to) - Math.max(end - ms, from)
              return sum + Math.max(0, overlap)
            }, 0)
        }
      } finally {
        rmSync(file, { force: true })
      }
    }
  }
}

export interface TimedRun {
  run: ActionRun
  /** Epoch ms just before the spawn and at the exit (as this process saw them). */
  startedAt: number
  endedAt: number
  child: ChildStalls
  /** This process's stalls meanwhile (the stand-in answers from here). */
  test: Stalls
}

/** runAction, with the child's stalls recorded and this process's watched. */
export async function runActionTimed(
  inputs: Record<string, string>,
  options: RunOptions = {}
): Promise<TimedRun> {
  const probe = childStallProbe()
  const watch = watchStalls()
  const startedAt = Date.now()
  const run = await runAction(inputs, {
    ...options,
    nodeArgs: [...(options.nodeArgs ?? []), ...probe.nodeArgs],
    env: { ...options.env, ...probe.env }
  })
  const test = watch.stop()
  return { run, startedAt, endedAt: startedAt + run.elapsedMs, child: probe.read(), test }
}

/**
 * How long a run may take from the first request the API received to its exit:
 * the budget, a fixed allowance for reporting and exiting, and the stalls that
 * were measured in the child after that request plus the longest one here (the
 * stand-in records arrivals, this process notices the exit). Start-up (spawn to
 * first request) is measured and left out: it is not part of the budget.
 */
export function budgetBound(
  timed: TimedRun,
  firstRequestAt: number,
  budgetMs: number,
  tailMs = 500
): { afterFirstRequestMs: number; boundMs: number; startupMs: number; stalledMs: number } {
  const stalledMs = timed.child.stalled(firstRequestAt) + timed.test.maxMs
  return {
    afterFirstRequestMs: Math.round(timed.endedAt - firstRequestAt),
    boundMs: Math.round(budgetMs + tailMs + stalledMs),
    startupMs: Math.round(firstRequestAt - timed.startedAt),
    stalledMs: Math.round(stalledMs)
  }
}
