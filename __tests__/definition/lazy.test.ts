// The parsers and @actions/glob are loaded only by the runs that need them (in the bundle each is
// a chunk of its own, so a run that does not need one never compiles it). Each module is mocked
// here to record that it was imported; the parsers delegate to the real packages.
import { describe, it, expect, beforeAll, beforeEach, afterAll, jest } from '@jest/globals'
import { mkdtemp, mkdir, realpath, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

const imported: string[] = []

jest.unstable_mockModule('js-yaml', () => {
  imported.push('js-yaml')
  return jest.requireActual('js-yaml')
})
jest.unstable_mockModule('jsonc-parser', () => {
  imported.push('jsonc-parser')
  return jest.requireActual('jsonc-parser')
})
// @actions/glob is ESM-only (no requireActual): a stand-in that matches one file.
const globbed: string[] = []
jest.unstable_mockModule('@actions/glob', () => {
  imported.push('@actions/glob')
  return {
    create: async (patterns: string) => ({
      glob: async () => {
        globbed.push(patterns)
        return [path.join(ws, 'secrets', 'a.yaml')]
      }
    })
  }
})

let ws: string

beforeAll(async () => {
  ws = await realpath(await mkdtemp(path.join(os.tmpdir(), 'nf-lazy-')))
  await mkdir(path.join(ws, 'secrets'))
  await mkdir(path.join(ws, '.git'))
  await writeFile(path.join(ws, 'secrets', 'a.yaml'), 'name: From YAML\ntype: secret\n')
  await writeFile(path.join(ws, 'secrets', 'b.json'), '{"name": "From JSON", "type": "config"}')
})

afterAll(async () => {
  await rm(ws, { recursive: true, force: true })
})

beforeEach(() => {
  // A fresh module registry per test: what one test loaded must not count for the next.
  jest.resetModules()
  imported.length = 0
  globbed.length = 0
})

async function load(request: { files: string[]; inline?: string }) {
  const { loadDefinitions } = await import('../../src/definition/index.js')
  const result = await loadDefinitions({ ...request, workspace: ws })
  return {
    names: result.documents.map((d) => (d.value as { name: string }).name),
    diagnostics: result.diagnostics
  }
}

describe('lazy loading', () => {
  it('loads nothing before a definition is parsed', async () => {
    await import('../../src/definition/index.js')
    expect(imported).toEqual([])
  })

  it('reads a literal JSON path with jsonc-parser alone: no glob, no js-yaml', async () => {
    expect(await load({ files: ['secrets/b.json'] })).toEqual({
      names: ['From JSON'],
      diagnostics: []
    })
    expect(imported).toEqual(['jsonc-parser'])
  })

  it('reads a literal YAML path with js-yaml alone: no glob, no jsonc-parser', async () => {
    expect(await load({ files: ['secrets/a.yaml'] })).toEqual({
      names: ['From YAML'],
      diagnostics: []
    })
    expect(imported).toEqual(['js-yaml'])
  })

  it('loads @actions/glob for an entry with glob syntax, and uses it', async () => {
    expect(await load({ files: ['secrets/*.yaml'] })).toEqual({
      names: ['From YAML'],
      diagnostics: []
    })
    expect(imported.sort()).toEqual(['@actions/glob', 'js-yaml'])
    expect(globbed).toEqual([`${ws}${path.sep}secrets${path.sep}*.yaml`])
  })

  it('loads no parser for a file that is refused before parsing', async () => {
    const { diagnostics } = await load({ files: ['secrets/missing.yaml'] })
    expect(diagnostics.map((d) => d.message)).toEqual([
      'Input "file": "secrets/missing.yaml" does not exist'
    ])
    expect(imported).toEqual([])
  })

  it('reads inline JSON without js-yaml', async () => {
    expect(await load({ files: [], inline: '{"name": "Inline", "type": "secret"}' })).toEqual({
      names: ['Inline'],
      diagnostics: []
    })
    expect(imported).toEqual(['jsonc-parser'])
  })

  it('loads js-yaml for inline text that is not JSON', async () => {
    expect(await load({ files: [], inline: 'name: Inline\ntype: secret\n' })).toEqual({
      names: ['Inline'],
      diagnostics: []
    })
    expect(imported).toEqual(['jsonc-parser', 'js-yaml'])
  })
})
