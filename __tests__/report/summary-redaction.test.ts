// The job summary escapes outside text into HTML character references (`_` → `&#95;`), after
// which the runner's mask of a registered value no longer matches it: the summary must redact
// registered values itself, before escaping. The pull-request comment is built from the same
// HTML and must hold no registered value either.
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { buildCommentBody } from '../../src/report/comment-body.js'
import { registerSecret, registeredSecrets, resetMaskingForTests } from '../../src/report/mask.js'
import type { RunReport } from '../../src/report/results.js'
import { buildSummaryHtml } from '../../src/report/summary.js'

/** What a browser shows for the summary's text: numeric and named character references decoded. */
function rendered(html: string): string {
  return html
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

// Characters the summary escapes, in a secret: each spelling must go.
const SECRET = 'http://github.com/acme/my_repo'
const PUNCTUATED = 'p*ss|w\'rd`[x]\\y&z"q'

function report(): RunReport {
  return {
    dryRun: true,
    results: [
      {
        source: { label: 'secrets/c.sops.yaml', file: 'secrets/c.sops.yaml', index: 0, count: 1 },
        name: 'Shared Config',
        id: 'shared-config',
        type: 'config',
        outcome: 'failed',
        error: `gitops.repoUrl "${SECRET}" is not a repository URL; \`${PUNCTUATED}\``
      }
    ],
    notSent: `Nothing was sent: ${SECRET}`,
    problems: [
      {
        severity: 'error',
        file: 'secrets/c.sops.yaml',
        line: 5,
        column: 14,
        message: `gitops.repoUrl "${SECRET}" is not a repository URL Northflank accepts (\`${PUNCTUATED}\`)`
      }
    ]
  } as RunReport
}

describe('job summary redaction', () => {
  afterEach(() => resetMaskingForTests())

  it('redacts registered values before escaping them, in every section', () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      expect(registerSecret(SECRET)).toBe('masked')
      expect(registerSecret(PUNCTUATED)).toBe('masked')
    } finally {
      stdout.mockRestore()
    }
    const html = buildSummaryHtml(report())
    const text = rendered(html)
    expect(text).not.toContain('my_repo')
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(PUNCTUATED)
    expect(html).not.toContain('my&#95;repo')
    // …and the problem is still there, with the value replaced.
    expect(text).toContain('gitops.repoUrl "***" is not a repository URL Northflank accepts')
    expect(text).toContain('Nothing was sent: ***')
    // Public text is not touched.
    expect(text).toContain('Shared Config')
    expect(text).toContain('secrets/c.sops.yaml')

    const comment = buildCommentBody({
      content: html,
      identity: { workflow: 'ci', job: 'secrets', step: '__run' },
      secrets: registeredSecrets()
    })
    expect(rendered(comment.body)).not.toContain('my_repo')
    expect(rendered(comment.body)).not.toContain(PUNCTUATED)
  })

  it('leaves text alone when nothing is registered', () => {
    const text = rendered(buildSummaryHtml(report()))
    expect(text).toContain(`gitops.repoUrl "${SECRET}"`)
  })
})

describe('redaction with many registered values', () => {
  afterEach(() => resetMaskingForTests())

  /** Median of five builds, in ms. */
  function timeBuild(report: RunReport): number {
    const times: number[] = []
    for (let i = 0; i < 5; i++) {
      const start = performance.now()
      buildSummaryHtml(report)
      times.push(performance.now() - start)
    }
    return times.sort((a, b) => a - b)[2]!
  }

  it('finds every one, and a summary of 1,000 rows costs about the same as with none', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      source: { label: `secrets/s${i}.yaml`, file: `secrets/s${i}.yaml`, index: 0, count: 1 },
      name: `Secret ${i}`,
      id: `secret-${i}`,
      type: 'secret',
      outcome: 'failed' as const,
      error: `Northflank answered 400 for definition ${i}`
    }))
    const big = { dryRun: false, results: rows } as RunReport
    const none = timeBuild(big)

    const random = () =>
      Math.random().toString(36).slice(2, 12) + Math.random().toString(36).slice(2, 12)
    const values = Array.from({ length: 3000 }, random)
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      for (const value of values) registerSecret(value)
    } finally {
      stdout.mockRestore()
    }
    // Each registered value is redacted wherever it is, in its echo forms too.
    const picked = [values[0]!, values[1234]!, values[2999]!]
    const html = buildSummaryHtml({
      ...big,
      results: [
        {
          ...rows[0]!,
          error: `a ${picked[0]} b ${JSON.stringify(picked[1])} c ${Buffer.from(picked[2]!).toString('base64')}`
        }
      ]
    })
    for (const value of picked) expect(html).not.toContain(value)
    expect(html).not.toContain(Buffer.from(picked[2]!).toString('base64').slice(0, 12))
    expect(rendered(html)).toContain('a *** b "***" c ***')

    // Trying 3,000 values (and their forms) on every piece of every row took about 30 times as
    // long as the build itself; looking up only the values a piece could hold keeps it close.
    expect(timeBuild(big)).toBeLessThan(none * 8 + 300)
  })
})
