// Property tests: parse + validate never throw, stay fast, and yield a definition exactly
// when an independent reading of the API page's rules says the document is valid.
import { describe, it, expect, beforeAll } from '@jest/globals'
import fc from 'fast-check'
import { CORE_SCHEMA, dump, load } from 'js-yaml'
import { parseDefinitionText, type DefinitionFormat } from '../../src/definition/parse.js'
import { validateDefinition } from '../../src/definition/validate.js'
import type { Diagnostic } from '../../src/definition/types.js'
import { loadParsers } from './helpers.js'
import { cpuTimeOf } from '../helpers/timing.js'

// The rules, restated from create-global-secret.md and api-notes.md (not from schema.json).
const NAME = /^[a-zA-Z0-9]+((-|\s)[a-zA-Z0-9]+)*$/u
const DESCRIPTION = /^[a-zA-Z0-9.,?\s\\/'"()[\];`%^&*\-_:!]+$/u
const SELF_HOSTED_ID = /^(?:[A-Za-z0-9-]+|[0-9a-f]{24})$/u
const REPO_URL =
  /^(https:\/\/)?((www(\.[a-zA-Z0-9-]{2,})+\.)?[a-zA-Z0-9-]{2,})(\.([a-zA-Z0-9-]{2,}))+(\/([a-zA-Z0-9\-._]{2,}))+?$/u
const FILE_PATH = /^\/([a-zA-Z0-9-._]+\/)*[a-zA-Z0-9-._]+$/u
const VCS = ['bitbucket', 'gitlab', 'github', 'self-hosted', 'azure']
const FORBIDDEN = ['__proto__', 'constructor', 'prototype']
// The only fields of Northflank's own client's create/put types (api-notes.md).
const ROOT_FIELDS = ['name', 'description', 'type', 'secrets', 'gitops']
const SECRETS_FIELDS = ['values', 'files']
const GITOPS_FIELDS = [
  'vcsService',
  'selfHostedVcsId',
  'accountLogin',
  'vcsLinkId',
  'repoUrl',
  'branch',
  'filePath'
]
const onlyFields = (o: Obj, fields: string[]) => Object.keys(o).every((k) => fields.includes(k))

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k)
const length = (s: string) => [...s].length
const str = (v: unknown): v is string => typeof v === 'string'

function noForbiddenKeys(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(noForbiddenKeys)
  if (!isObj(v)) return true
  return Object.keys(v).every((k) => !FORBIDDEN.includes(k) && noForbiddenKeys(v[k]))
}

function validBySpec(v: unknown): boolean {
  if (!isObj(v) || !noForbiddenKeys(v) || !onlyFields(v, ROOT_FIELDS)) return false
  const { name, type, description, secrets, gitops } = v
  if (!str(name) || !NAME.test(name) || length(name) < 3 || length(name) > 100) return false
  if (type !== 'secret' && type !== 'config') return false
  if (
    has(v, 'description') &&
    (!str(description) || !DESCRIPTION.test(description) || length(description) > 200)
  ) {
    return false
  }
  if (has(v, 'secrets')) {
    if (!isObj(secrets) || !onlyFields(secrets, SECRETS_FIELDS)) return false
    if (has(secrets, 'values') && !isObj(secrets.values)) return false
    if (has(secrets, 'files')) {
      // Documented shape: {"/dir/file": {"data": "<base64>", "encoding": "utf-8"}}.
      const files = secrets.files
      if (!isObj(files)) return false
      for (const file of Object.values(files)) {
        if (!isObj(file)) return false
        if (has(file, 'data') && !str(file.data)) return false
        if (has(file, 'encoding') && !str(file.encoding)) return false
      }
    }
  }
  if (has(v, 'gitops')) {
    if (!isObj(gitops) || !onlyFields(gitops, GITOPS_FIELDS)) return false
    const g = gitops
    if (!str(g.vcsService) || !VCS.includes(g.vcsService)) return false
    // 2048: the action's own bound on repoUrl (its pattern backtracks on long input).
    if (!str(g.repoUrl) || length(g.repoUrl) > 2048 || !REPO_URL.test(g.repoUrl)) return false
    if (!str(g.branch)) return false
    if (!str(g.filePath) || !FILE_PATH.test(g.filePath)) return false
    if (
      has(g, 'selfHostedVcsId') &&
      (!str(g.selfHostedVcsId) || !SELF_HOSTED_ID.test(g.selfHostedVcsId))
    ) {
      return false
    }
    for (const k of ['accountLogin', 'vcsLinkId']) if (has(g, k) && !str(g[k])) return false
  }
  return true
}

/**
 * Whether every number in `v` is written in YAML as JSON writes it, so that it is sent as the
 * file says (js-yaml's dump writes `1e+21` as `1.e+21`, and `-0` as `-0.0`).
 */
function numbersAsWritten(v: unknown): boolean {
  if (typeof v === 'number') return dump(v).trim() === JSON.stringify(v)
  if (Array.isArray(v)) return v.every(numbersAsWritten)
  return isObj(v) ? Object.values(v).every(numbersAsWritten) : true
}

/** Parses and validates; returns whether a definition came out, checking time and safety. */
async function run(text: string, format: DefinitionFormat) {
  // CPU time, not wall time: a busy machine slows the clock on the wall, not the work done.
  const {
    value: { parsed, results },
    cpuMs
  } = await cpuTimeOf(async () => {
    const parsed = await parseDefinitionText(text, { format, file: 'f' })
    return { parsed, results: parsed.documents.map((doc) => ({ doc, ...validateDefinition(doc) })) }
  })
  expect(cpuMs).toBeLessThan(250)
  for (const d of [...parsed.diagnostics, ...results.flatMap((r) => r.diagnostics)])
    expectWellFormed(d)
  for (const r of results) {
    if (r.definition !== undefined) {
      expect(validBySpec(r.definition)).toBe(true)
      expect(validBySpec(r.doc.value)).toBe(true)
    }
  }
  return { parsed, results }
}

function expectWellFormed(d: Diagnostic) {
  expect(typeof d.message).toBe('string')
  if (d.line !== undefined) {
    expect(d.line).toBeGreaterThanOrEqual(1)
    expect(d.column).toBeGreaterThanOrEqual(1)
  }
}

/** An object whose keys are all own data properties (`__proto__` included). */
function build(entries: [string, unknown][]): Obj {
  const o: Obj = {}
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
}

/** Absent (undefined) with weight `absent`, otherwise a value of `arb`. */
const maybe = <T>(arb: fc.Arbitrary<T>, absent = 1, present = 1) =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: absent },
    { arbitrary: arb, weight: present }
  )
const validNames = fc.stringMatching(/^[a-zA-Z0-9]{1,12}([- ][a-zA-Z0-9]{1,12}){0,3}$/)
const anyName = fc.oneof(
  { arbitrary: validNames, weight: 6 },
  { arbitrary: fc.string({ maxLength: 110 }), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      'ab',
      'abc',
      'a'.repeat(100),
      'a'.repeat(101),
      'My  Secret',
      'x-',
      ' x',
      'Café Bar'
    ),
    weight: 1
  },
  { arbitrary: fc.integer(), weight: 1 }
)
const anyType = fc.oneof(
  { arbitrary: fc.constantFrom('secret', 'config'), weight: 6 },
  { arbitrary: fc.constantFrom('Secret', ''), weight: 1 },
  { arbitrary: fc.integer(), weight: 1 }
)
const anyDescription = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9.,?\s\\/'"()[\];`%^&*\-_:!]{1,220}$/),
  fc.string({ maxLength: 50 })
)
const gitopsFields = {
  vcsService: fc.oneof(
    { arbitrary: fc.constantFrom(...VCS), weight: 5 },
    fc.constantFrom('GitHub', '')
  ),
  repoUrl: fc.oneof(
    {
      arbitrary: fc.stringMatching(/^(https:\/\/)?[a-z]{1,4}\.[a-z]{1,3}(\/[a-z._-]{1,4}){1,3}$/),
      weight: 3
    },
    fc.constantFrom(
      'https://github.com/owner/repo',
      'github.com/ab/cd',
      'http://github.com/ab/cd',
      'https://g.com/ab/cd'
    ),
    fc.string({ maxLength: 30 })
  ),
  branch: fc.oneof({ arbitrary: fc.string({ maxLength: 10 }), weight: 5 }, fc.integer()),
  filePath: fc.oneof(
    { arbitrary: fc.stringMatching(/^\/?([a-z._-]{0,3}\/){0,2}[a-z._-]{0,3}\/?$/), weight: 3 },
    fc.string({ maxLength: 10 })
  ),
  selfHostedVcsId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9!-]{0,26}$/), fc.integer()),
  accountLogin: fc.oneof({ arbitrary: fc.string({ maxLength: 10 }), weight: 5 }, fc.boolean()),
  vcsLinkId: fc.string({ maxLength: 10 })
}
const anyGitops = fc.oneof(
  {
    arbitrary: fc.record(gitopsFields, {
      requiredKeys: ['vcsService', 'repoUrl', 'branch', 'filePath']
    }),
    weight: 3
  },
  fc.record(gitopsFields, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 2 })
)
const anySecrets = fc.oneof(
  {
    arbitrary: fc.record(
      {
        values: fc.jsonValue({ maxDepth: 2 }),
        files: fc.oneof(
          fc.dictionary(
            fc.string({ maxLength: 8 }),
            fc.record(
              {
                data: fc.oneof({ arbitrary: fc.string({ maxLength: 8 }), weight: 4 }, fc.integer()),
                encoding: fc.constantFrom('utf-8', 'base64')
              },
              { requiredKeys: [] }
            ),
            { maxKeys: 3 }
          ),
          fc.jsonValue({ maxDepth: 2 })
        )
      },
      { requiredKeys: [] }
    ),
    weight: 3
  },
  fc.jsonValue({ maxDepth: 2 })
)
const extraKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'nmae', 'extra')

const nearlyValid = fc
  .record({
    name: maybe(anyName, 1, 10),
    type: maybe(anyType, 1, 10),
    description: maybe(anyDescription, 2),
    secrets: maybe(anySecrets, 2),
    gitops: maybe(anyGitops),
    extra: maybe(fc.tuple(extraKey, fc.jsonValue({ maxDepth: 2 })), 3)
  })
  .map(({ extra, ...fields }) => {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined) as [string, unknown][]
    if (extra !== undefined) entries.push(extra)
    return build(entries)
  })

describe('parse + validate properties', () => {
  beforeAll(loadParsers)

  it('yields a definition exactly when the rules hold (JSON)', async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(nearlyValid, async (value) => {
        const { parsed, results } = await run(JSON.stringify(value), 'json')
        expect(parsed.diagnostics).toEqual([])
        const definition = results[0]?.definition
        expect(definition !== undefined).toBe(validBySpec(value))
        if (definition !== undefined) accepted++
      }),
      { numRuns: 600 }
    )
    // Guards the test itself: the generators must reach the valid side too.
    expect(accepted).toBeGreaterThan(20)
  })

  it('yields a definition exactly when the rules hold (YAML)', async () => {
    let compared = 0
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(nearlyValid, async (value) => {
        const { parsed, results } = await run(dump(value), 'yaml')
        // Some generated strings are not printable in YAML; those must fail to parse, not pass.
        if (parsed.diagnostics.length > 0) return
        compared++
        const definition = results[0]?.definition
        expect(definition !== undefined).toBe(validBySpec(value) && numbersAsWritten(value))
        if (definition !== undefined) accepted++
      }),
      { numRuns: 300 }
    )
    expect(compared).toBeGreaterThan(200)
    expect(accepted).toBeGreaterThan(8)
  })

  it('never throws on arbitrary text in any format', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom<DefinitionFormat>('json', 'yaml', 'auto'),
        async (text, format) => {
          await run(text, format)
        }
      ),
      { numRuns: 500 }
    )
  })

  it('never throws on YAML-shaped noise', async () => {
    const yamlish = fc.string({
      unit: fc.constantFrom(
        'a',
        'name',
        'type',
        ':',
        ' ',
        '\n',
        '-',
        '---',
        '[',
        ']',
        '{',
        '}',
        ',',
        '&x',
        '*x',
        '!!str',
        '!',
        '|',
        '>',
        '"',
        "'",
        '#',
        '?',
        '<<',
        '__proto__',
        '%TAG ! tag:x,2000:\n'
      ),
      maxLength: 60
    })
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => {
        await run(text, 'yaml')
        await run(text, 'auto')
      }),
      { numRuns: 500 }
    )
  })

  it('reads scalars as the YAML 1.2 core schema does (the untagged fast path included)', async () => {
    // Plain scalars from characters that cannot start a collection, comment or tag, with the
    // words and signs the core schema resolves; quoted ones with anything printable.
    const plain = fc.string({
      unit: fc.constantFrom(
        ...'azAZnNtTfFeExXoO019~.+-_/ ',
        'null',
        'Null',
        'true',
        'False',
        'TRUE',
        '.inf',
        '.NaN',
        '0x',
        '0o',
        '1e3'
      ),
      minLength: 1,
      maxLength: 8
    })
    const quoted = fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s))
    const single = fc.string({ maxLength: 8 }).map((s) => `'${s.replace(/'/g, "''")}'`)
    await fc.assert(
      fc.asyncProperty(fc.oneof(plain, quoted, single), async (scalar) => {
        const text = `v: ${scalar}\n`
        let expected: unknown
        try {
          expected = load(text, { schema: CORE_SCHEMA })
        } catch {
          return // not a scalar js-yaml reads either
        }
        const parsed = await parseDefinitionText(text, { format: 'yaml' })
        expect(parsed.diagnostics).toEqual([])
        expect(parsed.documents[0]?.value).toEqual(expected)
      }),
      { numRuns: 1000 }
    )
  })

  it('never throws on arbitrary JSON values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const { results } = await run(JSON.stringify(value), 'json')
        for (const r of results) expect(r.definition !== undefined).toBe(validBySpec(r.doc.value))
      }),
      { numRuns: 300 }
    )
  })
})
