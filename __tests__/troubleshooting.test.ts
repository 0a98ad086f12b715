// README's Troubleshooting section must list every message the action can show. The messages
// are read statically from src/ (see helpers/messages.ts for the sinks and how expressions are
// resolved); each must have its longest static fragment (12+ characters) in the section.
import { describe, it, expect } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  extractMessages,
  normalise,
  projectOptions,
  sourceFiles,
  troubleshootingSection,
  verdict,
  type ExtractedMessage
} from './helpers/messages.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const MIN_FRAGMENT = 12

/**
 * Messages that are not checked, by their text as extracted (`…` for run-time values). Short
 * ones have under 12 characters of static text, too little to find reliably; the others cannot
 * reach a user.
 */
const EXCEPTIONS: Record<string, string> = {
  'Input "…": …':
    'short: prefix of validation messages about values set by inputs; described in the introduction',
  '… from …: …':
    'short: prefix `global secret "…" (…) from …: ` of API failures; described in the introduction',
  '… must be …, not ……':
    'short: the type rule; documented in Validation rules with examples of what fills it in',
  '… is … character… long; it …':
    'short: fallback for length rules without their own message; listed under "other fields"',
  'YAML error: …': 'short: prefix of a js-yaml reason; documented under Parsing',
  aborted:
    'short, and never shown: an aborted attempt is reported as a time-out (`no response within …`)',
  'value too large to copy':
    'never shown: safeClone guard; the parse limits (1 MiB, 64 levels, 10000 alias nodes) stay far below it',
  'authentication handlers are not used':
    'never shown: http-client calls it only when canHandleAuthentication() is true, and it never is'
}

function describeMissing(m: ExtractedMessage): string {
  return `${m.where}: ${m.text}\n    needs: "${m.longest}"`
}

describe('Troubleshooting (README) lists every message the action can emit', () => {
  const messages = extractMessages(sourceFiles(path.join(ROOT, 'src')), ROOT, projectOptions(ROOT))
  const section = normalise(
    troubleshootingSection(readFileSync(path.join(ROOT, 'README.md'), 'utf8'))
  )
  const exempt = (m: ExtractedMessage): boolean => m.kind === 'message' && m.text in EXCEPTIONS
  const checked = messages.filter(
    (m) => !exempt(m) && ['listed', 'missing'].includes(verdict(m, section, MIN_FRAGMENT))
  )

  it('finds a plausible number of messages, from every kind of sink', () => {
    const tops = checked.filter((m) => m.kind === 'message')
    expect(tops.length).toBeGreaterThanOrEqual(80)
    expect(checked.filter((m) => m.kind === 'part').length).toBeGreaterThanOrEqual(20)
    const from = (prefix: string) => tops.filter((m) => m.where.startsWith(prefix)).length
    expect(from('src/inputs.ts')).toBeGreaterThanOrEqual(8) // problems.push
    expect(from('src/definition/')).toBeGreaterThanOrEqual(40) // Diagnostic messages
    expect(from('src/northflank/')).toBeGreaterThanOrEqual(20) // NorthflankError messages
    expect(from('src/main.ts')).toBeGreaterThanOrEqual(2) // fail(), notSent
  })

  it('lists every message in the Troubleshooting section', () => {
    const missing = checked
      .filter((m) => verdict(m, section, MIN_FRAGMENT) === 'missing')
      .map(describeMissing)
    if (missing.length > 0) {
      console.error(
        `Add these messages to README.md, between the troubleshooting markers:\n\n${missing.join('\n')}`
      )
    }
    expect(missing).toEqual([])
  })

  it('has a reason for every message too short to check, and no stale exception', () => {
    const short = messages
      .filter((m) => m.kind === 'message' && verdict(m, section, MIN_FRAGMENT) === 'short')
      .map((m) => m.text)
    expect(short.filter((text) => !(text in EXCEPTIONS))).toEqual([])
    const extracted = new Set(messages.filter((m) => m.kind === 'message').map((m) => m.text))
    expect(Object.keys(EXCEPTIONS).filter((text) => !extracted.has(text))).toEqual([])
  })
})

describe('message extraction', () => {
  const FIXTURE = `
class NorthflankError extends Error {
  constructor(message: string, readonly kind: string) {
    super(message)
  }
}
const LIMIT = 64
const RULE = 'a rule written ' + 'in two parts'
function hint(status: number): string {
  if (status === 401) return 'The fixture token was refused: check it.'
  return ''
}
export function run(problems: string[], name: string, status: number): object {
  problems.push(\`Input "\${name}" is not a value this fixture accepts.\`)
  console.info('A log line, which is not a message to document.')
  if (status > 1) {
    throw new NorthflankError(\`Nesting is deeper than \${LIMIT} levels; \${RULE}. \${hint(status)}\`, 'x')
  }
  return { severity: 'error', message: status > 0 ? 'The first branch of a conditional.' : 'Short.' }
}
`

  function extractFixture(): ExtractedMessage[] {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-messages-'))
    try {
      const file = path.join(dir, 'fixture.ts')
      writeFileSync(file, FIXTURE)
      return extractMessages([file], dir)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it('resolves sinks into templates and reports what a section lacks', () => {
    const found = extractFixture()
    const section = normalise(
      'Input `"…" is not a value this fixture accepts.` and ' +
        'Nesting is deeper than 64 levels; a rule written in   two parts.'
    )
    const verdicts = Object.fromEntries(
      found
        .filter((m) => verdict(m, section) !== 'no-text')
        .map((m) => [`${m.kind}: ${m.text}`, verdict(m, section)])
    )
    expect(verdicts).toEqual({
      'message: Input "…" is not a value this fixture accepts.': 'listed',
      'message: Nesting is deeper than 64 levels; a rule written in two parts. …': 'listed',
      'part: The fixture token was refused: check it.': 'missing',
      'message: The first branch of a conditional.': 'missing',
      'message: Short.': 'short'
    })
    expect(found.every((m) => m.where.startsWith('fixture.ts:'))).toBe(true)
  })
})
