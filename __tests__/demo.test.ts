// `npm run demo` is the README's quick start: it must work on a fresh clone.
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { ROOT } from '../tools/run-action.js'

describe('npm run demo', () => {
  it('plans, creates the examples, reruns with no write, plans a change, prints the summary and stops', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tools/demo.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(0) // exits by itself: the stand-in was stopped
    expect(out).toMatch(/Local Northflank stand-in listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(out).toMatch(/4 definitions: 4 create \(plan: nothing was changed in Northflank\)/)
    expect(out).toMatch(/4 definitions: 4 created/)
    expect(out).toMatch(/4 definitions: 4 unchanged/)
    expect(out).toMatch(/4 definitions: 3 unchanged, 1 update \(plan/)
    expect(out).toMatch(/~ secrets\.values\.DATABASE_PASSWORD/)
    // The SOPS example was decrypted with the demo key; its values never show.
    expect(out).toMatch(
      /created\s+Payments API \(payments-api\) from examples\/secrets\/payments-api\.sops\.yaml/
    )
    expect(out).not.toMatch(/sk_test_demo|whsec_demo|AGE-SECRET-KEY/)
    expect(out).toMatch(/\| Database Credentials \| database-credentials \| secret/)
    expect(out).toMatch(/results = \[\{"name":"App Config","id":"app-config","outcome":"created"/)
    expect(out).not.toContain('demo-password-not-real')
    expect(out).not.toContain('demo-password-rotated')
    // The plan and the no-op rerun send no write: 1 list page, 0 reads (empty scope); then 4 reads.
    expect(out).toMatch(/Requests: 1\*?\*? ?\(GET \/v1\/secrets\?per_page=100\)/)
    expect(out).toMatch(
      /Requests: 5\S* \(GET \/v1\/secrets\?per_page=100(, GET \/v1\/secrets\/[a-z-]+){4}\)/
    )
  })
})
