// The time budget counts from the moment a definition starts being sent: loading
// the HTTP stack for the first request is inside it, not before it.
import { describe, expect, it, jest } from '@jest/globals'
import { watchStalls } from '../helpers/timing.js'

const LOAD_MS = 400
let loadedAt = 0
// A transport that takes LOAD_MS to load (a slow disk, a cold cache) and whose
// requests never get an answer: they end only when the client aborts them.
jest.unstable_mockModule('@actions/http-client', async () => {
  await new Promise((r) => setTimeout(r, LOAD_MS))
  loadedAt = Date.now()
  type Prepare = { prepareRequest(options: { signal?: AbortSignal; agent?: unknown }): void }
  class HttpClient {
    constructor(
      _userAgent: string,
      private readonly handlers: Prepare[]
    ) {}
    private hang(): Promise<never> {
      const options: { signal?: AbortSignal; agent?: unknown } = {}
      for (const h of this.handlers) h.prepareRequest(options)
      return new Promise((_resolve, reject) => {
        options.signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }))
        )
      })
    }
    get = (): Promise<never> => this.hang()
    post = (): Promise<never> => this.hang()
    put = (): Promise<never> => this.hang()
  }
  return { HttpClient }
})

const { applyGlobalSecret } = await import('../../src/sync.js')
const { NorthflankError } = await import('../../src/northflank/errors.js')

describe('the time budget', () => {
  it('includes loading the HTTP stack for the first request', async () => {
    const budgetMs = 600
    const watch = watchStalls()
    const started = Date.now()
    const error = await applyGlobalSecret(
      { apiUrl: 'http://127.0.0.1:9', token: 'tok-123', userAgent: 'test', timeoutMs: budgetMs },
      { name: 'abc', type: 'secret' },
      'fail'
    ).catch((e: unknown) => e)
    const elapsed = Date.now() - started
    expect(loadedAt - started).toBeGreaterThanOrEqual(LOAD_MS - 5)
    expect(error).toBeInstanceOf(NorthflankError)
    expect((error as InstanceType<typeof NorthflankError>).kind).toBe('timeout')
    expect(elapsed).toBeGreaterThanOrEqual(budgetMs - 10)
    // Counting from after the load would end at LOAD_MS + budgetMs (1000 ms). The load is
    // a wait, not work, so it is no stall: the allowance cannot hide it.
    expect(elapsed).toBeLessThan(budgetMs + 250 + watch.stop().totalMs)
  })
})
