// A definition means what its author wrote: a scalar that would be sent as something other than
// its text (a number losing digits or zeros, an overflow to null, `True`, `~`) is an error at
// its line and column that shows the fix. Values that keep their text stay as they are.
import { describe, it, expect, beforeAll } from '@jest/globals'
import { parseDefinitionText } from '../../src/definition/parse.js'
import { prepareDefinitions } from '../../src/definition/prepare.js'
import { validateDefinition, type ValidateOptions } from '../../src/definition/validate.js'
import { errors, loadParsers } from './helpers.js'

beforeAll(loadParsers)

/** Validates `KEY: <written>` under secrets.values of a YAML definition of the given type. */
async function yamlValue(written: string, type = 'config', options?: ValidateOptions) {
  const text = `name: Fidelity\ntype: ${type}\nsecrets:\n  values:\n    KEY: ${written}\n`
  const parsed = await parseDefinitionText(text, { file: 'a.yaml', format: 'yaml' })
  expect(parsed.diagnostics).toEqual([])
  const [doc] = parsed.documents
  return { doc: doc!, ...validateDefinition(doc!, options) }
}

/** The same in a JSON file: `"KEY": <written>` on line 5. */
async function jsonValue(written: string, type = 'config') {
  const text = `{\n  "name": "Fidelity",\n  "type": "${type}",\n  "secrets": {"values": {\n    "KEY": ${written}\n  }}\n}`
  const parsed = await parseDefinitionText(text, { file: 'a.json', format: 'json' })
  return { parsed, result: parsed.documents[0] && validateDefinition(parsed.documents[0]) }
}

const sent = (definition: unknown) =>
  (definition as { secrets: { values: { KEY: unknown } } }).secrets.values.KEY

describe('values that keep their text are sent as they are', () => {
  it.each([
    ['8080', 8080],
    ['-5', -5],
    ['0', 0],
    ['1.5', 1.5],
    ['0.25', 0.25],
    ['-3.14', -3.14],
    ['1e-7', 1e-7],
    ['9007199254740991', 9007199254740991], // 2^53 − 1
    ['9007199254740992', 9007199254740992], // 2^53: exactly a double, and written as JSON writes it
    ['true', true],
    ['false', false],
    ['null', null],
    ['"0123"', '0123'],
    ["'1.50'", '1.50'],
    // Forms YAML 1.2's core schema reads as strings: sent as the text written.
    ['0b101', '0b101'],
    ['0x_1F', '0x_1F'],
    ['0X1F', '0X1F'],
    ['+0x1F', '+0x1F'],
    ['0O17', '0O17'],
    ['0o8', '0o8'],
    ['1_000', '1_000'],
    ['1e309', '1e309'], // js-yaml reads a float that would overflow as a string
    ['-1e309', '-1e309'],
    ['yes', 'yes'],
    ['NaN', 'NaN'],
    ['12:30', '12:30']
  ])('YAML %s', async (written, value) => {
    const { definition, diagnostics } = await yamlValue(written)
    expect(diagnostics).toEqual([])
    expect(sent(definition)).toBe(value)
  })

  it.each([
    ['8080', 8080],
    ['-5', -5],
    ['1.5', 1.5],
    ['1e-7', 1e-7],
    ['1e+21', 1e21],
    ['9007199254740991', 9007199254740991],
    ['true', true],
    ['null', null],
    ['"0123"', '0123']
  ])('JSON %s', async (written, value) => {
    const { parsed, result } = await jsonValue(written)
    expect(parsed.diagnostics).toEqual([])
    expect(result?.diagnostics).toEqual([])
    expect(sent(result?.definition)).toBe(value)
  })
})

describe('values whose text would change are errors at their value, with the fix', () => {
  const at = { file: 'a.yaml', line: 5, column: 10, path: 'secrets.values.KEY' }

  it.each([
    [
      '0123',
      'secrets.values.KEY has a leading zero, which a number drops (0123 would be sent as 123); put it in quotes to send it as written: KEY: "0123", or KEY: 123 to send the number'
    ],
    [
      '00',
      'secrets.values.KEY has a leading zero, which a number drops (00 would be sent as 0); put it in quotes to send it as written: KEY: "00", or KEY: 0 to send the number'
    ],
    [
      '9007199254740993', // 2^53 + 1
      'secrets.values.KEY has more digits than a number keeps exactly (integers beyond 2^53 = 9007199254740992 lose their last digits), so it would be sent rounded (9007199254740993 would be sent as 9007199254740992); put it in quotes to send it as written: KEY: "9007199254740993"'
    ],
    [
      '12345678901234567890',
      'secrets.values.KEY has more digits than a number keeps exactly (integers beyond 2^53 = 9007199254740992 lose their last digits), so it would be sent rounded (12345678901234567890 would be sent as 12345678901234567000); put it in quotes to send it as written: KEY: "12345678901234567890"'
    ],
    [
      '1e-400', // below the smallest double: not rounded, gone
      'secrets.values.KEY is too small for a number to hold (it underflows to 0), so it would be sent as 0 (1e-400 would be sent as 0); put it in quotes to send it as written: KEY: "1e-400"'
    ],
    [
      '-1E-400',
      'secrets.values.KEY is too small for a number to hold (it underflows to 0), so it would be sent as 0 (-1E-400 would be sent as 0); put it in quotes to send it as written: KEY: "-1E-400"'
    ],
    [
      '-0',
      'secrets.values.KEY is a number, which is sent in its shortest form (no "+", trailing zeros, exponent or sign of -0) (-0 would be sent as 0); put it in quotes to send it as written: KEY: "-0", or KEY: 0 to send the number'
    ],
    [
      '0.10',
      'secrets.values.KEY is a number, which is sent in its shortest form (no "+", trailing zeros, exponent or sign of -0) (0.10 would be sent as 0.1); put it in quotes to send it as written: KEY: "0.10", or KEY: 0.1 to send the number'
    ],
    [
      '1e308',
      'secrets.values.KEY is a number, which is sent in its shortest form (no "+", trailing zeros, exponent or sign of -0) (1e308 would be sent as 1e+308); put it in quotes to send it as written: KEY: "1e308", or KEY: 1e+308 to send the number'
    ],
    [
      '0x1f',
      'secrets.values.KEY is read as a hexadecimal or octal number, so it would be sent in decimal (0x1f would be sent as 31); put it in quotes to send it as written: KEY: "0x1f", or KEY: 31 to send the number'
    ],
    [
      '.inf',
      'secrets.values.KEY is a number JSON cannot hold (too large, infinite or not a number), so it would be sent as null (.inf would be sent as null); put it in quotes to send it as written: KEY: ".inf"'
    ],
    [
      'True',
      'secrets.values.KEY is written "True", which YAML reads as the boolean true; write KEY: true to send a boolean, or KEY: "True" to send the text'
    ],
    [
      '~',
      'secrets.values.KEY is written "~", which YAML reads as null; write KEY: null to send null, or KEY: "~" to send the text'
    ]
  ])('YAML %s', async (written, message) => {
    const result = await yamlValue(written)
    expect(result.definition).toBeUndefined()
    expect(result.diagnostics).toEqual([{ severity: 'error', message, ...at }])
    // The name is still reported: it is valid.
    expect(result.name).toBe('Fidelity')
  })

  it.each([
    ['1.50', '1.5'],
    ['1.0', '1'],
    ['+5', '5'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['1e3', '1000'],
    ['1E-7', '1e-7'],
    ['0o17', '15'],
    ['-.inf', 'null'],
    ['.nan', 'null'],
    ['1234e56', '1.234e+59'] // a short commit hash that YAML reads as a float
  ])('YAML %s (sent as %s)', async (written, as) => {
    const { diagnostics } = await yamlValue(written)
    expect(errors(diagnostics)).toEqual([
      expect.objectContaining({
        ...at,
        message: expect.stringContaining(`(${written} would be sent as ${as})`)
      })
    ])
  })

  it('says an empty value is null and offers both fixes', async () => {
    const { diagnostics } = await yamlValue('')
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 5,
        message:
          'secrets.values.KEY has no value, which YAML reads as null; write KEY: "" for an empty value, or KEY: null to send null'
      })
    ])
  })

  it.each([
    ['-0', '0'],
    ['1.0', '1'],
    ['0.10', '0.1'],
    ['1e308', '1e+308'],
    ['1E5', '100000'],
    ['9007199254740993', '9007199254740992'],
    ['12345678901234567890', '12345678901234567000'],
    ['1e309', 'null'],
    ['-1e400', 'null']
  ])('JSON %s (sent as %s)', async (written, as) => {
    const { parsed, result } = await jsonValue(written)
    expect(parsed.diagnostics).toEqual([])
    expect(result?.definition).toBeUndefined()
    expect(result?.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        file: 'a.json',
        line: 5,
        column: 12,
        path: 'secrets.values.KEY',
        message: expect.stringMatching(
          new RegExp(
            `\\(${written.replace(/[.+]/g, '\\$&')} would be sent as ${as.replace(/[.+]/g, '\\$&')}\\); put it in quotes to send it as written: "KEY": "${written.replace(/[.+]/g, '\\$&')}"`
          )
        )
      })
    ])
  })

  it('says a JSON number that underflows is sent as 0, not that it is rounded', async () => {
    const { result } = await jsonValue('1E-400')
    expect(result?.definition).toBeUndefined()
    expect(result?.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        line: 5,
        message:
          'secrets.values.KEY is too small for a number to hold (it underflows to 0), so it would be sent as 0 (1E-400 would be sent as 0); put it in quotes to send it as written: "KEY": "1E-400"'
      })
    ])
  })

  it('reports a JSON number with a leading zero once, at the number, with the fix', async () => {
    const { parsed } = await jsonValue('0123')
    expect(parsed.documents).toEqual([])
    expect(parsed.diagnostics).toEqual([
      {
        severity: 'error',
        file: 'a.json',
        line: 5,
        column: 12,
        message:
          'JSON syntax error: a number cannot start with 0; put it in quotes to keep it as written ("0123", not 0123)'
      }
    ])
    // Other mistakes of the text are still reported, at their own places.
    const text = '{"A": 00, "B": -007,\n "C": 1,, "D": 0.5}'
    const both = await parseDefinitionText(text, { file: 'b.json', format: 'json' })
    expect(both.diagnostics.map((d) => [d.message.slice(0, 40), d.line, d.column])).toEqual([
      ['JSON syntax error: a number cannot start', 1, 7],
      ['JSON syntax error: a number cannot start', 1, 16],
      ['JSON syntax error: expected a property n', 2, 9]
    ])
  })
})

describe('where the check applies', () => {
  it('never shows the value of a definition of type secret', async () => {
    const { diagnostics } = await yamlValue('0123', 'secret')
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 5,
        column: 10,
        message:
          'secrets.values.KEY has a leading zero, which a number drops; put the value in quotes, exactly as the file writes it: KEY: "…" (values are shown only for definitions of type "config")'
      })
    ])
    expect(diagnostics[0]?.message).not.toContain('123')
    const big = await yamlValue('98765432109876543210', 'secret')
    expect(big.diagnostics[0]?.message).not.toMatch(/98765|87654/)
  })

  it('checks lists and nested values, aliases included, and shows the fix in their syntax', async () => {
    const text = [
      'name: Lists',
      'type: config',
      'secrets:',
      '  values:',
      '    PORTS: [8080, 0443]',
      '    NESTED:',
      '      "odd key": &zip 01234',
      '    COPY: *zip',
      ''
    ].join('\n')
    const [doc] = (await parseDefinitionText(text, { file: 'l.yaml', format: 'yaml' })).documents
    const found = validateDefinition(doc!).diagnostics
    expect(found.map((d) => [d.path, d.line, d.column])).toEqual([
      ['secrets.values.PORTS[1]', 5, 19],
      ['secrets.values.NESTED["odd key"]', 7, 18],
      ['secrets.values.COPY', 8, 11]
    ])
    expect(found[0]?.message).toMatch(/: - "0443", or - 443 to send the number$/)
    expect(found[1]?.message).toMatch(
      /: "odd key": "01234", or "odd key": 1234 to send the number$/
    )
  })

  it('finds each definition of a list or of several YAML documents at its own place', async () => {
    const text = [
      '- name: First One',
      '  type: config',
      '  secrets: {values: {A: 1.50}}',
      '- name: Second One',
      '  type: config',
      '  secrets: {values: {B: 1.5}}',
      '---',
      'name: Third One',
      'type: config',
      'secrets: {values: {C: 007}}',
      ''
    ].join('\n')
    const parsed = await parseDefinitionText(text, { file: 'm.yaml', format: 'yaml' })
    const found = parsed.documents.map((doc) =>
      validateDefinition(doc).diagnostics.map((d) => [d.path, d.line, d.column])
    )
    expect(found).toEqual([[['secrets.values.A', 3, 25]], [], [['secrets.values.C', 10, 23]]])
  })

  it('does not repeat what another error says: a number where a string belongs', async () => {
    const text =
      'name: 0123\ntype: config\ngitops:\n  vcsService: github\n  repoUrl: https://github.com/ow/repo\n  branch: 1.10\n  filePath: /a.json\n'
    const [doc] = (await parseDefinitionText(text, { file: 'n.yaml', format: 'yaml' })).documents
    const found = errors(validateDefinition(doc!).diagnostics)
    expect(found.map((d) => [d.path, d.message])).toEqual([
      ['name', 'name must be a string, not a number; put it in quotes'],
      ['gitops.branch', 'gitops.branch must be a string, not a number; put it in quotes']
    ])
  })

  it('checks unknown fields that allow-unknown-fields sends', async () => {
    const text = 'name: Extra\ntype: config\nnewField: 0.50\n'
    const [doc] = (await parseDefinitionText(text, { file: 'e.yaml', format: 'yaml' })).documents
    const found = validateDefinition(doc!, { allowUnknownFields: true }).diagnostics
    expect(found.map((d) => [d.severity, d.path])).toEqual([
      ['warning', 'newField'],
      ['error', 'newField']
    ])
  })

  it('does not report a value that values-from-env replaces', async () => {
    const text =
      'name: Replaced\ntype: secret\nsecrets:\n  values:\n    PIN: 0123\n    OTHER: 0.10\n'
    const [doc] = (await parseDefinitionText(text, { file: 'r.yaml', format: 'yaml' })).documents
    const { prepared, diagnostics } = prepareDefinitions([doc!], {
      overrides: {},
      valuesFromEnv: [{ key: 'PIN', variable: 'PIN', value: '0123' }]
    })
    expect(diagnostics.map((d) => d.path)).toEqual(['secrets.values.OTHER'])
    expect(prepared[0]?.definition).toBeUndefined()
    expect(prepared[0]?.name).toBe('Replaced')
  })
})

describe('many such values', () => {
  it('reports the first 50 one by one and counts the rest, quickly, in YAML and JSON', async () => {
    const n = 2_000
    const keys = Array.from({ length: n }, (_, i) => `K${i}`)
    // Nested 40 levels deep, so path bookkeeping per level would show in the time.
    const open = Array.from({ length: 39 }, (_, i) => `${'  '.repeat(i + 2)}L${i}:`)
    const flow = `${'  '.repeat(41)}L39: {${keys.map((k) => `${k}: 1.0`).join(', ')}}`
    const yaml = [
      'name: Generated',
      'type: config',
      'secrets:',
      '  values:',
      ...open,
      flow,
      ''
    ].join('\n')
    const json = JSON.stringify({
      name: 'Generated',
      type: 'config',
      secrets: { values: {} }
    }).replace('"values":{}', `"values":{${keys.map((k) => `"${k}":1.0`).join(',')}}`)
    for (const [text, format] of [
      [yaml, 'yaml'],
      [json, 'json']
    ] as const) {
      const started = performance.now()
      const parsed = await parseDefinitionText(text, { file: `g.${format}`, format })
      expect(parsed.diagnostics).toEqual([])
      const found = validateDefinition(parsed.documents[0]!).diagnostics
      const elapsed = performance.now() - started
      expect(found).toHaveLength(51)
      expect(found[50]?.message).toBe(
        `${n - 50} more values of this definition would not be sent as written (only the first 50 are reported); quote each as the file writes it`
      )
      expect(found[50]?.line).toBe(format === 'yaml' ? 44 : 1)
      // A guard against work per value that grows with the file (items × values, or copying paths
      // at every level): linear work takes well under a second here even on a busy machine.
      expect(elapsed).toBeLessThan(5000)
    }
  })

  it('reports values an alias repeats at the alias, once per copy', async () => {
    const text = [
      'name: Aliases',
      'type: config',
      'secrets:',
      '  values:',
      '    BASE: &base {A: 1.0, B: [0x10]}',
      '    COPY: *base',
      '    NESTED: {deeper: *base}',
      ''
    ].join('\n')
    const [doc] = (await parseDefinitionText(text, { file: 'a.yaml', format: 'yaml' })).documents
    expect(validateDefinition(doc!).diagnostics.map((d) => [d.path, d.line])).toEqual([
      ['secrets.values.BASE.A', 5],
      ['secrets.values.BASE.B[0]', 5],
      ['secrets.values.COPY.A', 6],
      ['secrets.values.COPY.B[0]', 6],
      ['secrets.values.NESTED.deeper.A', 7],
      ['secrets.values.NESTED.deeper.B[0]', 7]
    ])
  })
})
