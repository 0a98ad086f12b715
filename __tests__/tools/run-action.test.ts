// The runner emulation itself: masks, encoded forms, command parsing, dropped outputs.
import { afterEach, describe, expect, it } from '@jest/globals'
import { RunnerMasker, processStdout, runAction } from '../../tools/run-action.js'
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

describe('runAction', () => {
  let ws: Workspace | undefined
  afterEach(() => ws?.remove())

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
