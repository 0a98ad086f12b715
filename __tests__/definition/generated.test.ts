// The committed standalone validator: current, import-free, and in step with the TS mirrors.
import { describe, it, expect } from '@jest/globals'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import validate from '../../src/definition/generated/validate-definition.js'
import {
  KNOWN_KEYS,
  REPO_URL_MAX_LENGTH,
  SECRET_TYPES,
  VCS_SERVICES
} from '../../src/definition/validate.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const read = (file: string) => readFile(path.join(root, file), 'utf8')

describe('generated validator', () => {
  it('matches a fresh build of schema.json (the build is deterministic)', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['scripts/build-validator.mjs', '--check'],
      {
        cwd: root
      }
    )
    expect(stdout).toContain('up to date')
  })

  it('imports nothing, so the bundle carries no Ajv', async () => {
    const code = await read('src/definition/generated/validate-definition.js')
    expect(code).not.toMatch(/\brequire\s*\(/)
    expect(code).not.toMatch(/^\s*import\b/m)
  })

  it('reports every error (allErrors)', () => {
    expect(validate({ name: 'a', type: 'x' })).toBe(false)
    expect(validate.errors?.map((e) => e.keyword)).toEqual(['minLength', 'enum'])
  })

  it('uses the fixed patterns of api-notes.md', async () => {
    const schema = JSON.parse(await read('src/definition/schema.json'))
    const props = schema.properties
    expect(props.gitops.properties.selfHostedVcsId.pattern).toBe('^(?:[A-Za-z0-9-]+|[0-9a-f]{24})$')
    // The description pattern compiles under the u flag, as Ajv uses it.
    expect(() => new RegExp(props.description.pattern, 'u')).not.toThrow()
    expect(props.name.pattern).toBe('^[a-zA-Z0-9]+((-|\\s)[a-zA-Z0-9]+)*$')
  })

  it('is mirrored by the constants validate.ts uses for messages', async () => {
    const schema = JSON.parse(await read('src/definition/schema.json'))
    const gitops = schema.properties.gitops
    expect(schema.properties.type.enum).toEqual([...SECRET_TYPES])
    expect(gitops.properties.vcsService.enum).toEqual([...VCS_SERVICES])
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining([...KNOWN_KEYS.root]))
    expect(Object.keys(schema.properties)).toHaveLength(KNOWN_KEYS.root.length)
    expect(Object.keys(gitops.properties)).toEqual([...KNOWN_KEYS.gitops])
    expect(Object.keys(schema.properties.secrets.properties)).toEqual([...KNOWN_KEYS.secrets])
    expect(gitops.properties.repoUrl.maxLength).toBe(REPO_URL_MAX_LENGTH)
  })
})
