// Inputs that override fields: a new document, blamed on the input in diagnostics.
import { describe, it, expect } from '@jest/globals'
import { applyOverrides } from '../../src/definition/overrides.js'
import { validateDefinition } from '../../src/definition/validate.js'
import { parseOne } from './helpers.js'

const YAML = 'name: File Name\ntype: secret\nsecrets:\n  values:\n    KEEP: kept\n'

describe('applyOverrides', () => {
  it('sets the fields on a copy and never changes the input document', async () => {
    const doc = await parseOne(YAML, 'yaml', 's.yaml')
    const before = JSON.stringify(doc.value)
    const out = applyOverrides(doc, {
      name: 'Input Name',
      description: 'From the workflow',
      type: 'config',
      values: { TOKEN: 'abc' }
    })
    expect(JSON.stringify(doc.value)).toBe(before)
    expect(doc.overrides).toBeUndefined()
    expect(out.value).toEqual({
      name: 'Input Name',
      type: 'config',
      description: 'From the workflow',
      secrets: { values: { KEEP: 'kept', TOKEN: 'abc' } }
    })
    expect(out.source).toBe(doc.source)
    expect(out.overrides).toEqual([
      { path: ['name'], input: 'name' },
      { path: ['description'], input: 'description' },
      { path: ['type'], input: 'type' },
      { path: ['secrets', 'values', 'TOKEN'], input: 'values-from-env' }
    ])
  })

  it('creates secrets and values when absent or null', async () => {
    const absent = applyOverrides(await parseOne('{"name": "abc", "type": "secret"}'), {
      values: { A: '1' }
    })
    expect(absent.value).toMatchObject({ secrets: { values: { A: '1' } } })
    const nulls = applyOverrides(await parseOne('name: abc\ntype: secret\nsecrets:\n', 'yaml'), {
      values: { A: '1' }
    })
    expect(nulls.value).toMatchObject({ secrets: { values: { A: '1' } } })
  })

  it('changes nothing for empty or unset inputs', async () => {
    const doc = await parseOne('{"name": "abc", "type": "secret"}')
    const out = applyOverrides(doc, { name: '', description: undefined, type: '', values: {} })
    expect(out.value).toEqual(doc.value)
    expect(out.overrides).toEqual([])
  })

  it('leaves a non-mapping secrets alone so validation reports the file', async () => {
    const doc = await parseOne(
      '{"name": "abc", "type": "secret", "secrets": ["x"]}',
      'json',
      'f.json'
    )
    const out = applyOverrides(doc, { values: { A: '1' } })
    expect((out.value as { secrets: unknown }).secrets).toEqual(['x'])
    const [error] = validateDefinition(out).diagnostics
    expect(error).toMatchObject({ file: 'f.json', line: 1, column: 46, path: 'secrets' })
  })

  it('keeps the file positions for locate', async () => {
    const doc = await parseOne(YAML, 'yaml', 's.yaml')
    const out = applyOverrides(doc, { name: 'Other Name', values: { NEW: 'v' } })
    expect(out.locate(['name'])).toEqual({ line: 1, column: 7 })
    expect(out.locate(['secrets', 'values', 'NEW'])).toEqual({ line: 4, column: 3 })
  })

  it('blames the input, without a file position, for an invalid overridden field', async () => {
    const doc = await parseOne(YAML, 'yaml', 's.yaml')
    const { definition, diagnostics } = validateDefinition(
      applyOverrides(doc, { name: 'x', type: 'nope' })
    )
    expect(definition).toBeUndefined()
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        message: expect.stringMatching(
          /^Input "name": name is 1 character long; a name is letters and digits/
        ),
        path: 'name'
      },
      {
        severity: 'error',
        message: 'Input "type": type must be one of: secret, config (found "nope")',
        path: 'type'
      }
    ])
  })

  it('blames values-from-env for a forbidden key', async () => {
    const doc = await parseOne('{"name": "abc", "type": "secret"}')
    // JSON.parse makes __proto__ an own key, as an env entry named __proto__ would be.
    const values = JSON.parse('{"__proto__": "x"}') as Record<string, string>
    const hostile = validateDefinition(applyOverrides(doc, { values }))
    expect(hostile.definition).toBeUndefined()
    expect(hostile.diagnostics[0]?.message).toMatch(
      /^Input "values-from-env": key "__proto__" in secrets.values is not allowed/
    )
    expect(hostile.diagnostics[0]).not.toHaveProperty('line')
  })

  it('validates a document made valid by overrides', async () => {
    const doc = await parseOne('{"name": "a", "type": "nope"}')
    const result = validateDefinition(applyOverrides(doc, { name: 'Good Name', type: 'config' }))
    expect(result.diagnostics).toEqual([])
    expect(result.definition).toEqual({ name: 'Good Name', type: 'config' })
  })

  it('applies to the copy of each alias separately', async () => {
    const doc = await parseOne(
      'name: abc\ntype: secret\nsecrets: &s {values: {A: a}}\nother: *s\n',
      'yaml'
    )
    const out = applyOverrides(doc, { values: { B: 'b' } })
    expect((out.value as { other: unknown }).other).toEqual({ values: { A: 'a' } })
  })
})
