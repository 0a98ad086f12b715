// One local Northflank stand-in per describe block: started before its tests,
// reset after each (requests, secrets, faults, latency, rate limit), stopped after all.
import { afterAll, afterEach, beforeAll } from '@jest/globals'
import { startStandIn, type StandIn, type StandInOptions } from '../../tools/northflank-stand-in.js'

export function useStandIn(options: StandInOptions): () => StandIn {
  let api: StandIn | undefined
  beforeAll(async () => {
    api = await startStandIn(options)
  })
  afterEach(() => {
    api?.reset()
    api?.setLatency(options.latencyMs ?? 0)
    api?.setRateLimit(options.rateLimit?.limit ?? 1000, options.rateLimit?.windowMs ?? 3_600_000)
  })
  afterAll(async () => {
    await api?.stop()
  })
  return () => {
    if (!api) throw new Error('the stand-in is not running (use it inside a test)')
    return api
  }
}
