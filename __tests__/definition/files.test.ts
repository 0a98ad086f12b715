// Finding and reading definition files: globs, workspace confinement, size and encoding checks.
import {
  describe,
  it,
  expect,
  beforeAll,
  beforeEach,
  afterAll,
  afterEach,
  jest
} from '@jest/globals'
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { promisify } from 'node:util'
import {
  mkdtemp,
  mkdir,
  open,
  writeFile,
  symlink,
  rm,
  truncate,
  realpath,
  type FileHandle
} from 'node:fs/promises'
import type { Stats } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  readDefinitionFile,
  resolveDefinitionFiles,
  workspaceRoot
} from '../../src/definition/files.js'
import { MAX_DEFINITION_SIZE } from '../../src/definition/internal.js'
import { cpuTimeOf } from '../helpers/timing.js'

let root: string // holds the workspace and an "outside" directory next to it
let ws: string
let outside: string

const rel = (files: string[]) => files.map((f) => path.relative(ws, f).split(path.sep).join('/'))
const messages = (d: { message: string }[]) => d.map((x) => x.message)

beforeAll(async () => {
  // Brackets in the workspace path check that it is escaped before globbing.
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'nf-files-')))
  ws = path.join(root, 'ws [1]')
  outside = path.join(root, 'outside')
  await mkdir(path.join(ws, 'secrets', 'sub'), { recursive: true })
  await mkdir(path.join(ws, '.git')) // a checkout: no hint about actions/checkout
  await mkdir(outside)
  const files: Record<string, string> = {
    'secrets/b.yaml': 'name: b\n',
    'secrets/a.yaml': 'name: a\n',
    'secrets/c.json': '{}',
    'secrets/d.yml': 'name: d\n',
    'secrets/sub/e.yaml': 'name: e\n',
    'notes.txt': 'text'
  }
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(ws, name), text)
  await writeFile(path.join(outside, 'x.yaml'), 'name: outside\n')
  await mkdir(path.join(outside, 'dir'))
  await writeFile(path.join(outside, 'dir', 'y.yaml'), 'name: outside\n')
  await symlink(path.join(outside, 'x.yaml'), path.join(ws, 'secrets', 'out-link.yaml'))
  await symlink(path.join(ws, 'secrets', 'a.yaml'), path.join(ws, 'in-link.yaml'))
  await symlink(path.join(outside, 'dir'), path.join(ws, 'secrets', 'dir-link'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('resolveDefinitionFiles', () => {
  it('resolves literal paths in the given order', async () => {
    const result = await resolveDefinitionFiles(['secrets/b.yaml', 'secrets/a.yaml'], ws)
    expect(result.diagnostics).toEqual([])
    expect(rel(result.files)).toEqual(['secrets/b.yaml', 'secrets/a.yaml'])
    expect(result.files.every((f) => path.isAbsolute(f))).toBe(true)
  })

  it('sorts the matches of each glob and keeps pattern order across globs', async () => {
    const result = await resolveDefinitionFiles(['secrets/sub/*.yaml', 'secrets/[abd].y*ml'], ws)
    expect(result.diagnostics).toEqual([])
    expect(rel(result.files)).toEqual([
      'secrets/sub/e.yaml',
      'secrets/a.yaml',
      'secrets/b.yaml',
      'secrets/d.yml'
    ])
  })

  it('deduplicates by real path, symlinks inside the workspace included', async () => {
    const result = await resolveDefinitionFiles(
      ['secrets/a.yaml', 'secrets/*.yaml', 'in-link.yaml'],
      ws
    )
    expect(rel(result.files)).toEqual(['secrets/a.yaml', 'secrets/b.yaml'])
  })

  it('excludes matches of ! entries from globs', async () => {
    const result = await resolveDefinitionFiles(
      ['secrets/**/*.yaml', '!secrets/sub/**', '!secrets/out-link.yaml'],
      ws
    )
    expect(result.diagnostics).toEqual([])
    expect(rel(result.files)).toEqual(['secrets/a.yaml', 'secrets/b.yaml'])
  })

  it('reports a missing literal path', async () => {
    const result = await resolveDefinitionFiles(['secrets/missing.yaml', 'secrets/a.yaml'], ws)
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "secrets/missing.yaml" does not exist'
    ])
    expect(rel(result.files)).toEqual(['secrets/a.yaml'])
  })

  it('reports a glob that matches nothing', async () => {
    const result = await resolveDefinitionFiles(['secrets/*.toml'], ws)
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "secrets/*.toml" matched no files'
    ])
  })

  it('reports a directory', async () => {
    const result = await resolveDefinitionFiles(['secrets'], ws)
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "secrets" is a directory; name files or use a glob such as secrets/*.yaml'
    ])
  })

  it.each([
    ['a relative path with ..', () => '../outside/x.yaml'],
    ['an absolute path outside', () => path.join(outside, 'x.yaml')],
    ['a glob with ..', () => '../outside/*.yaml'],
    ['.. hidden in the middle', () => 'secrets/../../outside/x.yaml']
  ])('refuses %s before touching it', async (_label, entry) => {
    const result = await resolveDefinitionFiles([entry()], ws)
    expect(result.files).toEqual([])
    expect(messages(result.diagnostics)).toEqual([
      `Input "file": "${entry()}" is outside the workspace; only files in it are read`
    ])
  })

  it('accepts an absolute path inside the workspace', async () => {
    const result = await resolveDefinitionFiles([path.join(ws, 'secrets', 'a.yaml')], ws)
    expect(result.diagnostics).toEqual([])
    expect(rel(result.files)).toEqual(['secrets/a.yaml'])
  })

  it('refuses a symlink leading out, named or matched', async () => {
    const named = await resolveDefinitionFiles(['secrets/out-link.yaml'], ws)
    expect(named.files).toEqual([])
    expect(messages(named.diagnostics)).toEqual([
      'Input "file": "secrets/out-link.yaml" resolves (through a symbolic link) outside the workspace; refused'
    ])
    const matched = await resolveDefinitionFiles(['secrets/*.yaml'], ws)
    expect(rel(matched.files)).toEqual(['secrets/a.yaml', 'secrets/b.yaml'])
    expect(messages(matched.diagnostics)).toEqual([
      'Input "file": "secrets/out-link.yaml" resolves (through a symbolic link) outside the workspace; refused'
    ])
  })

  it('does not walk a symlinked directory leading out', async () => {
    const result = await resolveDefinitionFiles(['secrets/**/y.yaml'], ws)
    expect(result.files).toEqual([])
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "secrets/**/y.yaml" matched no files'
    ])
  })

  it('reports a workspace that does not exist', async () => {
    const result = await resolveDefinitionFiles(['a.yaml'], path.join(root, 'nope'))
    expect(messages(result.diagnostics)[0]).toMatch(/workspace .* does not exist/)
    const resolved = await workspaceRoot(path.join(root, 'nope'))
    expect(resolved).toEqual({ abs: path.join(root, 'nope') })
    expect(await resolveDefinitionFiles(['a.yaml'], resolved)).toEqual(result)
  })

  it('takes the workspace resolved once for the run', async () => {
    const resolved = await workspaceRoot(ws)
    expect(resolved).toEqual({ abs: ws, real: ws })
    const result = await resolveDefinitionFiles(['secrets/a.yaml', 'in-link.yaml'], resolved)
    expect(rel(result.files)).toEqual(['secrets/a.yaml'])
    const read = await readDefinitionFile(result.files[0] as string, resolved)
    expect(read).toEqual({ text: 'name: a\n', diagnostics: [], file: 'secrets/a.yaml' })
  })
})

describe('readDefinitionFile', () => {
  const write = async (name: string, content: string | Buffer) => {
    const file = path.join(ws, name)
    await writeFile(file, content)
    return file
  }

  it('reads UTF-8 text and strips the BOM', async () => {
    const file = await write('bom.yaml', '\uFEFFname: abc\n')
    expect(await readDefinitionFile(file, ws)).toEqual({
      text: 'name: abc\n',
      diagnostics: [],
      file: 'bom.yaml'
    })
  })

  it.each(['upper.YAML', 'upper.Yml', 'upper.JSON'])(
    'accepts the extension of %s in any case',
    async (name) => {
      const result = await readDefinitionFile(await write(name, '{}'), ws)
      expect(result.diagnostics).toEqual([])
    }
  )

  it.each([
    [
      'notes.txt',
      'unsupported file extension ".txt": definition files end in .json, .yaml or .yml'
    ],
    [
      'a.yaml.bak',
      'unsupported file extension ".bak": definition files end in .json, .yaml or .yml'
    ],
    ['Makefile', 'definition files need a .json, .yaml or .yml extension; this one has none']
  ])('refuses %s by its extension', async (name, message) => {
    const result = await readDefinitionFile(await write(name, 'name: x'), ws)
    expect(result).toEqual({
      file: name,
      diagnostics: [{ severity: 'error', message, file: name }]
    })
  })

  it('accepts exactly 1 MiB', async () => {
    const head = 'name: abc\n#'
    const file = await write('max.yaml', head + 'x'.repeat(MAX_DEFINITION_SIZE - head.length))
    expect((await readDefinitionFile(file, ws)).diagnostics).toEqual([])
  })

  it('refuses 1 MiB + 1 byte', async () => {
    const file = await write('big.yaml', 'x'.repeat(MAX_DEFINITION_SIZE + 1))
    const result = await readDefinitionFile(file, ws)
    expect(result.text).toBeUndefined()
    expect(messages(result.diagnostics)).toEqual(['the file is 1.0 MiB; the limit is 1 MiB'])
  })

  it('checks the size before reading: a sparse 8 GiB file is refused at once', async () => {
    const file = await write('huge.json', '')
    await truncate(file, 8 * 1024 ** 3)
    // Reading 8 GiB would cost seconds of CPU time (and the memory); a stat costs next to none.
    const { value: result, cpuMs } = await cpuTimeOf(() => readDefinitionFile(file, ws))
    expect(cpuMs).toBeLessThan(500)
    expect(messages(result.diagnostics)).toEqual(['the file is 8192.0 MiB; the limit is 1 MiB'])
    await rm(file)
  })

  it.each([
    ['empty', ''],
    ['whitespace only', '  \n\n'],
    ['a BOM only', '\uFEFF\n']
  ])('refuses an %s file', async (_label, content) => {
    const result = await readDefinitionFile(await write('empty.yaml', content), ws)
    expect(messages(result.diagnostics)).toEqual(['the file is empty'])
  })

  it('refuses a binary file and says where the NUL byte is', async () => {
    const file = await write('bin.json', Buffer.from('{\n  "a": "\u0000"}'))
    const result = await readDefinitionFile(file, ws)
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        message: 'the file is binary (it contains a NUL byte), not JSON or YAML text',
        file: 'bin.json',
        line: 2,
        column: 9
      }
    ])
  })

  it.each([
    ['UTF-16 (little-endian, with a BOM)', Buffer.from('\uFEFFname: abc\n', 'utf16le'), 'UTF-16'],
    [
      'UTF-16 (big-endian, with a BOM)',
      Buffer.from('\uFEFFname: abc\n', 'utf16le').swap16(),
      'UTF-16'
    ],
    [
      'UTF-32 (little-endian, with a BOM)',
      Buffer.from([0xff, 0xfe, 0, 0, 0x6e, 0, 0, 0]),
      'UTF-32'
    ],
    [
      'UTF-16 without a BOM',
      Buffer.from('name: abc\n', 'utf16le'),
      'UTF-16 (without a byte-order mark)'
    ],
    [
      'UTF-16 (big-endian) without a BOM',
      Buffer.from('{"name": "abc"}', 'utf16le').swap16(),
      'UTF-16 (without a byte-order mark)'
    ]
  ])('recognises %s and says to save it as UTF-8', async (_label, bytes, encoding) => {
    const result = await readDefinitionFile(await write('wide.yaml', bytes), ws)
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        message: `the file is saved as ${encoding}; save it as UTF-8`,
        file: 'wide.yaml'
      }
    ])
  })

  it('still calls a file with a stray NUL byte binary, not UTF-16', async () => {
    const result = await readDefinitionFile(await write('nul.yaml', 'name: a\u0000bc\n'), ws)
    expect(messages(result.diagnostics)).toEqual([
      'the file is binary (it contains a NUL byte), not JSON or YAML text'
    ])
  })

  it('refuses non-UTF-8 text and names the line', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('name: abc\ndescription: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n')
    ])
    const result = await readDefinitionFile(await write('latin1.yaml', latin1), ws)
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        message: 'the file is not valid UTF-8 text; save it as UTF-8',
        file: 'latin1.yaml',
        line: 2,
        column: 1
      }
    ])
  })

  it('refuses a file that resolves outside the workspace', async () => {
    const result = await readDefinitionFile(path.join(ws, 'secrets', 'out-link.yaml'), ws)
    expect(result.text).toBeUndefined()
    expect(messages(result.diagnostics)).toEqual([
      'the file resolves outside the workspace; refused'
    ])
  })

  it('reports a file that vanished', async () => {
    const result = await readDefinitionFile(path.join(ws, 'gone.yaml'), ws)
    expect(messages(result.diagnostics)).toEqual(['the file does not exist'])
  })
})

describe('readDefinitionFile, when the file changes between stat and read', () => {
  // The buffer is sized by stat; these make stat report another size than the file has.
  // FileHandle is not exported: its prototype is reached through an open handle.
  let proto: { stat: (this: FileHandle) => Promise<Stats> }
  beforeAll(async () => {
    const handle = await open(path.join(ws, 'secrets', 'a.yaml'))
    proto = Object.getPrototypeOf(handle)
    await handle.close()
  })
  afterEach(() => {
    jest.restoreAllMocks()
  })

  const statSays = (size: number) => {
    const stat = proto.stat
    jest.spyOn(proto, 'stat').mockImplementation(async function (this: FileHandle) {
      const real = await stat.call(this)
      return Object.assign(Object.create(Object.getPrototypeOf(real)), real, { size })
    })
  }

  it.each([
    ['grew', 5],
    ['shrank', 1000]
  ])('reads all of a file that %s', async (_label, size) => {
    const text = 'name: abc\ntype: secret\n'
    const file = path.join(ws, 'changed.yaml')
    await writeFile(file, text)
    statSays(size)
    expect(await readDefinitionFile(file, ws)).toEqual({
      text,
      diagnostics: [],
      file: 'changed.yaml'
    })
  })

  it('refuses a file that grew past 1 MiB', async () => {
    const file = path.join(ws, 'grown.yaml')
    await writeFile(file, 'x'.repeat(MAX_DEFINITION_SIZE + 1))
    statSays(10)
    const result = await readDefinitionFile(file, ws)
    expect(result.text).toBeUndefined()
    expect(messages(result.diagnostics)).toEqual(['the file is larger than 1 MiB'])
    await rm(file)
  })
})

describe('entries that are not regular files', () => {
  let special: string
  let server: Server | undefined
  beforeAll(async () => {
    special = await realpath(await mkdtemp(path.join(os.tmpdir(), 'nf-special-')))
    await mkdir(path.join(special, '.git'))
    await promisify(execFile)('mkfifo', [path.join(special, 'pipe.yaml')])
    await symlink('loop.yaml', path.join(special, 'loop.yaml'))
    await symlink('nowhere.yaml', path.join(special, 'dangling.yaml'))
    server = createServer()
    await new Promise<void>((resolve) => server!.listen(path.join(special, 'sock.yaml'), resolve))
  })
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    await rm(special, { recursive: true, force: true })
  })

  it.each([
    [
      'pipe.yaml',
      'is a named pipe (FIFO), not a regular file; definitions are read from regular files only'
    ],
    ['sock.yaml', 'is a socket, not a regular file; definitions are read from regular files only'],
    ['loop.yaml', 'is a symbolic link loop (it leads back to itself)'],
    ['dangling.yaml', 'is a symbolic link to a file that does not exist']
  ])('says what %s is', async (name, what) => {
    const result = await resolveDefinitionFiles([name], special)
    expect(result.files).toEqual([])
    expect(messages(result.diagnostics)).toEqual([`Input "file": "${name}" ${what}`])
  })

  it('reports a named pipe that a glob matched, rather than skipping it', async () => {
    const result = await resolveDefinitionFiles(['pipe.*'], special)
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "pipe.yaml" is a named pipe (FIFO), not a regular file; definitions are read from regular files only'
    ])
  })

  it('never waits on a named pipe it is asked to read', async () => {
    const started = performance.now()
    const result = await readDefinitionFile(path.join(special, 'pipe.yaml'), special)
    expect(messages(result.diagnostics)).toEqual(['not a regular file: it is a named pipe (FIFO)'])
    expect(performance.now() - started).toBeLessThan(5000)
  })

  // Creating a device needs root (mknod); CI runners and this machine's tests run as root.
  const asRoot = process.getuid?.() === 0 ? it : it.skip
  asRoot('says a device is a device', async () => {
    await promisify(execFile)('mknod', [path.join(special, 'null.yaml'), 'c', '1', '3'])
    const result = await resolveDefinitionFiles(['null.yaml'], special)
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "null.yaml" is a device, not a regular file; definitions are read from regular files only'
    ])
  })
})

describe('a missing file, when the repository was probably not checked out', () => {
  let dir: string
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'nf-checkout-')))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('says actions/checkout probably did not run when the workspace is empty', async () => {
    const result = await resolveDefinitionFiles(['secrets/a.yaml', 'secrets/*.yml'], dir)
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "secrets/a.yaml" does not exist; the workspace is empty: actions/checkout probably did not run before this step',
      'Input "file": "secrets/*.yml" matched no files; the workspace is empty: actions/checkout probably did not run before this step'
    ])
  })

  it('says so, more carefully, when the workspace has files but no .git', async () => {
    await writeFile(path.join(dir, 'artifact.txt'), 'x')
    const result = await resolveDefinitionFiles(['secrets/a.yaml'], dir)
    expect(messages(result.diagnostics)).toEqual([
      'Input "file": "secrets/a.yaml" does not exist; the workspace has no .git directory: if the file is in your repository, actions/checkout probably did not run before this step'
    ])
  })

  it('adds nothing in a checkout', async () => {
    await mkdir(path.join(dir, '.git'))
    const result = await resolveDefinitionFiles(['secrets/a.yaml'], dir)
    expect(messages(result.diagnostics)).toEqual(['Input "file": "secrets/a.yaml" does not exist'])
  })
})
