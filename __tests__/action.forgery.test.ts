// Nothing from outside the action can start a line or a workflow command: file names, keys,
// names and server messages reach the log, annotations and summary inert.
import { afterEach, describe, expect, it } from '@jest/globals'
import { useStandIn } from './helpers/stand-in.js'
import { runAction, type ActionRun } from '../tools/run-action.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'nf-token-forgery-41aa'
const VALID = 'name: Name Ok\ntype: secret\nsecrets:\n  values:\n    K: value-long-enough-1\n'

const HOSTILE_FILES = [
  'secrets/a\n::warning file=x::INJECTED\n.yaml',
  'secrets/b\n::stop-commands::pause-token-1\n.yaml',
  'secrets/c\r::error::CR-INJECTED.yaml',
  'secrets/d ##[error]LEGACY-INJECTED.yaml',
  'secrets/e\u2028::notice::LS\u0085.yaml',
  'secrets/f\n\n| cell | break |\n\n<b>x.yaml'
]

/** Commands the runner would take from injected text: a forged name or a payload of its own. */
function forged(run: ActionRun): string[] {
  return run.commands
    .filter(
      (c) =>
        ['set-output', 'stop-commands'].includes(c.name) ||
        c.name.startsWith('pause-token') ||
        /^(INJECTED|CR-INJECTED|LEGACY-INJECTED|LS|BAD-INJECTED|forged)/.test(c.data)
    )
    .map((c) => `${c.name}: ${c.data}`)
}

describe('a log nobody can forge', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let ws: Workspace | undefined
  afterEach(() => ws?.remove())

  it('file names with line breaks, ::commands and ##[ reach no command and no raw line', async () => {
    const files: Record<string, string> = {}
    HOSTILE_FILES.forEach((name, i) => {
      files[name] = VALID.replace('Name Ok', `Definition ${String.fromCharCode(65 + i)}`)
    })
    // One invalid file, so its name goes through the diagnostics too.
    files['secrets/g\n::error::BAD-INJECTED\n.yaml'] = 'name: Broken\ntype: nope\n'
    ws = makeWorkspace(files)
    const run = await runAction(
      { file: 'secrets/*.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(forged(run)).toEqual([])
    expect(run.commandsStopped).toBe(false)
    expect(run.commands.map((c) => c.name)).not.toContain('stop-commands')
    // Every file is accounted for, named in visible escapes on one line.
    const results = JSON.parse(run.outputs.results!) as { file: string }[]
    expect(results.map((r) => r.file).sort()).toEqual([...Object.keys(files)].sort())
    expect(run.log).toContain('secrets/a\\n::warning file=x::INJECTED\\n.yaml')
    expect(run.log).toContain('secrets/c\\r::error::CR-INJECTED.yaml')
    expect(run.log).toContain('secrets/d ##\\[error]LEGACY-INJECTED.yaml')
    expect(run.log).toContain('secrets/e\\u2028::notice::LS\\u0085.yaml')
    for (const line of run.log.split('\n'))
      expect(line).not.toMatch(/^\s*::(?!debug|error|warning|notice)/)
    // The summary: every cell on one line, no markup from a name.
    expect(run.summary).not.toContain('<b>')
    for (const cell of run.summary.match(/<td>[\s\S]*?<\/td>/g) ?? [])
      expect(cell).not.toMatch(/[\r\n]/)
    expect(run.stdout).not.toMatch(/[\u2028\u0085]/)
  })

  it('server messages with \\n::set-output, %0A::error:: and ::stop-commands:: stay data', async () => {
    const api = standIn()
    api.injectFaults({ method: 'POST' }, [
      {
        kind: 'status',
        status: 422,
        body: {
          error: {
            status: 422,
            message: 'bad\n::set-output name=outcome::created\r\n::stop-commands::pause-token-2',
            id: 'x%0A::error::forged',
            details: { name: ['\n::warning::forged ##[error]forged'] }
          }
        }
      }
    ])
    ws = makeWorkspace({ 'secrets/a.yaml': VALID })
    const run = await runAction(
      { file: 'secrets/a.yaml', 'api-url': api.url, 'api-token': TOKEN },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(forged(run)).toEqual([])
    expect(run.commandsStopped).toBe(false)
    const errors = run.annotations.filter((a) => a.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.message).toContain('::set-output name=outcome::created')
    expect(run.outputs.outcome).toBe('failed')
    for (const line of run.log.split('\n'))
      expect(line).not.toMatch(/^\s*::(set-output|stop-commands)/)
    expect(run.summary).toContain('::set-output')
  })
})
