import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import * as core from '@actions/core'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  buildSummary,
  redactSecretValues,
  writeOutputs,
  type DefinitionResult
} from '../../src/report/index.js'
import { parseOutputs } from '../../tools/run-action.js'

describe('response redaction', () => {
  it('redacts every leaf under secrets and keeps everything else', () => {
    const data = {
      name: 'Shared Config',
      type: 'secret',
      secrets: {
        values: { A: 'a', N: 5, OFF: false, Z: null },
        files: { '/f': { data: 'x', encoding: 'utf-8' } }
      },
      createdAt: '2026-01-01T00:00:00Z'
    }
    expect(redactSecretValues(data)).toEqual({
      name: 'Shared Config',
      type: 'secret',
      secrets: {
        values: { A: '***', N: '***', OFF: '***', Z: null },
        files: { '/f': { data: '***', encoding: '***' } }
      },
      createdAt: '2026-01-01T00:00:00Z'
    })
    expect(data.secrets.values.A).toBe('a')
  })
})

describe('outputs and summary', () => {
  let dir: string
  const saved = { ...process.env }
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'report-test-'))
    process.env.GITHUB_OUTPUT = path.join(dir, 'out')
    writeFileSync(process.env.GITHUB_OUTPUT, '')
    process.env.GITHUB_REPOSITORY = 'acme/config'
    process.env.GITHUB_SHA = 'abcdef0123456789'
    process.env.GITHUB_RUN_ID = '7'
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
    process.env = { ...saved }
    core.summary.emptyBuffer()
  })

  const one: DefinitionResult = {
    source: { file: 'secrets/a.yaml', index: 0, count: 1, label: 'secrets/a.yaml' },
    name: 'Shared Config',
    id: 'shared-config',
    type: 'config',
    outcome: 'created',
    data: { name: 'Shared Config', secrets: { values: { KEY: 'topsecret' } } }
  }

  it('sets single-value outputs for one definition, with the response redacted', () => {
    writeOutputs({ dryRun: false, results: [one] })
    const outputs = parseOutputs(readFileSync(process.env.GITHUB_OUTPUT!, 'utf8'))
    expect(outputs).toEqual({
      results: JSON.stringify([
        { name: 'Shared Config', id: 'shared-config', outcome: 'created', file: 'secrets/a.yaml' }
      ]),
      name: 'Shared Config',
      id: 'shared-config',
      outcome: 'created',
      response: JSON.stringify({ name: 'Shared Config', secrets: { values: { KEY: '***' } } }),
      'has-changes': 'true'
    })
  })

  it('has-changes: true only for (planned) creates and updates; unset in a dry run', () => {
    const cases: Array<[DefinitionResult['outcome'][], boolean, string | undefined]> = [
      [['created', 'unchanged'], false, 'true'],
      [['unchanged', 'exists'], false, 'false'],
      [['update', 'conflict'], false, 'true'],
      [['unchanged', 'conflict', 'failed'], false, 'false'],
      [['validated'], true, undefined]
    ]
    for (const [outcomes, dryRun, expected] of cases) {
      writeFileSync(process.env.GITHUB_OUTPUT!, '')
      writeOutputs({ dryRun, results: outcomes.map((outcome) => ({ ...one, outcome })) })
      const outputs = parseOutputs(readFileSync(process.env.GITHUB_OUTPUT!, 'utf8'))
      expect(outputs['has-changes']).toBe(expected)
    }
  })

  it('plan summary: the action and the changed paths of each definition, escaped', () => {
    const html = buildSummary({
      dryRun: false,
      plan: true,
      results: [
        { ...one, outcome: 'update', changes: ['~ description', '+ secrets.values.<b>X</b>'] },
        { ...one, name: 'Other', id: 'other', outcome: 'unchanged', changes: [] }
      ]
    }).stringify()
    expect(html).toContain('Northflank global secrets (plan)')
    expect(html).toContain('<th>Outcome</th><th>Changes</th>')
    expect(html).toContain(
      '✏️ update</td><td><code>~ description</code><br><code>+ secrets.values.&#60;b&#62;X&#60;/b&#62;</code>'
    )
    expect(html).toContain('🟰 unchanged</td><td>—</td>')
    expect(html).toContain('nothing was changed in Northflank')
    expect(html).not.toContain('<b>X')
  })

  it('sets only results when the run holds several definitions', () => {
    const two: DefinitionResult = {
      ...one,
      name: 'Other',
      id: 'other',
      outcome: 'failed',
      error: 'boom'
    }
    writeOutputs({ dryRun: false, results: [one, two] })
    const outputs = parseOutputs(readFileSync(process.env.GITHUB_OUTPUT!, 'utf8'))
    expect(Object.keys(outputs)).toEqual(['results', 'has-changes'])
    expect(JSON.parse(outputs.results!)).toHaveLength(2)
  })

  it('renders a table with repository, commit, totals and failures, escaping user text', () => {
    const bad: DefinitionResult = {
      ...one,
      name: 'Other',
      id: 'other',
      outcome: 'failed',
      error: 'HTTP 403 <script>alert(1)</script>',
      data: undefined
    }
    const html = buildSummary({
      dryRun: false,
      teamId: 'platform',
      results: [one, bad]
    }).stringify()
    expect(html).toContain(
      '<th>Name</th><th>Identifier</th><th>Type</th><th>Outcome</th><th>Source</th>'
    )
    expect(html).toContain('<code>shared-config</code>')
    expect(html).toContain('✅ created')
    expect(html).toContain('❌ failed')
    expect(html).toContain('acme/config')
    expect(html).toContain('https://github.com/acme/config/commit/abcdef0123456789')
    expect(html).toContain('2 definitions: 1 created, 1 failed')
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('topsecret')
  })
})
