// The plan module decides what a run does; these tests are its specification.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  CONFLICT_POLICIES,
  compare,
  diffSecret,
  formatChange,
  matches,
  planSecret,
  type ConflictPolicy,
  type Stored
} from '../../src/plan/index.js'

const BODY = {
  name: 'Shared Config',
  description: 'Values every service reads',
  type: 'secret',
  secrets: { values: { SMTP_HOST: 'smtp.example.com', PORT: 25, NESTED: { list: [1, 'two'] } } }
}

/** What Northflank returns for a secret created from `body`. */
function stored(body: object, extra: Record<string, unknown> = {}): unknown {
  return {
    ...structuredClone(body),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    ...extra
  }
}

const changes = (desired: object, have: unknown): string[] =>
  diffSecret(desired, have).map(formatChange)

describe('planSecret: every state of the stored secret under every policy', () => {
  const present = (data: unknown): Stored => ({ state: 'present', data })
  const differing = present(stored({ ...BODY, description: 'Old text' }))
  const equal = present(stored(BODY))
  const cases: Array<[string, Stored, ConflictPolicy, string, string[] | undefined]> = [
    ['absent', { state: 'absent' }, 'fail', 'create', 'all'] as never,
    ['absent', { state: 'absent' }, 'skip', 'create', 'all'] as never,
    ['absent', { state: 'absent' }, 'update', 'create', 'all'] as never,
    ['unobserved', { state: 'unobserved' }, 'fail', 'create', undefined],
    ['unobserved', { state: 'unobserved' }, 'skip', 'create', undefined],
    ['unobserved', { state: 'unobserved' }, 'update', 'create', undefined],
    ['listed', { state: 'listed' }, 'fail', 'conflict', undefined],
    ['listed', { state: 'listed' }, 'skip', 'exists', undefined],
    ['listed', { state: 'listed' }, 'update', 'update', undefined],
    ['present, equal', equal, 'fail', 'conflict', []],
    ['present, equal', equal, 'skip', 'unchanged', []],
    ['present, equal', equal, 'update', 'unchanged', []],
    ['present, differs', differing, 'fail', 'conflict', ['~ description']],
    ['present, differs', differing, 'skip', 'exists', ['~ description']],
    ['present, differs', differing, 'update', 'update', ['~ description']]
  ]
  it.each(cases)('%s, on-conflict %s → %s', (_what, state, policy, action, expected) => {
    const plan = planSecret(BODY, state, policy)
    expect(plan.action).toBe(action)
    if ((expected as unknown) === 'all') {
      expect(plan.changes).toEqual([
        '+ name',
        '+ type',
        '+ description',
        '+ secrets.values.SMTP_HOST',
        '+ secrets.values.PORT',
        '+ secrets.values.NESTED'
      ])
    } else {
      expect(plan.changes).toEqual(expected)
    }
  })

  it('covers every policy (the table above is exhaustive)', () => {
    expect([...CONFLICT_POLICIES].sort()).toEqual(['fail', 'skip', 'update'])
  })

  it('refuses an unknown policy', () => {
    expect(() => planSecret(BODY, { state: 'absent' }, 'sometimes' as ConflictPolicy)).toThrow(
      /on-conflict must be fail, skip or update/
    )
  })

  it('a not-comparable expression alone never causes an update', () => {
    const body = { ...BODY, secrets: { values: { JWT_SECRET: '${fn.randomSecret(32)}' } } }
    const have = present(
      stored({ ...body, secrets: { values: { JWT_SECRET: 'q9Zr...evaluated' } } })
    )
    expect(planSecret(body, have, 'update')).toEqual({
      action: 'unchanged',
      changes: ['? secrets.values.JWT_SECRET']
    })
    expect(planSecret(body, have, 'skip').action).toBe('unchanged')
    // …but beside a real change it is listed, and the change is sent.
    const alsoChanged = present(
      stored({ ...body, description: 'Old', secrets: { values: { JWT_SECRET: 'evaluated' } } })
    )
    expect(planSecret(body, alsoChanged, 'update')).toEqual({
      action: 'update',
      changes: ['~ description', '? secrets.values.JWT_SECRET']
    })
  })
})

describe('diffSecret: which paths differ', () => {
  it('nothing, when Northflank returns what was sent plus timestamps and its own fields', () => {
    expect(changes(BODY, stored(BODY, { id: 'shared-config', projectId: 'p1' }))).toEqual([])
  })

  it('added, removed and changed keys of secrets.values, in body order, removed last', () => {
    const have = stored({
      ...BODY,
      secrets: { values: { OLD_KEY: 'x', SMTP_HOST: 'other.example.com', PORT: 25 } }
    })
    expect(changes(BODY, have)).toEqual([
      '~ secrets.values.SMTP_HOST',
      '+ secrets.values.NESTED',
      '- secrets.values.OLD_KEY'
    ])
  })

  it('compares nested values deeply: key order does not matter, array order does', () => {
    const reordered = {
      ...BODY,
      secrets: { values: { ...BODY.secrets.values, NESTED: { list: [1, 'two'] } } }
    }
    expect(changes(BODY, stored(reordered))).toEqual([])
    const swapped = {
      ...BODY,
      secrets: { values: { ...BODY.secrets.values, NESTED: { list: ['two', 1] } } }
    }
    expect(changes(BODY, stored(swapped))).toEqual(['~ secrets.values.NESTED'])
    const typed = { ...BODY, secrets: { values: { ...BODY.secrets.values, PORT: '25' } } }
    expect(changes(BODY, stored(typed))).toEqual(['~ secrets.values.PORT'])
  })

  it('an empty value is a value: "" added or removed is a change', () => {
    const body = { name: 'abc', type: 'config', secrets: { values: { EMPTY: '' } } }
    expect(changes(body, stored({ name: 'abc', type: 'config' }))).toEqual([
      '+ secrets.values.EMPTY'
    ])
    expect(changes({ name: 'abc', type: 'config' }, stored(body))).toEqual([
      '- secrets.values.EMPTY'
    ])
  })

  it('secrets.files keys like values; name, type and description as fields', () => {
    const body = {
      name: 'My Secret',
      type: 'config',
      description: 'new',
      secrets: { files: { '/etc/app.conf': { data: 'YQ==', encoding: 'base64' } } }
    }
    const have = stored({
      name: 'my-secret',
      type: 'secret',
      secrets: {
        files: { '/etc/app.conf': { data: 'Yg==', encoding: 'base64' }, old: { data: '' } }
      }
    })
    expect(changes(body, have)).toEqual([
      '~ name',
      '~ type',
      '+ description',
      '~ secrets.files["/etc/app.conf"]',
      '- secrets.files.old'
    ])
  })

  it('gitops field by field; absent, null, "" and {} all mean "not set"', () => {
    const gitops = {
      vcsService: 'github',
      repoUrl: 'https://github.com/acme/config',
      branch: 'main',
      filePath: '/secrets/app.json',
      accountLogin: 'acme-bot'
    }
    const body = { name: 'abc', type: 'config', gitops }
    expect(changes(body, stored({ ...body, gitops: { ...gitops, branch: 'dev' } }))).toEqual([
      '~ gitops.branch'
    ])
    expect(changes(body, stored({ name: 'abc', type: 'config' }))).toEqual([
      '+ gitops.vcsService',
      '+ gitops.accountLogin',
      '+ gitops.repoUrl',
      '+ gitops.branch',
      '+ gitops.filePath'
    ])
    expect(changes({ name: 'abc', type: 'config' }, stored(body))).toEqual([
      '- gitops.vcsService',
      '- gitops.accountLogin',
      '- gitops.repoUrl',
      '- gitops.branch',
      '- gitops.filePath'
    ])
    const plain = { name: 'abc', type: 'config' }
    for (const nothing of [
      { description: '' },
      { description: null },
      { gitops: null },
      { gitops: {} },
      { secrets: {} },
      { secrets: { values: {}, files: {} } }
    ]) {
      expect(changes(plain, stored(plain, nothing))).toEqual([])
      expect(changes({ ...plain, ...nothing }, stored(plain))).toEqual([])
    }
    // A field Northflank adds inside gitops is not one the definition sets.
    expect(changes(body, stored({ ...body, gitops: { ...gitops, status: 'synced' } }))).toEqual([])
  })

  it('a field only the body carries cannot be compared; one both carry is', () => {
    const body = { name: 'abc', type: 'config', extra: { a: 1 } }
    expect(changes(body, stored({ name: 'abc', type: 'config' }))).toEqual(['? extra'])
    expect(changes(body, stored(body))).toEqual([])
    expect(changes(body, stored({ ...body, extra: { a: 2 } }))).toEqual(['~ extra'])
  })

  it('quotes keys that are not plain, so a dot or a line break cannot fake a path', () => {
    const body = { name: 'abc', type: 'config', secrets: { values: { 'a.b': 1, 'x\ny': 2 } } }
    expect(changes(body, stored({ name: 'abc', type: 'config' }))).toEqual([
      '+ secrets.values["a.b"]',
      '+ secrets.values["x\\ny"]'
    ])
  })

  it('a secret that does not exist: every field the body sets is added', () => {
    expect(changes({ name: 'abc', type: 'config' }, undefined)).toEqual(['+ name', '+ type'])
  })

  it('never puts a value in a path', () => {
    const have = stored({ ...BODY, secrets: { values: { SMTP_HOST: 'stored-value-1b7e' } } })
    const text = changes(BODY, have).join('\n')
    expect(text).not.toContain('stored-value-1b7e')
    expect(text).not.toContain('smtp.example.com')
  })
})

describe('compare: expressions', () => {
  it('a desired string holding ${ matches any stored value as "expression"', () => {
    expect(compare('${fn.randomSecret(32)}', 'abc')).toBe('expression')
    expect(compare('${fn.randomSecret(32)}', '${fn.randomSecret(32)}')).toBe('same')
    expect(compare({ a: '${x}', b: 1 }, { a: 'y', b: 1 })).toBe('expression')
    expect(compare({ a: '${x}', b: 1 }, { a: 'y', b: 2 })).toBe('different')
    expect(compare(['${x}'], [])).toBe('different')
    // Only the desired side is an expression; a stored `${` is a value like any other.
    expect(compare('plain', '${x}')).toBe('different')
  })
})

describe('properties', () => {
  const json = fc.jsonValue({ maxDepth: 3 })
  const body = fc.record({
    name: fc.constant('Prop Secret'),
    type: fc.constantFrom('secret', 'config'),
    secrets: fc.record({ values: fc.dictionary(fc.string({ minLength: 1 }), json) })
  })

  it('what Northflank stores from a body always equals it: rerun → unchanged, no write', () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(matches(b, stored(b))).toBe(true)
        expect(planSecret(b, { state: 'present', data: stored(b) }, 'update').action).toBe(
          'unchanged'
        )
      })
    )
  })

  it('changing, adding or removing one value key is exactly one change on that key', () => {
    fc.assert(
      fc.property(body, fc.string({ minLength: 1 }), (b, key) => {
        const values = b.secrets.values as Record<string, unknown>
        const had = Object.prototype.hasOwnProperty.call(values, key)
        const changed = { ...values, [key]: had ? [values[key], 'x'] : 'new' }
        const found = diffSecret({ ...b, secrets: { values: changed } }, stored(b))
        expect(found).toHaveLength(1)
        expect(found[0]!.kind).toBe(had ? '~' : '+')
        const back = diffSecret(b, stored({ ...b, secrets: { values: changed } }))
        expect(back).toHaveLength(1)
        expect(back[0]!.kind).toBe(had ? '~' : '-')
      })
    )
  })
})
