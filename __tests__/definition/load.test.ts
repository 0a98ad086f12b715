// loadDefinitions end to end over committed fixtures, and the batch check across files.
import { describe, it, expect, jest } from '@jest/globals'
import { cp, mkdir, mkdtemp, open, rm, writeFile, type FileHandle } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  loadDefinitions,
  validateBatch,
  validateDefinition,
  type GlobalSecretDefinition,
  type ParsedDocument
} from '../../src/definition/index.js'

const workspace = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/definitions'
)

function validAll(documents: ParsedDocument[]) {
  return documents.map((doc) => {
    const { definition } = validateDefinition(doc)
    expect(definition).toBeDefined()
    return { doc, definition: definition as GlobalSecretDefinition }
  })
}

describe('loadDefinitions', () => {
  it('loads files in pattern order, then document order', async () => {
    const result = await loadDefinitions({ files: ['good/*.yaml', 'good/list.json'], workspace })
    expect(result.diagnostics).toEqual([])
    expect(
      result.documents.map((d) => [d.source.label, (d.value as { name: string }).name])
    ).toEqual([
      ['good/app.yaml', 'App Config'],
      ['good/multi.yaml (document 1)', 'Database'],
      ['good/multi.yaml (document 2)', 'Cache'],
      ['good/list.json (document 1)', 'Queue One'],
      ['good/list.json (document 2)', 'Queue Two']
    ])
    expect(validAll(result.documents)).toHaveLength(5)
  })

  it('keeps going after a bad file and collects every problem', async () => {
    // Malformed JSON is written here, not committed: prettier --check would rewrite it.
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'nf-load-'))
    await cp(workspace, scratch, { recursive: true })
    const broken = '{\n  "name": "Broken",\n  "type": "secret",\n}\n'
    await writeFile(path.join(scratch, 'bad', 'broken.json'), broken)
    const result = await loadDefinitions({
      files: ['bad/broken.json', 'missing.yaml', 'good/app.yaml', 'bad/invalid.yaml'],
      workspace: scratch
    }).finally(() => rm(scratch, { recursive: true, force: true }))
    expect(result.documents.map((d) => d.source.label)).toEqual([
      'good/app.yaml',
      'bad/invalid.yaml'
    ])
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        // The fixtures directory is no git checkout, so the hint about actions/checkout follows.
        message:
          'Input "file": "missing.yaml" does not exist; the workspace has no .git directory: if the file is in your repository, actions/checkout probably did not run before this step'
      },
      {
        severity: 'error',
        message: 'trailing commas are not allowed in JSON',
        file: 'bad/broken.json',
        line: 3,
        column: 19
      }
    ])
    const invalid = validateDefinition(result.documents[1] as ParsedDocument)
    expect(invalid.diagnostics.map((d) => [d.path, d.file, d.line, d.column])).toEqual([
      ['name', 'bad/invalid.yaml', 1, 7],
      ['type', 'bad/invalid.yaml', 2, 7],
      ['gitops', 'bad/invalid.yaml', 3, 1],
      ['gitops', 'bad/invalid.yaml', 3, 1]
    ])
  })

  it('uses the inline definition over files and warns that files are ignored', async () => {
    const result = await loadDefinitions({
      files: ['good/app.yaml'],
      inline: '{"name": "Inline", "type": "secret"}',
      workspace
    })
    expect(result.documents.map((d) => d.source.label)).toEqual(['input "definition"'])
    expect(result.diagnostics).toEqual([
      {
        severity: 'warning',
        message: expect.stringMatching(/^Input "file" is ignored because input "definition" is set/)
      }
    ])
  })

  it('reads inline YAML without any file', async () => {
    const result = await loadDefinitions({
      files: [],
      inline: 'name: Inline\ntype: config\n',
      workspace
    })
    expect(result).toMatchObject({
      diagnostics: [],
      documents: [{ value: { name: 'Inline', type: 'config' } }]
    })
  })

  it('treats a blank inline input as unset', async () => {
    const result = await loadDefinitions({ files: ['good/app.yaml'], inline: '  \n', workspace })
    expect(result.documents.map((d) => d.source.label)).toEqual(['good/app.yaml'])
  })

  it('reads many files at once, at most 16, and keeps file order', async () => {
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'nf-load-'))
    await mkdir(path.join(scratch, 's'))
    const names: string[] = []
    for (let i = 0; i < 60; i++) {
      const n = String(i).padStart(2, '0')
      names.push(`Secret ${n}`)
      // Sizes vary, so reads do not finish in the order they started.
      const padding = `# ${'x'.repeat((i * 7919) % 5000)}\n`
      await writeFile(
        path.join(scratch, 's', `${n}.yaml`),
        `${padding}name: Secret ${n}\ntype: secret\n`
      )
    }
    // Counts the files open whenever one more is stat'ed (a closed FileHandle has fd -1).
    // FileHandle is not exported: its prototype is reached through an open handle.
    const first = await open(path.join(scratch, 's', '00.yaml'))
    const proto = Object.getPrototypeOf(first) as Pick<FileHandle, 'stat'>
    await first.close()
    const handles = new Set<FileHandle>()
    let most = 0
    const { stat } = proto
    jest.spyOn(proto, 'stat').mockImplementation(function (this: FileHandle) {
      handles.add(this)
      most = Math.max(most, [...handles].filter((h) => h.fd !== -1).length)
      return stat.call(this)
    })
    const result = await loadDefinitions({ files: ['s/*.yaml'], workspace: scratch }).finally(
      () => {
        jest.restoreAllMocks()
        return rm(scratch, { recursive: true, force: true })
      }
    )
    expect(result.diagnostics).toEqual([])
    expect(result.documents.map((d) => (d.value as { name: string }).name)).toEqual(names)
    expect(most).toBeGreaterThan(1)
    expect(most).toBeLessThanOrEqual(16)
  })

  it('needs a file or an inline definition', async () => {
    const result = await loadDefinitions({ files: [' '], workspace })
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        message: 'Neither input "file" nor input "definition" is set; set one of them.'
      }
    ])
  })
})

describe('validateBatch', () => {
  it('reports names deriving the same id once, on the second, naming both places', async () => {
    const loaded = await loadDefinitions({
      files: ['dup/a.yaml', 'dup/b.json', 'good/app.yaml'],
      workspace
    })
    const diagnostics = validateBatch(validAll(loaded.documents))
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        message:
          'name "my-secret" at dup/b.json:3 derives the secret id "my-secret", which name "My Secret" at dup/a.yaml:1 already derives; Northflank would refuse the second with 409 Conflict. Rename one of them.',
        path: 'name',
        file: 'dup/b.json',
        line: 3,
        column: 11
      }
    ])
  })

  it('names the team and reports every further duplicate', async () => {
    const loaded = await loadDefinitions({
      files: ['dup/a.yaml', 'dup/b.json', 'dup/a.yaml'],
      workspace
    })
    // The same file twice is read once.
    expect(loaded.documents).toHaveLength(2)
    const inline = await loadDefinitions({
      files: [],
      inline: 'name: MY SECRET\ntype: secret',
      workspace
    })
    const defs = validAll([...loaded.documents, ...inline.documents])
    const diagnostics = validateBatch(defs, 'team-1')
    expect(diagnostics).toHaveLength(2)
    expect(diagnostics[1]?.message).toBe(
      'name "MY SECRET" at input "definition", line 1 derives the secret id "my-secret" in team "team-1", which name "My Secret" at dup/a.yaml:1 already derives; Northflank would refuse the second with 409 Conflict. Rename one of them.'
    )
    expect(diagnostics[1]).not.toHaveProperty('file')
  })

  it('is silent for distinct ids', async () => {
    const loaded = await loadDefinitions({ files: ['good/*'], workspace })
    expect(validateBatch(validAll(loaded.documents))).toEqual([])
  })
})
