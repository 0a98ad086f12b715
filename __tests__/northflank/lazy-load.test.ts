// The HTTP stack is loaded only when a request is sent: main.ts benchmarks its
// start-up, and a dry run or an api-url check must not pay for http-client/undici.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, jest } from '@jest/globals'

let loads = 0
// A stand-in transport: this test only counts when the module is loaded.
jest.unstable_mockModule('@actions/http-client', () => {
  loads++
  const refuse = (): Promise<never> =>
    Promise.reject(Object.assign(new Error('fake transport'), { code: 'EFAKE' }))
  return {
    HttpClient: class {
      get = refuse
      post = refuse
      put = refuse
    }
  }
})

const { checkApiUrl } = await import('../../src/northflank/client.js')
const { applyGlobalSecret } = await import('../../src/sync.js')
const { NorthflankError } = await import('../../src/northflank/errors.js')

describe('lazy loading of @actions/http-client', () => {
  it('is not loaded by importing the client or checking api-url', () => {
    checkApiUrl('https://api.northflank.com')
    expect(loads).toBe(0)
  })

  it('is loaded once a request is sent', async () => {
    const error = await applyGlobalSecret(
      { apiUrl: 'http://127.0.0.1:9', token: 'tok-123', userAgent: 'test', timeoutMs: 2_000 },
      { name: 'abc', type: 'secret' },
      'fail'
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NorthflankError)
    expect((error as InstanceType<typeof NorthflankError>).code).toBe('EFAKE')
    expect(loads).toBe(1)
  })
})

describe('TLS verification is never switched off in src/', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? files(path) : [path]
    })

  it('no rejectUnauthorized: false, ignoreSslError or NODE_TLS_REJECT_UNAUTHORIZED', () => {
    const sources = files(join(process.cwd(), 'src')).filter((f) => /\.[cm]?[jt]s$/.test(f))
    expect(sources.length).toBeGreaterThan(0)
    for (const file of sources) {
      const text = readFileSync(file, 'utf8')
      expect({ file, bad: /rejectUnauthorized\s*:\s*false/.test(text) }).toEqual({
        file,
        bad: false
      })
      expect({ file, bad: /ignoreSslError\s*:\s*true/.test(text) }).toEqual({ file, bad: false })
      expect({ file, bad: /NODE_TLS_REJECT_UNAUTHORIZED/.test(text) }).toEqual({ file, bad: false })
    }
  })
})
