// Preloaded (node --import) into a child process by tests that bound its wall
// time. Ticks every 10 ms and notes each tick that came late (a stall: the
// process wanted to run and could not, or was busy), with its time, so the test
// can tell the machine's delays from the action's own waiting. Writes them, the
// CPU time used and the time of the 'exit' event (after which nothing the
// process holds can delay it) to NF_TEST_STALLS_FILE. Keeps nothing alive (the
// timer is unref'd) and prints nothing.
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { clearInterval, setInterval } from 'node:timers'

const file = process.env.NF_TEST_STALLS_FILE
if (file) {
  const TICK_MS = 10
  /** [epoch ms at the end of the stall, stall ms] */
  const stalls = []
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    const late = now - last - TICK_MS
    if (late > 1) stalls.push([Date.now(), late])
    last = now
  }, TICK_MS)
  timer.unref()
  process.on('exit', () => {
    clearInterval(timer)
    // The stall in progress at exit (e.g. the synchronous end of the run).
    const late = performance.now() - last - TICK_MS
    if (late > 1) stalls.push([Date.now(), late])
    const cpu = process.cpuUsage()
    const exitAt = Date.now()
    writeFileSync(file, JSON.stringify({ stalls, cpuMs: (cpu.user + cpu.system) / 1000, exitAt }))
  })
}
