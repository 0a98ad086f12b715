// Hostile input: alias bombs, depth bombs, prototype keys, oversized text.
import { describe, it, expect, beforeAll } from '@jest/globals'
import { parseDefinitionText, MAX_ALIASES, MAX_EXPANDED_NODES } from '../../src/definition/parse.js'
import { MAX_DEPTH } from '../../src/definition/internal.js'
import { validateDefinition } from '../../src/definition/validate.js'
import { loadParsers } from './helpers.js'
import { cpuTimeOf } from '../helpers/timing.js'

function billionLaughs(levels: number): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i < levels; i++) {
    const prev = String.fromCharCode(96 + i)
    const name = String.fromCharCode(97 + i)
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
  }
  return lines.join('\n')
}

// The time limits below are for parsing, not for loading a parser.
beforeAll(loadParsers)

describe('YAML aliases', () => {
  it('rejects a billion-laughs document in well under a second', async () => {
    const { value: result, cpuMs } = await cpuTimeOf(() =>
      parseDefinitionText(billionLaughs(10), { format: 'yaml', file: 'lol.yaml' })
    )
    expect(cpuMs).toBeLessThan(1000)
    expect(result.documents).toEqual([])
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        message: `YAML aliases expand to more than ${MAX_EXPANDED_NODES} nodes (an "alias bomb"); write the values out instead`,
        file: 'lol.yaml',
        line: 5,
        column: 8
      }
    ])
  })

  it('rejects a bomb hidden in the inline input too (auto falls back to YAML)', async () => {
    const result = await parseDefinitionText(billionLaughs(9), { format: 'auto' })
    expect(result.diagnostics[0]?.message).toMatch(/alias bomb/)
  })

  it('accepts modest alias use', async () => {
    const result = await parseDefinitionText(billionLaughs(3), { format: 'yaml' })
    expect(result.diagnostics).toEqual([])
    expect((result.documents[0]?.value as { c: unknown[][] }).c).toHaveLength(9)
  })

  it('spends the budget across documents, not per document', async () => {
    // Each document alone stays under the budget; together they exceed it.
    const doc = billionLaughs(4) // about 820 nodes of expansion
    const text = Array(14).fill(doc).join('\n---\n')
    const result = await parseDefinitionText(text, { format: 'yaml' })
    expect(result.diagnostics.some((d) => /alias bomb/.test(d.message))).toBe(true)
  })

  it(`rejects more than ${MAX_ALIASES} aliases`, async () => {
    const text = `a: &x 1\nb: [${Array(MAX_ALIASES + 1)
      .fill('*x')
      .join(', ')}]\n`
    const result = await parseDefinitionText(text, { format: 'yaml' })
    expect(result.diagnostics[0]?.message).toBe(
      `more than ${MAX_ALIASES} YAML aliases; refusing to expand them`
    )
  })

  it('rejects a recursive alias and an unknown one', async () => {
    const recursive = await parseDefinitionText('a: &a [*a]\n', { format: 'yaml' })
    expect(recursive.diagnostics[0]?.message).toBe('recursive alias *a is not supported')
    const unknown = await parseDefinitionText('a: *nope\n', { format: 'yaml' })
    expect(unknown.diagnostics[0]?.message).toMatch(/^unknown alias \*nope/)
  })

  it('gives each alias its own copy', async () => {
    const result = await parseDefinitionText('a: &x {k: 1}\nb: *x\n', { format: 'yaml' })
    const value = result.documents[0]?.value as { a: object; b: object }
    expect(value.a).toEqual(value.b)
    expect(value.a).not.toBe(value.b)
  })

  it('bounds depth reached through aliases', async () => {
    const deep = `${'['.repeat(40)}1${']'.repeat(40)}`
    const text = `a: &d ${deep}\nb: ${'['.repeat(30)}*d${']'.repeat(30)}\n`
    const result = await parseDefinitionText(text, { format: 'yaml' })
    expect(result.diagnostics[0]?.message).toBe(
      `nesting through alias *d is deeper than ${MAX_DEPTH} levels`
    )
  })
})

describe('depth bombs', () => {
  it('rejects deeply nested JSON without exhausting the stack', async () => {
    const { value: result, cpuMs } = await cpuTimeOf(() =>
      parseDefinitionText('['.repeat(200_000), { format: 'json', file: 'd.json' })
    )
    expect(cpuMs).toBeLessThan(1000)
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        message: `JSON nesting is deeper than ${MAX_DEPTH} levels`,
        file: 'd.json',
        line: 1,
        column: 65
      }
    ])
  })

  it('ignores brackets inside JSON strings when measuring depth', async () => {
    const result = await parseDefinitionText(`{"name": "${'['.repeat(100)}", "x": "\\"["}`, {
      format: 'json'
    })
    expect(result.diagnostics).toEqual([])
  })

  it('accepts JSON and YAML at the depth limit and rejects one level more', async () => {
    // The outer object and the innermost {} count: MAX_DEPTH levels in all.
    const nested = (levels: number) => `{"a": ${'['.repeat(levels - 2)}{}${']'.repeat(levels - 2)}}`
    for (const format of ['json', 'yaml'] as const) {
      expect((await parseDefinitionText(nested(MAX_DEPTH), { format })).diagnostics).toEqual([])
      expect(
        (await parseDefinitionText(nested(MAX_DEPTH + 1), { format })).diagnostics[0]?.message
      ).toMatch(new RegExp(`nesting is deeper than ${MAX_DEPTH} levels`))
    }
  })

  it('rejects deeply nested YAML flow and block collections', async () => {
    const flow = await parseDefinitionText(`a: ${'['.repeat(100_000)}`, { format: 'yaml' })
    expect(flow.diagnostics[0]?.message).toBe(`YAML nesting is deeper than ${MAX_DEPTH} levels`)
    const block = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')
    const nested = await parseDefinitionText(block, { format: 'yaml' })
    expect(nested.diagnostics[0]?.message).toBe(`YAML nesting is deeper than ${MAX_DEPTH} levels`)
  })

  it('rejects a deep inline text in auto mode with the JSON diagnosis', async () => {
    const result = await parseDefinitionText('['.repeat(100_000), { format: 'auto' })
    expect(result.diagnostics[0]?.message).toBe(`JSON nesting is deeper than ${MAX_DEPTH} levels`)
  })
})

describe('prototype keys', () => {
  const cases = [
    ['JSON __proto__', 'json', '{"__proto__": {"name": "abc", "type": "secret"}}', '__proto__'],
    ['YAML __proto__', 'yaml', '__proto__:\n  name: abc\n  type: secret\n', '__proto__'],
    ['YAML quoted __proto__', 'yaml', '"__proto__": {name: abc, type: secret}\n', '__proto__'],
    [
      'JSON constructor',
      'json',
      '{"name": "abc", "type": "secret", "constructor": {"prototype": {"x": 1}}}',
      'constructor'
    ],
    [
      'YAML prototype in gitops',
      'yaml',
      'name: abc\ntype: secret\ngitops:\n  prototype: {x: 1}\n',
      'gitops.prototype'
    ]
  ] as const

  it.each(cases)(
    '%s stays an own property and makes the document invalid',
    async (_label, format, text, path) => {
      const result = await parseDefinitionText(text, { format, file: 'p' })
      expect(result.diagnostics).toEqual([])
      const doc = result.documents[0]
      expect(doc).toBeDefined()
      // The parsed object's prototype is untouched: inherited lookups find nothing of the input.
      expect(Object.getPrototypeOf(doc?.value)).toBe(Object.prototype)
      expect((doc?.value as Record<string, unknown>).x).toBeUndefined()
      const validated = validateDefinition(doc as NonNullable<typeof doc>)
      expect(validated.definition).toBeUndefined()
      expect(
        validated.diagnostics.filter((d) => d.severity === 'error').map((d) => d.path)
      ).toContain(path)
    }
  )

  it('never pollutes Object.prototype', async () => {
    await parseDefinitionText(
      '{"__proto__": {"polluted": 1}, "a": {"__proto__": {"polluted": 1}}}',
      {
        format: 'json'
      }
    )
    await parseDefinitionText('__proto__: {polluted: 1}\na: {__proto__: {polluted: 1}}\n', {
      format: 'yaml'
    })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('has the forbidden key as an own, enumerable property (so validation can see it)', async () => {
    const result = await parseDefinitionText('{"__proto__": {"a": 1}}', { format: 'json' })
    const value = result.documents[0]?.value as object
    expect(Object.keys(value)).toEqual(['__proto__'])
  })
})

describe('size', () => {
  it('refuses inline text over 1 MiB', async () => {
    const result = await parseDefinitionText(`a: "${'x'.repeat(1024 * 1024)}"`, { format: 'auto' })
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'the definition is larger than 1 MiB; split it up'
    ])
  })
})
