// `npm run local-action`: GitHub's @github/local-action runs src/main.ts against
// the stand-in. What CONTRIBUTING promises must work on a fresh clone.
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { ROOT } from '../../tools/run-action.js'

function localAction(mode: string): { code: number | null; out: string } {
  const result = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    ['tools/local-action.ts', mode],
    // No inherited INPUT_* or GITHUB_* from a CI job: the tool sets what it needs.
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 100_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME }
    }
  )
  return { code: result.status, out: `${result.stdout}${result.stderr}` }
}

const resultsOf = (out: string): Array<{ name: string; outcome: string }> => {
  const line = out.split('\n').find((l) => l.startsWith('::set-output name=results::'))
  return JSON.parse(line?.slice('::set-output name=results::'.length) ?? '[]') as Array<{
    name: string
    outcome: string
  }>
}

describe('npm run local-action', () => {
  it('plan: runs src/main.ts through @github/local-action, reads the stand-in, writes nothing', () => {
    const { code, out } = localAction('plan')
    expect({ code, tail: out.slice(-2_000) }).toMatchObject({ code: 0 })
    expect(resultsOf(out).map((r) => `${r.name}: ${r.outcome}`)).toEqual([
      'App Config: create',
      'Database Credentials: create',
      'Payments API: create',
      'Feature Flags: create'
    ])
    expect(out).toContain('Requests the stand-in received: 1\n  GET /v1/secrets?per_page=100')
    // The SOPS file was decrypted with the example key, and no value reached the output.
    expect(out).not.toContain('SOPS file read without an age key')
    // (`::add-mask::` lines register masks: with @actions/core not stubbed, as when node_modules
    // is a symbolic link that local-action's stub does not match, they are the runner protocol.)
    const shown = out
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(shown).not.toContain('local-password-not-real')
  })

  it('refuses an unknown mode with its usage', () => {
    const { code, out } = localAction('deploy')
    expect(code).toBe(2)
    expect(out).toContain('usage: npm run local-action [-- apply|plan|dry-run]')
  })
})
