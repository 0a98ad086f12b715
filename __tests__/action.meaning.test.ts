// A definition means what its author wrote (bundled action): values that would change are
// errors with the fix, unknown fields are errors unless allow-unknown-fields, Northflank's
// documented rules are warnings, and what the step reports agrees with its result.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { symlinkSync } from 'node:fs'
import path from 'node:path'
import type { StandIn } from '../tools/northflank-stand-in.js'
import { runAction, type ActionRun } from '../tools/run-action.js'
import { useStandIn } from './helpers/stand-in.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'

const TOKEN = 'meaning-token-77c1'
const errorsOf = (run: ActionRun) => run.annotations.filter((a) => a.level === 'error')
const warningsOf = (run: ActionRun) => run.annotations.filter((a) => a.level === 'warning')
const results = (run: ActionRun): unknown => JSON.parse(run.outputs.results ?? 'null')

describe('values are sent as written (bundled action)', () => {
  let ws: Workspace
  afterEach(() => ws?.remove())

  it('refuses PIN: 0123 in YAML at its line and column, showing the fix, and names the definition', async () => {
    ws = makeWorkspace({
      'secrets/app.yaml': [
        'name: App Settings',
        'type: config',
        'secrets:',
        '  values:',
        '    PORT: 8080',
        '    RATIO: 1.5',
        '    PIN: 0123',
        '    VERSION: 1.10',
        ''
      ].join('\n')
    })
    const run = await runAction(
      { file: 'secrets/app.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toBe('')
    expect(errorsOf(run)).toEqual([
      expect.objectContaining({
        file: 'secrets/app.yaml',
        line: 7,
        col: 10,
        message:
          'secrets.values.PIN has a leading zero, which a number drops (0123 would be sent as 123); put it in quotes to send it as written: PIN: "0123", or PIN: 123 to send the number'
      }),
      expect.objectContaining({
        file: 'secrets/app.yaml',
        line: 8,
        col: 14,
        message: expect.stringContaining('put it in quotes to send it as written: VERSION: "1.10"')
      })
    ])
    // The name is valid, so the step's outputs name the definition; the outcome is the step's.
    expect(run.outputs).toMatchObject({
      name: 'App Settings',
      id: 'app-settings',
      outcome: 'failed'
    })
    expect(results(run)).toEqual([
      { name: 'App Settings', id: 'app-settings', outcome: 'failed', file: 'secrets/app.yaml' }
    ])
  })

  it('refuses rounded and overflowing numbers and leading zeros in JSON files too', async () => {
    ws = makeWorkspace({
      'secrets/big.json':
        '{\n  "name": "Big Numbers",\n  "type": "config",\n  "secrets": {"values": {\n    "ACCOUNT": 12345678901234567890,\n    "RATIO": 1e400\n  }}\n}\n',
      'secrets/pin.json':
        '{"name": "Pin Code", "type": "config",\n "secrets": {"values": {"PIN": 0123}}}\n'
    })
    const run = await runAction(
      { file: 'secrets/*.json', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(
      errorsOf(run).map((a) => [a.file, a.line, a.col, a.message.replace(/ \(.*$/, '')])
    ).toEqual([
      // Syntax errors are reported as files are read, before validation.
      [
        'secrets/pin.json',
        2,
        32,
        'JSON syntax error: a number cannot start with 0; put it in quotes to keep it as written'
      ],
      [
        'secrets/big.json',
        5,
        16,
        'secrets.values.ACCOUNT has more digits than a number keeps exactly'
      ],
      ['secrets/big.json', 6, 14, 'secrets.values.RATIO is a number JSON cannot hold']
    ])
    expect(errorsOf(run)[1]!.message).toContain('"ACCOUNT": "12345678901234567890"')
  })

  it('never prints a value of a type secret definition, in any channel', async () => {
    ws = makeWorkspace({
      'secrets/pin.yaml':
        'name: Door Pin\ntype: secret\nsecrets:\n  values:\n    PIN: 0048151623\n    KEY: 98765432109876543210\n'
    })
    const run = await runAction(
      { file: 'secrets/pin.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(errorsOf(run).map((a) => [a.line, a.message.split(';')[1]])).toEqual([
      [
        5,
        ' put the value in quotes, exactly as the file writes it: PIN: "…" (values are shown only for definitions of type "config")'
      ],
      [
        6,
        ' put the value in quotes, exactly as the file writes it: KEY: "…" (values are shown only for definitions of type "config")'
      ]
    ])
    for (const fragment of ['0048151623', '48151623', '98765432109876543210', '9876543210987654']) {
      expect(run.everything).not.toContain(fragment)
    }
  })
})

describe('fields Northflank does not define (bundled action)', () => {
  const standIn = useStandIn({ tokens: [TOKEN] })
  let api: StandIn
  let ws: Workspace
  beforeEach(() => {
    api = standIn()
  })
  afterEach(() => ws?.remove())

  const TYPO = 'name: Typo Secret\ntype: config\nsecret:\n  values:\n    LOG_LEVEL: info\n'

  it('fails on `secret:` for `secrets:`, suggesting the field, and sends nothing', async () => {
    ws = makeWorkspace({ 'secrets/typo.yaml': TYPO })
    const run = await runAction(
      { file: 'secrets/typo.yaml', 'api-url': api.url, 'api-token': TOKEN },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(api.requests).toHaveLength(0)
    expect(errorsOf(run)).toEqual([
      expect.objectContaining({
        file: 'secrets/typo.yaml',
        line: 3,
        col: 1,
        message: expect.stringMatching(
          /^unknown field "secret" \(did you mean "secrets"\?\); Northflank's API does not define it .*set allow-unknown-fields: true to send it as written$/
        )
      })
    ])
    expect(run.outputs).toMatchObject({ name: 'Typo Secret', outcome: 'failed' })
  })

  it('with allow-unknown-fields: true, warns and sends the fields as written', async () => {
    ws = makeWorkspace({
      'secrets/new.yaml':
        'name: Newer Api\ntype: config\nsecrets:\n  values:\n    A: x\n  rotation: {days: 30}\nlabels: [team-a]\n'
    })
    const run = await runAction(
      {
        file: 'secrets/new.yaml',
        'api-url': api.url,
        'api-token': TOKEN,
        'allow-unknown-fields': 'true'
      },
      { workspace: ws.dir }
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('created')
    expect(warningsOf(run).map((a) => [a.line, a.message.split(';')[0]])).toEqual([
      [7, 'unknown field "labels"'],
      [6, 'unknown field "rotation" in secrets']
    ])
    expect(api.requests).toHaveLength(1)
    expect(api.requests[0]!.body).toEqual({
      name: 'Newer Api',
      type: 'config',
      secrets: { values: { A: 'x' }, rotation: { days: 30 } },
      labels: ['team-a']
    })
  })

  it('refuses a value of allow-unknown-fields it cannot read', async () => {
    ws = makeWorkspace({ 'secrets/typo.yaml': TYPO })
    const run = await runAction(
      { file: 'secrets/typo.yaml', 'dry-run': 'true', 'allow-unknown-fields': 'warn' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(errorsOf(run).map((a) => a.message)).toEqual([
      'Input "allow-unknown-fields" is "warn"; allowed values: true, false.'
    ])
  })
})

describe("Northflank's documented rules (bundled action)", () => {
  let ws: Workspace
  afterEach(() => ws?.remove())

  it('warns about gitops on type secret and secrets without values, and still passes', async () => {
    ws = makeWorkspace({
      'secrets/synced.yaml': [
        'name: Synced Secret',
        'type: secret',
        'secrets:',
        '  files: {}',
        'gitops:',
        '  vcsService: github',
        '  repoUrl: https://github.com/acme/config',
        '  branch: main',
        '  filePath: /secrets/app.json',
        ''
      ].join('\n')
    })
    const run = await runAction(
      { file: 'secrets/synced.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(0)
    expect(run.outputs.outcome).toBe('validated')
    expect(warningsOf(run).map((a) => [a.line, a.message])).toEqual([
      [
        3,
        'secrets has no "values"; Northflank\'s own client requires values whenever secrets is set: add values: {} if there are none'
      ],
      [
        5,
        'gitops is set on a definition of type "secret", but Northflank\'s "Manage global secrets" page says GitOps is supported for config only (global secrets of type "config"); Northflank may refuse or ignore it. Use type: config, or remove gitops'
      ]
    ])
  })

  it('checks secrets.files as documented, and no further', async () => {
    ws = makeWorkspace({
      'secrets/files.yaml': [
        'name: With Files',
        'type: config', // no masking: the warnings seen are the definition's own
        'secrets:',
        '  values: {}',
        '  files:',
        '    /etc/app/ca.pem: {data: LS0tLQ==, encoding: base64, mode: "0600"}',
        '    /etc/app/key.pem: LS0tLQ==',
        ''
      ].join('\n')
    })
    const run = await runAction(
      { file: 'secrets/files.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(errorsOf(run).map((a) => [a.line, a.col, a.message])).toEqual([
      [7, 23, 'secrets.files["/etc/app/key.pem"] must be a mapping (object), not a string']
    ])
    expect(warningsOf(run)).toEqual([])
  })
})

describe('what the step reports agrees with its result (bundled action)', () => {
  let ws: Workspace
  afterEach(() => ws?.remove())

  const VALID = 'name: Only One\ntype: config\nsecrets:\n  values:\n    A: x\n'

  it('says failed, not validated, when a glob also matched a README.md', async () => {
    ws = makeWorkspace({ 'secrets/only.yaml': VALID, 'secrets/README.md': '# notes\n' })
    const run = await runAction({ file: 'secrets/*', 'dry-run': 'true' }, { workspace: ws.dir })
    expect(run.code).toBe(1)
    expect(errorsOf(run)).toEqual([
      expect.objectContaining({
        file: 'secrets/README.md',
        message: expect.stringMatching(/^unsupported file extension ".md"/)
      })
    ])
    expect(run.outputs.outcome).toBe('failed')
    expect(run.outputs.name).toBe('Only One')
    expect(run.summary).toContain(
      'valid, but other definitions or files have errors (see annotations)'
    )
  })

  it('names a definition whose type is wrong but whose name is valid', async () => {
    ws = makeWorkspace({ 'secrets/typed.yaml': 'name: Well Named\ntype: public\n' })
    const run = await runAction(
      { file: 'secrets/typed.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(results(run)).toEqual([
      { name: 'Well Named', id: 'well-named', outcome: 'failed', file: 'secrets/typed.yaml' }
    ])
    expect(run.stdout).toMatch(/^failed {4}Well Named \(well-named\) from secrets\/typed\.yaml$/m)
    expect(run.stdout).not.toContain('no valid name')
  })
})

describe('files that cannot be read say why (bundled action)', () => {
  let ws: Workspace
  afterEach(() => ws?.remove())

  it('says a UTF-16 file is UTF-16', async () => {
    ws = makeWorkspace({
      '.git/HEAD': 'ref: refs/heads/main\n',
      'secrets/wide.yaml': Buffer.from('\uFEFFname: Wide\ntype: config\n', 'utf16le')
    })
    const run = await runAction(
      { file: 'secrets/wide.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(errorsOf(run)).toEqual([
      expect.objectContaining({
        file: 'secrets/wide.yaml',
        message: 'the file is saved as UTF-16; save it as UTF-8'
      })
    ])
  })

  it('says what a named pipe and a symbolic link loop are, without waiting on the pipe', async () => {
    ws = makeWorkspace({ '.git/HEAD': 'ref: refs/heads/main\n' })
    execFileSync('mkfifo', [path.join(ws.dir, 'pipe.yaml')])
    symlinkSync('loop.yaml', path.join(ws.dir, 'loop.yaml'))
    const run = await runAction(
      { file: 'pipe.yaml\nloop.yaml', 'dry-run': 'true' },
      { workspace: ws.dir, killAfterMs: 20_000 }
    )
    expect(run.signal).toBeNull()
    expect(run.code).toBe(1)
    expect(errorsOf(run).map((a) => a.message)).toEqual([
      'Input "file": "pipe.yaml" is a named pipe (FIFO), not a regular file; definitions are read from regular files only',
      'Input "file": "loop.yaml" is a symbolic link loop (it leads back to itself)'
    ])
  })

  it('says actions/checkout probably did not run when the workspace is empty', async () => {
    ws = makeWorkspace()
    const run = await runAction(
      { file: 'secrets/app.yaml', 'dry-run': 'true' },
      { workspace: ws.dir }
    )
    expect(run.code).toBe(1)
    expect(errorsOf(run).map((a) => a.message)).toEqual([
      'Input "file": "secrets/app.yaml" does not exist; the workspace is empty: actions/checkout probably did not run before this step'
    ])
  })
})
