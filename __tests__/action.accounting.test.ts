// The summary and `results` account for every file and every problem, within GitHub's limits.
import { afterEach, describe, expect, it } from '@jest/globals'
import { runAction } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const MiB = 1024 * 1024

function definition(name: string): string {
  return `name: ${name}\ntype: secret\nsecrets:\n  values:\n    KEY: value-of-${name.replace(/ /g, '-')}-long\n`
}

describe('every file and every problem is accounted for', () => {
  let ws: Workspace | undefined
  afterEach(() => ws?.remove())

  it('a file that cannot be loaded is a failed row in the summary and in results', async () => {
    ws = makeWorkspace({
      'secrets/good.yaml': definition('Good One'),
      'secrets/README.md': '# not a definition\n',
      'secrets/utf16.yaml': Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from(definition('Wide One'), 'utf16le')
      ]),
      'secrets/broken.json': '{"name": "Broken",'
    })
    const run = await runAction({ file: 'secrets/*', 'dry-run': 'true' }, { workspace: ws.dir })
    expect(run.code).toBe(1)
    const results = JSON.parse(run.outputs.results!) as Record<string, unknown>[]
    const byFile = Object.fromEntries(results.map((r) => [r.file, r.outcome]))
    expect(byFile).toEqual({
      'secrets/good.yaml': 'failed', // valid, but nothing is sent when another file fails
      'secrets/README.md': 'failed',
      'secrets/utf16.yaml': 'failed',
      'secrets/broken.json': 'failed'
    })
    for (const file of ['secrets/README.md', 'secrets/utf16.yaml', 'secrets/broken.json']) {
      expect(run.summary).toMatch(
        new RegExp(`❌ failed</td><td><code>${file.replace('.', '\\.')}</code>`)
      )
      // …and its problems are listed under its name.
      expect(run.summary).toContain(`<p><code>${file}</code> (`)
    }
    expect(run.summary).toMatch(/<h3>Problems \(\d+ problems?\)<\/h3>/)
    expect(run.summary).not.toContain('&#96;')
  })

  it('a run stopped by input errors still writes results [] and a summary of the problems', async () => {
    ws = makeWorkspace({})
    const run = await runAction(
      { file: 'secrets/*.yaml', 'on-conflict': 'sometimes', 'timeout-seconds': 'soon' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(run.outputs.results).toBe('[]')
    expect(run.summary).toContain('Nothing was sent to Northflank: fix the inputs named above')
    expect(run.summary).toContain('Input &#34;on-conflict&#34; is &#34;sometimes&#34;')
    expect(run.summary).toContain('Input &#34;timeout-seconds&#34;')
    expect(run.annotations.filter((a) => a.level === 'error')).toHaveLength(3) // + api-token
  })

  it('annotates the first 50 errors, logs and counts the rest, and lists every one per file', async () => {
    const files: Record<string, string> = {}
    for (let i = 0; i < 120; i++)
      files[`bad/f${String(i).padStart(3, '0')}.yaml`] = 'name: x\ntype: nope\n'
    ws = makeWorkspace(files)
    const run = await runAction({ file: 'bad/*.yaml', 'dry-run': 'true' }, { workspace: ws.dir })
    expect(run.code).toBe(1)
    const errors = run.annotations.filter((a) => a.level === 'error')
    expect(errors).toHaveLength(50)
    expect(run.log).toMatch(/^Error \(bad\/f119\.yaml:2\): /m)
    expect(run.log).toMatch(/^190 errors more than the first 50 of each kind are plain log lines/m)
    // 2 problems per file (short name, wrong type), every file listed.
    expect(run.summary).toContain('<h3>Problems (240 problems)</h3>')
    for (let i = 0; i < 120; i++)
      expect(run.summary).toContain(`bad/f${String(i).padStart(3, '0')}.yaml</code> (2 errors)`)
  })

  it('keeps the summary under 1 MiB and each output under 1 MB at 10,000 definitions, saying what was shortened', async () => {
    const long = 'Quite Long Definition Name For Size Testing'
    // Ten files of 1,000 documents each (one file may hold at most 1 MiB).
    const files: Record<string, string> = {}
    for (let f = 0; f < 10; f++) {
      const docs: string[] = []
      for (let i = f * 1000; i < (f + 1) * 1000; i++) docs.push(definition(`${long} ${i}`))
      files[`secrets/a-rather-long-directory-name/batch-${f}.yaml`] = docs.join('---\n')
    }
    ws = makeWorkspace(files)
    const run = await runAction(
      { file: 'secrets/a-rather-long-directory-name/*.yaml', 'dry-run': 'true' },
      { workspace: ws.dir, debug: false, killAfterMs: 120_000 }
    )
    expect(run.annotations).toEqual([])
    expect(run.code).toBe(0)
    expect(Buffer.byteLength(run.summary)).toBeLessThan(MiB)
    for (const value of Object.values(run.outputs))
      expect(Buffer.byteLength(value)).toBeLessThan(1_000_000)
    const results = JSON.parse(run.outputs.results!) as unknown[]
    expect(results.length).toBeGreaterThan(0)
    expect(run.summary).toContain('<h3>Shortened</h3>')
    expect(run.summary).toMatch(/The table shows the first [\d,]+ definitions of 10,000/)
    if (results.length < 10_000) {
      expect(run.summary).toContain(
        `The <code>results</code> output holds the first ${results.length.toLocaleString('en-US')} of 10,000`
      )
    }
    expect(run.summary).toContain('10000 definitions: 10000 validated')
  }, 180_000)
})
