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
