// The bundled action in dry run: loading, validation, annotations, outputs.
import { afterEach, describe, expect, it } from '@jest/globals'
import { runAction } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const VALID_YAML = `# shared configuration for every service
name: Shared Config
description: Values every service reads
type: config
secrets:
  values:
    LOG_LEVEL: info
`

describe('dry run (bundled action)', () => {
  let ws: Workspace
  afterEach(() => ws?.remove())

  it('validates a YAML file without a token and reports validated', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': VALID_YAML })
    const run = await runAction(
      { file: 'secrets/shared.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      outcome: 'validated',
      name: 'Shared Config',
      id: 'shared-config'
    })
    expect(JSON.parse(run.outputs.results!)).toEqual([
      {
        name: 'Shared Config',
        id: 'shared-config',
        outcome: 'validated',
        file: 'secrets/shared.yaml'
      }
    ])
    expect(run.outputs.response).toBeUndefined()
    expect(run.summary).toContain('dry run')
    expect(run.summary).toContain('<code>shared-config</code>')
    expect(run.annotations.filter((a) => a.level === 'error')).toEqual([])
  })

  it('warns, and still succeeds, when the summary file cannot be written', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': VALID_YAML })
    const run = await runAction(
      { file: 'secrets/shared.yaml', 'dry-run': 'true' },
      { workspace: ws.dir, env: { GITHUB_STEP_SUMMARY: ws.dir } } // a directory, not a file
    )
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.outputs.outcome).toBe('validated')
    expect(run.annotations).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^The job summary could not be written/)
      })
    ])
  })

  it('annotates every problem of a YAML file at its line and column, and fails', async () => {
    ws = makeWorkspace({
      'secrets/bad.yaml': [
        'name: x', //                         line 1: too short
        'type: public', //                    line 2: enum
        'descriptoin: typo here', //          line 3: unknown key → error with suggestion
        'gitops:', //                         line 4: missing required fields → parent
        '  vcsService: github',
        '  repoUrl: not a url', //            line 6: pattern
        '  branch: main'
      ].join('\n')
    })
    const run = await runAction(
      { file: 'secrets/bad.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('')
    const errors = run.annotations.filter((a) => a.level === 'error')
    const at = (line: number): string[] =>
      errors.filter((a) => a.line === line).map((a) => a.message)
    expect(errors.every((a) => a.file === 'secrets/bad.yaml')).toBe(true)
    expect(at(1).join()).toMatch(/name/)
    expect(errors.find((a) => a.line === 1)?.col).toBe(7)
    expect(at(2).join()).toMatch(/secret, config/)
    expect(at(4).join()).toMatch(/filePath/)
    expect(at(6).join()).toMatch(/repoUrl/)
    expect(at(3).join()).toMatch(/unknown field "descriptoin" \(did you mean "description"\?\)/)
    expect(JSON.parse(run.outputs.results!)).toEqual([
      { name: null, id: null, outcome: 'failed', file: 'secrets/bad.yaml' }
    ])
    expect(run.stdout).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('annotates JSON files at the offending key and value', async () => {
    ws = makeWorkspace({
      'secrets/bad.json':
        '{\n  "name": "Good Name",\n  "type": "secret",\n  "gitops": {\n    "vcsService": "svn"\n  }\n}\n'
    })
    const run = await runAction(
      { file: 'secrets/bad.json', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    const errors = run.annotations.filter((a) => a.level === 'error')
    const vcs = errors.find((a) => /vcsService/.test(a.message) && a.line === 5)
    expect(vcs).toMatchObject({ file: 'secrets/bad.json', line: 5, col: 19 })
    // Missing repoUrl/branch/filePath point at the gitops key on line 4.
    expect(
      errors
        .filter((a) => a.line === 4)
        .map((a) => a.message)
        .join()
    ).toMatch(/repoUrl/)
  })

  it('reports a parse error at its line and column', async () => {
    ws = makeWorkspace({
      'secrets/broken.json': '{\n  "name": "Shared",\n  "type": "config",,\n}\n'
    })
    const run = await runAction(
      { file: 'secrets/broken.json', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    const [error] = run.annotations.filter((a) => a.level === 'error')
    expect(error).toMatchObject({ file: 'secrets/broken.json', line: 3 })
  })

  it('never quotes the source line of a syntax error, so a value on it cannot leak', async () => {
    ws = makeWorkspace({
      'secrets/a.yaml':
        'name: Leak Test\ntype: secret\nsecrets:\n  values:\n    KEY: "value-on-bad-line-9f8e\n    OTHER: [x\n',
      'secrets/b.json':
        '{"name": "Leak Test", "type": "secret", "secrets": {"values": {"K": "json-value-3c4d" "X": 1}}}'
    })
    for (const file of ['secrets/a.yaml', 'secrets/b.json']) {
      const run = await runAction({ file, 'dry-run': 'true' }, { workspace: ws.dir })
      expect(run.code).toBe(1)
      expect(run.annotations.filter((a) => a.level === 'error')).toHaveLength(1)
      expect(run.everything).not.toContain('value-on-bad-line-9f8e')
      expect(run.everything).not.toContain('json-value-3c4d')
      expect(run.stdout).not.toMatch(/^0 definitions/m)
    }
  })

  it('takes an inline definition over the file, and applies overrides', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': VALID_YAML })
    const run = await runAction(
      {
        definition: '{"name": "Inline One", "type": "secret"}',
        file: 'secrets/shared.yaml',
        name: 'Renamed Secret',
        'dry-run': 'true'
      },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      name: 'Renamed Secret',
      id: 'renamed-secret',
      outcome: 'validated'
    })
    expect(JSON.parse(run.outputs.results!)[0].file).toBeNull()
  })

  it('points at the line of an inline YAML definition in the message', async () => {
    ws = makeWorkspace()
    const run = await runAction(
      { definition: 'name: Fine Name\ntype: nope\n', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    const [error] = run.annotations.filter((a) => a.level === 'error')
    expect(error!.file).toBeUndefined()
    expect(error!.message).toMatch(/input "definition", line 2/)
  })

  it.each([
    [{ 'on-conflict': 'maybe' }, /"on-conflict" is "maybe"; allowed values: fail, skip, update/],
    [{ 'dry-run': 'yes please' }, /"dry-run" is "yes please"; allowed values: true, false/],
    [{ 'timeout-seconds': '-3' }, /"timeout-seconds" is "-3"/],
    [{ concurrency: '0' }, /"concurrency" is "0"/],
    [{ 'team-id': 'no/such team' }, /"team-id" is "no\/such team"/]
  ])('fails with one clear error for bad input %j', async (inputs, message) => {
    ws = makeWorkspace({ 'secrets/shared.yaml': VALID_YAML })
    const run = await runAction(
      { file: 'secrets/shared.yaml', 'dry-run': 'true', ...inputs },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('')
    const errors = run.annotations.filter((a) => a.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.message).toMatch(message)
  })

  it('needs a token when not a dry run', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': VALID_YAML })
    const run = await runAction({ file: 'secrets/shared.yaml' }, { workspace: ws.dir })
    expect(run.code).toBe(1)
    expect(run.annotations.map((a) => a.message)).toEqual([
      expect.stringMatching(/"api-token" is empty and NORTHFLANK_API_TOKEN is not set/)
    ])
  })

  it('starts with no unhandled rejection or warning on stderr for a missing file', async () => {
    ws = makeWorkspace()
    const run = await runAction(
      { file: 'secrets/missing.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('')
    expect(run.annotations.filter((a) => a.level === 'error')).toHaveLength(1)
  })
})
