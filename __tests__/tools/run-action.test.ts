// The runner emulation itself: masks, encoded forms, command parsing, dropped outputs.
import { afterEach, describe, expect, it } from '@jest/globals'
import { RunnerMasker, processOutput, processStdout, runAction } from '../../tools/run-action.js'
import { makeWorkspace, type Workspace } from '../helpers/workspace.js'

describe('RunnerMasker', () => {
  it('masks every occurrence, merges overlaps, and has no minimum length', () => {
    const masker = new RunnerMasker()
    masker.add('d')
    masker.add('abc')
    masker.add('bcde')
    expect(masker.mask('xabcdex dd')).toBe('x***x ***')
  })

  it('masks the encoded forms the runner registers', () => {
    const masker = new RunnerMasker()
    masker.add('pä"ss\'w&rd<')
    const value = 'pä"ss\'w&rd<'
    for (const form of [
      Buffer.from(value).toString('base64'),
      Buffer.from(value).subarray(1).toString('base64'),
      Buffer.from(value).subarray(2).toString('base64'),
      'pä\\"ss\'w&rd<',
      "pä\"ss''w&rd<",
      'p%C3%A4%22ss%27w%26rd%3C',
      'pä&quot;ss&apos;w&amp;rd&lt;'
    ]) {
      expect(masker.mask(`[${form}]`)).toBe('[***]')
    }
  })
})

describe('processStdout', () => {
  it('applies ::add-mask:: (and each line of it) to every later line, annotations included', () => {
    const view = processStdout(
      [
        'before hunter22',
        '::add-mask::hunter22%0Aline-two',
        'after hunter22 and line-two',
        '::error file=a.yaml,line=3::bad hunter22',
        '::add-mask::   '
      ].join('\n')
    )
    expect(view.log).toEqual([
      'before hunter22',
      'after *** and ***',
      '::error file=a.yaml,line=3::bad ***'
    ])
    expect(view.annotations).toEqual([
      { level: 'error', message: 'bad ***', file: 'a.yaml', line: 3 }
    ])
    expect(view.masker.registered).toEqual(['hunter22\nline-two', 'hunter22', 'line-two'])
  })

  it('parses commands as the runner does: after leading space, \\r as a line end, legacy ##[', () => {
    const view = processStdout(
      'x\r::warning::one\n   ::notice::two\nsome ##[error]three\n::unknown::four\n'
    )
    expect(view.annotations.map((a) => [a.level, a.message])).toEqual([
      ['warning', 'one'],
      ['notice', 'two'],
      ['error', 'three']
    ])
  })

  it('stops processing commands after ::stop-commands:: until the token comes back', () => {
    const view = processStdout(
      '::stop-commands::pause-token\n::error::ignored\n::pause-token::\n::error::seen\n::stop-commands::x\n'
    )
    expect(view.annotations.map((a) => a.message)).toEqual(['seen'])
    expect(view.commandsStopped).toBe(true)
  })
})

describe('processOutput (stdout and stderr, as the runner reads both)', () => {
  it('parses commands on stderr and shares one masker with stdout, in arrival order', () => {
    const view = processOutput([
      { stream: 'stdout', text: 'out hunter22-x before\n' },
      { stream: 'stderr', text: '::add-mask::hunter22-x\nerr hunter22-x' },
      { stream: 'stdout', text: 'out hunter22-x after\n' },
      { stream: 'stderr', text: ' tail\n::error file=e.yaml::from stderr hunter22-x\n' }
    ])
    expect(view.log).toEqual([
      'out hunter22-x before',
      'out *** after',
      'err *** tail',
      '::error file=e.yaml::from stderr ***'
    ])
    expect(view.annotations).toEqual([
      { level: 'error', message: 'from stderr ***', file: 'e.yaml' }
    ])
  })

  it('keeps a \\r\\n split across chunks as one line end', () => {
    const view = processOutput([
      { stream: 'stderr', text: 'one\r' },
      { stream: 'stderr', text: '\ntwo' }
    ])
    expect(view.log).toEqual(['one', 'two'])
  })
})

describe('runAction', () => {
  let ws: Workspace | undefined
  afterEach(() => ws?.remove())

  it('puts stderr through the command parser and masker, into the log', async () => {
    ws = makeWorkspace({
      'fake.mjs': [
        "console.error('::add-mask::stderr-secret-1')",
        "console.log('stdout sees stderr-secret-1')",
        "console.error('::warning::stderr sees stderr-secret-1')"
      ].join('\n')
    })
    const run = await runAction({}, { workspace: ws.dir, script: `${ws.dir}/fake.mjs` })
    expect(run.masks).toEqual(['stderr-secret-1'])
    expect(run.log).toContain('stdout sees ***')
    expect(run.log).not.toContain('stderr-secret-1')
    expect(run.annotations).toEqual([{ level: 'warning', message: 'stderr sees ***' }])
    expect(run.everything).not.toContain('stderr-secret-1')
  })

  it('reports a summary whose text or markup a mask garbles', async () => {
    ws = makeWorkspace({
      'fake.mjs': [
        "import { appendFileSync, writeFileSync } from 'node:fs'",
        "console.log('::add-mask::code')",
        "appendFileSync(process.env.GITHUB_OUTPUT, 'ok<<EOF\\nfine\\nEOF\\n')",
        "writeFileSync(process.env.GITHUB_STEP_SUMMARY, '<p>fine</p>\\n<td><code>acme/platform-config</code></td>\\n')"
      ].join('\n')
    })
    const script = `${ws.dir}/fake.mjs`
    const run = await runAction({}, { workspace: ws.dir, script, allowMaskProblems: true })
    expect(run.summary).toBe('<p>fine</p>\n<td><***>acme/platform-config</***></td>\n')
    expect(run.maskProblems).toEqual([
      'summary line 2 is garbled by a mask: "<td><***>acme/platform-config</***></td>"'
    ])
    await expect(runAction({}, { workspace: ws.dir, script })).rejects.toThrow(/summary line 2/)
  })

  it('drops an output that contains a masked string and refuses garbled public text', async () => {
    ws = makeWorkspace({
      'fake.mjs': [
        "import { appendFileSync, writeFileSync } from 'node:fs'",
        "console.log('::add-mask::0123')",
        "console.log('::add-mask::long-secret')",
        'appendFileSync(process.env.GITHUB_OUTPUT, \'results<<EOF\\n[{"name":"n","id":"n","outcome":"created","file":"a-long-secret.yaml"}]\\nEOF\\nok<<EOF\\nfine\\nEOF\\n\')',
        "writeFileSync(process.env.GITHUB_STEP_SUMMARY, 'commit 0123456\\nlong-secret\\n')"
      ].join('\n')
    })
    const script = `${ws.dir}/fake.mjs`
    await expect(runAction({}, { workspace: ws.dir, script })).rejects.toThrow(
      /output "results" dropped[\s\S]*"0123456789abcdef0123456789abcdef01234567" is garbled/
    )
    const run = await runAction({}, { workspace: ws.dir, script, allowMaskProblems: true })
    expect(run.outputs).toEqual({ ok: 'fine' })
    expect(run.droppedOutputs).toEqual(['results'])
    expect(run.summary).toBe('commit ***456\n***\n')
    expect(run.annotations).toContainEqual({
      level: 'warning',
      message: "Skip output 'results' since it may contain secret."
    })
  })
})
