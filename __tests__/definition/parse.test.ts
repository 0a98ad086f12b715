// Parsing JSON and YAML into documents: positions, several documents, auto-detection.
import { describe, it, expect } from '@jest/globals'
import { parseDefinitionText } from '../../src/definition/parse.js'
import { validateDefinition } from '../../src/definition/validate.js'
import type { ParsedDocument } from '../../src/definition/types.js'
import { errors, parseOne, warnings } from './helpers.js'

const YAML_DOC = [
  'name: ab', // 1: value at column 7
  'type: "config"', // 2: quoted value starts at the quote
  'gitops:', // 3: the parent of missing fields
  '  vcsService: github',
  '  repoUrl: http://x', // 5: value at column 12
  '  nmae: x', // 6: unknown key at column 3
  ''
].join('\n')

const JSON_DOC = `{
  "name": "ab",
  "type": "config",
  "gitops": {
    "vcsService": "github",
    "repoUrl": "http://x"
  }
}`

describe('positions', () => {
  it('locates keys and values in YAML', async () => {
    const doc = await parseOne(YAML_DOC, 'yaml', 'a.yaml')
    expect(doc.locate(['name'])).toEqual({ line: 1, column: 7 })
    expect(doc.locate(['name'], 'key')).toEqual({ line: 1, column: 1 })
    expect(doc.locate(['type'])).toEqual({ line: 2, column: 7 })
    expect(doc.locate(['gitops', 'repoUrl'])).toEqual({ line: 5, column: 12 })
    expect(doc.locate(['gitops', 'repoUrl'], 'key')).toEqual({ line: 5, column: 3 })
    expect(doc.locate([])).toEqual({ line: 1, column: 1 })
  })

  it('falls back to the nearest existing ancestor (its key)', async () => {
    const doc = await parseOne(YAML_DOC, 'yaml', 'a.yaml')
    expect(doc.locate(['gitops', 'branch'])).toEqual({ line: 3, column: 1 })
    expect(doc.locate(['gitops', 'branch', 'deeper'], 'key')).toEqual({ line: 3, column: 1 })
    expect(doc.locate(['missing'])).toEqual({ line: 1, column: 1 })
  })

  it('puts YAML diagnostics at the value, the parent key or the key', async () => {
    const { diagnostics } = validateDefinition(await parseOne(YAML_DOC, 'yaml', 'a.yaml'))
    const at = (path: string) =>
      diagnostics.filter((d) => d.path === path).map((d) => [d.file, d.line, d.column])
    expect(at('name')).toEqual([['a.yaml', 1, 7]])
    expect(at('gitops')).toEqual([
      ['a.yaml', 3, 1],
      ['a.yaml', 3, 1]
    ])
    expect(errors(diagnostics).find((d) => d.path === 'gitops')?.message).toMatch(
      /gitops is missing the required field "gitops.branch"/
    )
    expect(at('gitops.repoUrl')).toEqual([['a.yaml', 5, 12]])
    expect(at('gitops.nmae')).toEqual([['a.yaml', 6, 3]])
  })

  it('puts JSON diagnostics at the value, the parent key or the key', async () => {
    const { diagnostics } = validateDefinition(await parseOne(JSON_DOC, 'json', 'a.json'))
    const at = (path: string) =>
      diagnostics.filter((d) => d.path === path).map((d) => [d.line, d.column])
    expect(at('name')).toEqual([[2, 11]])
    expect(at('gitops')).toEqual([
      [4, 3],
      [4, 3]
    ])
    expect(at('gitops.repoUrl')).toEqual([[6, 16]])
  })

  it('puts a missing root field at the start of its document', async () => {
    const result = await parseDefinitionText(
      'name: abc\ntype: secret\n---\n# second\nname: xyz\n',
      {
        format: 'yaml',
        file: 'm.yaml'
      }
    )
    const second = result.documents[1] as ParsedDocument
    expect(second.locate([])).toEqual({ line: 5, column: 1 })
    const { diagnostics } = validateDefinition(second)
    expect(diagnostics).toEqual([
      expect.objectContaining({ path: '', file: 'm.yaml', line: 5, column: 1 })
    ])
  })

  it('positions JSON array elements inside the whole text', async () => {
    const result = await parseDefinitionText(
      '[\n  {"name": "abc"},\n  {"name": "x", "type": "secret"}\n]',
      {
        format: 'json',
        file: 'l.json'
      }
    )
    expect(result.documents.map((d) => d.locate([]))).toEqual([
      { line: 2, column: 3 },
      { line: 3, column: 3 }
    ])
    expect(result.documents[1]?.locate(['name'])).toEqual({ line: 3, column: 12 })
  })

  it('counts columns after CRLF and CR line ends', async () => {
    const doc = await parseOne('name: abc\r\ntype: secret\r\nx: 1', 'yaml')
    expect(doc.locate(['x'], 'key')).toEqual({ line: 3, column: 1 })
    const json = await parseOne('{\r"name": "abc",\r"type": "secret"}', 'json')
    expect(json.locate(['type'])).toEqual({ line: 3, column: 9 })
  })

  it('points an alias expansion at the alias', async () => {
    const doc = await parseOne('a: &x {b: 1}\nc: *x\n', 'yaml')
    expect(doc.value).toEqual({ a: { b: 1 }, c: { b: 1 } })
    expect(doc.locate(['c', 'b'])).toEqual({ line: 2, column: 1 })
    expect(doc.locate(['c'])).toEqual({ line: 2, column: 4 })
  })
})

describe('several definitions in one text', () => {
  it('reads YAML documents in order with labels', async () => {
    const text =
      'name: one\ntype: secret\n---\nname: two\ntype: config\n---\nname: three\ntype: secret\n'
    const result = await parseDefinitionText(text, { format: 'yaml', file: 'secrets/a.yaml' })
    expect(result.diagnostics).toEqual([])
    expect(result.documents.map((d) => d.source)).toEqual([
      { file: 'secrets/a.yaml', index: 0, count: 3, label: 'secrets/a.yaml (document 1)' },
      { file: 'secrets/a.yaml', index: 1, count: 3, label: 'secrets/a.yaml (document 2)' },
      { file: 'secrets/a.yaml', index: 2, count: 3, label: 'secrets/a.yaml (document 3)' }
    ])
    expect(result.documents.map((d) => (d.value as { name: string }).name)).toEqual([
      'one',
      'two',
      'three'
    ])
    expect(result.documents[1]?.locate(['name'])).toEqual({ line: 4, column: 7 })
  })

  it('reads a top-level JSON array as several definitions', async () => {
    const result = await parseDefinitionText('[{"name": "one"}, {"name": "two"}]', {
      format: 'json',
      file: 'l.json'
    })
    expect(result.documents.map((d) => d.source.label)).toEqual([
      'l.json (document 1)',
      'l.json (document 2)'
    ])
  })

  it('reads a top-level YAML list as several definitions', async () => {
    const result = await parseDefinitionText('- name: one\n- name: two\n', {
      format: 'yaml',
      file: 'l.yaml'
    })
    expect(result.documents.map((d) => d.value)).toEqual([{ name: 'one' }, { name: 'two' }])
    expect(result.documents[1]?.locate(['name'])).toEqual({ line: 2, column: 9 })
  })

  it('labels a single document with the file alone, and inline text as the input', async () => {
    expect((await parseOne('{}', 'json', 'x.json')).source.label).toBe('x.json')
    const inline = await parseDefinitionText('name: abc', { format: 'auto' })
    expect(inline.documents[0]?.source).toEqual({ index: 0, count: 1, label: 'input "definition"' })
    const two = await parseDefinitionText('a: 1\n---\nb: 2', { format: 'auto' })
    expect(two.documents[1]?.source.label).toBe('input "definition" (document 2)')
  })

  it('keeps the good documents when one of them is bad', async () => {
    const result = await parseDefinitionText('a: 1\n---\n- x\n---\nb: 2\n', {
      format: 'yaml',
      file: 'f.yaml'
    })
    expect(result.documents.map((d) => d.source.index)).toEqual([0, 2])
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        // A top-level list is flattened into definitions, so `- x` is a string definition.
        message: 'document 2 is a string; expected an object (YAML mapping) with "name" and "type"',
        file: 'f.yaml',
        line: 3,
        column: 3
      }
    ])
  })
})

describe('documents that are not mappings', () => {
  it.each([
    ['a YAML scalar', 'hello', 'yaml', 'the definition is a string'],
    ['YAML null', '~', 'yaml', 'the definition is empty (null)'],
    ['JSON null', 'null', 'json', 'the definition is empty (null)'],
    ['a JSON string', '"abc"', 'json', 'the definition is a string'],
    ['a JSON number', '42', 'json', 'the definition is a number'],
    ['a nested list', '[[{"name": "x"}]]', 'json', 'the definition is a list']
  ] as const)('rejects %s', async (_label, text, format, message) => {
    const result = await parseDefinitionText(text, { format, file: 'f' })
    expect(result.documents).toEqual([])
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      `${message}; expected an object (YAML mapping) with "name" and "type"`
    ])
  })

  it('rejects each element of an array of scalars', async () => {
    const result = await parseDefinitionText('[1, "two", null]', { format: 'json', file: 'f.json' })
    expect(result.documents).toEqual([])
    expect(result.diagnostics.map((d) => [d.message.split(';')[0], d.column])).toEqual([
      ['document 1 is a number', 2],
      ['document 2 is a string', 5],
      ['document 3 is empty (null)', 12]
    ])
  })

  it('rejects an empty array', async () => {
    const result = await parseDefinitionText('[ ]', { format: 'json', file: 'f.json' })
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'the definition holds no documents: expected an object (YAML mapping) with "name" and "type"'
    ])
  })

  it('rejects empty YAML documents at their "---"', async () => {
    const result = await parseDefinitionText('name: abc\n---\n---\nb: 1\n---\n', {
      format: 'yaml',
      file: 'f.yaml'
    })
    expect(result.documents).toHaveLength(2)
    expect(result.diagnostics.map((d) => [d.message, d.line])).toEqual([
      ['document 2 is empty (stray "---"?)', 2],
      ['document 4 is empty (stray "---"?)', 5]
    ])
  })

  it.each([
    ['empty text', ''],
    ['whitespace', ' \n\t\n'],
    ['a BOM only', '\uFEFF']
  ])('rejects %s', async (_label, text) => {
    const result = await parseDefinitionText(text, { format: 'auto' })
    expect(result.diagnostics).toEqual([
      { severity: 'error', message: 'the definition is empty', line: 1, column: 1 }
    ])
  })

  it('rejects a YAML text of comments only', async () => {
    const result = await parseDefinitionText('# nothing here\n', { format: 'yaml', file: 'c.yaml' })
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'the definition holds no documents: expected an object (YAML mapping) with "name" and "type"'
    ])
  })
})

describe('syntax errors', () => {
  it.each([
    ['a trailing comma', '{"name": "abc",\n}', 'trailing commas are not allowed in JSON', 1, 15],
    [
      'a comment',
      '{\n  // note\n  "name": "abc"}',
      'JSON syntax error: comments are not allowed in JSON',
      2,
      3
    ],
    [
      'single quotes',
      "{'name': 'abc'}",
      'JSON syntax error: unexpected character; JSON has no comments, single quotes or bare words',
      1,
      2
    ],
    [
      'a missing brace',
      '{"name": "abc"',
      'JSON syntax error: expected "}" to close the object',
      1,
      15
    ],
    [
      'extra content',
      '{} {}',
      'JSON syntax error: unexpected content after the end of the JSON value',
      1,
      4
    ]
  ])('reports JSON %s with a position', async (_label, text, message, line, column) => {
    const result = await parseDefinitionText(text, { format: 'json', file: 'f.json' })
    expect(result.documents).toEqual([])
    expect(result.diagnostics[0]).toEqual({
      severity: 'error',
      message,
      file: 'f.json',
      line,
      column
    })
  })

  it('reports a YAML syntax error with a position', async () => {
    const result = await parseDefinitionText('name: abc\ntype: secret\n  bad: indent\n', {
      format: 'yaml',
      file: 'f.yaml'
    })
    expect(result.documents).toEqual([])
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'f.yaml',
        line: 3,
        message: expect.stringMatching(/^YAML syntax error: /)
      })
    ])
  })

  it.each([
    ['JSON', '{"a": 1, "a": 2}', 'json', 1, 10],
    ['YAML', 'a: 1\nb: 2\na: 3\n', 'yaml', 3, 1]
  ] as const)('rejects duplicate keys in %s', async (_label, text, format, line, column) => {
    const result = await parseDefinitionText(text, { format, file: 'f' })
    expect(result.documents).toEqual([])
    expect(result.diagnostics).toEqual([
      { severity: 'error', message: 'duplicate key "a"', file: 'f', line, column }
    ])
  })

  it('reports an unknown YAML tag without echoing the value', async () => {
    const result = await parseDefinitionText('name: abc\ntype: !vault hunter2\n', {
      format: 'yaml',
      file: 'f.yaml'
    })
    expect(result.diagnostics).toEqual([
      {
        severity: 'error',
        message: 'YAML error: unknown scalar tag !<!vault>',
        file: 'f.yaml',
        line: 2,
        column: 7
      }
    ])
    expect(JSON.stringify(result.diagnostics)).not.toContain('hunter2')
  })

  it('refuses YAML merge keys and collection tags it does not support', async () => {
    const merge = await parseDefinitionText('base: &b {x: 1}\nother:\n  <<: *b\n', {
      format: 'yaml'
    })
    expect(merge.diagnostics[0]).toMatchObject({
      message: expect.stringMatching(/merge keys/),
      line: 3,
      column: 3
    })
    const set = await parseDefinitionText('a: !!set {x: null}\n', { format: 'yaml' })
    expect(set.diagnostics[0]?.message).toMatch(/tag "!!set" is not supported/)
  })

  it('resolves YAML 1.2 core scalars and keeps keys as written', async () => {
    const doc = await parseOne('a: 1\nb: true\nc: ~\nd: "1"\ne: yes\n1: x\nf: !!str 12\n', 'yaml')
    expect(doc.value).toEqual({ a: 1, b: true, c: null, d: '1', e: 'yes', '1': 'x', f: '12' })
  })
})

describe('inline auto-detection', () => {
  it('reads JSON as JSON', async () => {
    const text = '{"name": "abc",\n "type": "secret"}'
    const auto = await parseDefinitionText(text, { format: 'auto' })
    const json = await parseDefinitionText(text, { format: 'json' })
    expect(auto.documents.map((d) => [d.value, d.locate(['type'])])).toEqual(
      json.documents.map((d) => [d.value, d.locate(['type'])])
    )
  })

  it('falls back to YAML when the text is not JSON', async () => {
    const auto = await parseDefinitionText('name: abc\ntype: secret\n', { format: 'auto' })
    expect(auto.diagnostics).toEqual([])
    expect(auto.documents[0]?.value).toEqual({ name: 'abc', type: 'secret' })
    // Not JSON (a comment), but valid YAML flow: YAML wins, as in the Northflank CLI.
    const flow = await parseDefinitionText('{"name": "abc"} # note', { format: 'auto' })
    expect(flow.documents[0]?.value).toEqual({ name: 'abc' })
  })

  it('reports JSON errors for text that looks like JSON and parses as neither', async () => {
    const result = await parseDefinitionText('{"name": "abc",, }', { format: 'auto' })
    expect(result.diagnostics[0]?.message).toMatch(/^JSON syntax error/)
    expect(result.diagnostics[0]).not.toHaveProperty('file')
  })

  it('reports YAML errors for text that looks like YAML and parses as neither', async () => {
    const result = await parseDefinitionText('name: a: b', { format: 'auto' })
    expect(result.diagnostics[0]?.message).toMatch(/^YAML syntax error/)
  })
})

describe('parsing keeps what validation judges', () => {
  it('keeps unknown keys in the value', async () => {
    const doc = await parseOne('{"name": "abc", "type": "secret", "extra": {"deep": [1]}}')
    expect(doc.value).toEqual({ name: 'abc', type: 'secret', extra: { deep: [1] } })
    expect(errors(validateDefinition(doc).diagnostics)).toHaveLength(1)
    const allowed = validateDefinition(doc, { allowUnknownFields: true })
    expect(warnings(allowed.diagnostics)).toHaveLength(1)
    expect(allowed.definition).toEqual(doc.value)
  })
})
