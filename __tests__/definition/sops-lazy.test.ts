// The SOPS code is paid for only by runs that hold a SOPS file: the SOPS stage and the age
// library are chunks of their own in the bundle (checked on dist/), and age-encryption is
// imported only when a file is opened with a key (checked with a recording mock).
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const imported: string[] = []

// age-encryption is ESM-only; the mock records the import and answers like a key that opens
// nothing, which is all these runs need.
jest.unstable_mockModule('age-encryption', () => {
  imported.push('age-encryption')
  return {
    identityToRecipient: async () => 'age1recorded',
    armor: { decode: () => new Uint8Array() },
    Decrypter: class {
      addIdentity(): void {}
      async decrypt(): Promise<Uint8Array> {
        throw new Error('no identity matched')
      }
    }
  }
})

const SOPS_FILE = readFileSync(
  path.join(ROOT, '__tests__/fixtures/sops/real-sops-3.8.1.enc.yaml'),
  'utf8'
)
let ws: string

beforeAll(async () => {
  ws = await realpath(await mkdtemp(path.join(os.tmpdir(), 'nf-sops-lazy-')))
  await writeFile(path.join(ws, 'plain.yaml'), 'name: Plain\ntype: config\n')
  await writeFile(path.join(ws, 'sops.yaml'), SOPS_FILE)
})
afterAll(async () => {
  await rm(ws, { recursive: true, force: true })
})
beforeEach(() => {
  jest.resetModules()
  imported.length = 0
})

async function load(file: string, identities: string[]) {
  const { loadDefinitions } = await import('../../src/definition/index.js')
  return loadDefinitions({
    files: [file],
    workspace: ws,
    sops: { identities, keySource: 'Input "sops-age-key"', dryRun: true }
  })
}

describe('SOPS code is loaded lazily', () => {
  it('a run without a SOPS file never imports age-encryption', async () => {
    const result = await load('plain.yaml', [
      'AGE-SECRET-KEY-1QXRVEJH9S4NQU0FPD6V79ESZQ8S6PXH3L8V40EVPTHFH6KNKD4DQ7SKC4P'
    ])
    expect(result.diagnostics).toEqual([])
    expect(imported).toEqual([])
  })

  it('a dry run without a key checks a SOPS file without importing age-encryption', async () => {
    const result = await load('sops.yaml', [])
    expect(result.diagnostics.map((d) => d.severity)).toEqual(['notice'])
    expect(imported).toEqual([])
  })

  it('a SOPS file opened with a key imports it', async () => {
    await load('sops.yaml', [
      'AGE-SECRET-KEY-1QXRVEJH9S4NQU0FPD6V79ESZQ8S6PXH3L8V40EVPTHFH6KNKD4DQ7SKC4P'
    ])
    expect(imported).toEqual(['age-encryption'])
  })

  it('the bundle keeps the SOPS stage and age out of dist/index.js, in chunks of their own', () => {
    const dist = path.join(ROOT, 'dist')
    const main = readFileSync(path.join(dist, 'index.js'), 'utf8')
    const chunks = readdirSync(dist)
      .filter((f) => /^\d+\.index\.js$/.test(f))
      .map((f) => ({ f, text: readFileSync(path.join(dist, f), 'utf8') }))
    const holding = (needle: string) =>
      chunks.filter((c) => c.text.includes(needle)).map((c) => c.f)
    // The SOPS stage (its MAC message) and age (its header line) are not in the entry point…
    expect(main).not.toContain('the SOPS MAC does not match this file')
    expect(main).not.toContain('age-encryption.org/v1')
    // …but each in exactly one chunk, and not the same one: a dry run without key loads only
    // the first.
    const stage = holding('the SOPS MAC does not match this file')
    const age = holding('age-encryption.org/v1')
    expect(stage).toHaveLength(1)
    expect(age).toHaveLength(1)
    expect(stage).not.toEqual(age)
  })
})
