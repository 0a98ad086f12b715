// The masking policy (src/report/mask.ts): which values reach the runner's masking, and the
// warnings for those that cannot without garbling public text.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import {
  addPublicText,
  addRunFactsAsPublicText,
  redactRegistered,
  redactSecretValues,
  registerDefinitionSecrets,
  registerRunSecrets,
  registerSecret,
  registerStoredSecrets,
  registeredSecrets,
  resetMaskingForTests,
  secretLeaves,
  secretStrings
} from '../../src/report/mask.js'
import { parseDefinitionText } from '../../src/definition/index.js'
import { RunnerMasker, processStdout } from '../../tools/run-action.js'
import { runnerForms } from '../../src/report/runner-forms.js'

let written = ''
beforeEach(() => {
  resetMaskingForTests()
  written = ''
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    written += String(chunk)
    return true
  })
})
afterEach(() => {
  jest.restoreAllMocks()
})

const masks = (): string[] => written.split('\n').filter((l) => l.startsWith('::add-mask::'))
const warnings = (): string[] => written.split('\n').filter((l) => l.startsWith('::warning'))

describe('registerSecret', () => {
  it('registers a value, numbers and booleans as the text the runner sees', () => {
    expect(registerSecret('s3cr3t-value')).toBe('masked')
    expect(registerSecret(987654321)).toBe('masked')
    expect(registerSecret(12345.678)).toBe('masked')
    expect(masks()).toEqual([
      '::add-mask::s3cr3t-value',
      '::add-mask::987654321',
      '::add-mask::12345.678'
    ])
    expect(registeredSecrets()).toEqual(['s3cr3t-value', '987654321', '12345.678'])
  })

  it('skips blank values and non-scalars silently', () => {
    expect(registerSecret('   ')).toBe('empty')
    expect(registerSecret(null)).toBe('empty')
    expect(registerSecret({ a: 1 })).toBe('empty')
    expect(written).toBe('')
  })

  it('registers each line of a multi-line value, then the whole value', () => {
    registerSecret('-----BEGIN KEY-----\r\nabcdef\n\nxyzuvw')
    expect(masks()).toEqual([
      '::add-mask::-----BEGIN KEY-----',
      '::add-mask::abcdef',
      '::add-mask::xyzuvw',
      '::add-mask::-----BEGIN KEY-----%0D%0Aabcdef%0A%0Axyzuvw'
    ])
  })

  it('never sends the whole of a multi-line value with a line the runner must not mask', () => {
    // The runner would register every line of the whole value itself, "ab" included.
    expect(registerSecret('first-line-ok\nab\n')).toBe('partly-masked')
    expect(masks()).toEqual(['::add-mask::first-line-ok'])
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toMatch(/Line 2 of the value .*shorter than 4 characters/)
  })

  it.each([
    ['abc', /shorter than 4 characters/],
    ['4', /shorter than 4 characters/],
    ['5432', /number of fewer than 6 digits/],
    ['-1234', /number of fewer than 6 digits/],
    ['true', /occurs in text the run shows/],
    ['false', /occurs in text the run shows/],
    ['created', /occurs in text the run shows/]
  ])('does not mask %j and says why, naming key and file, never the value', (value, why) => {
    const outcome = registerSecret(value, {
      key: 'secrets.values.PIN',
      definition: 'Payments',
      file: 'secrets/payments.yaml',
      line: 7,
      column: 10
    })
    expect(outcome).toBe('not-masked')
    expect(masks()).toEqual([])
    const [warning, ...rest] = warnings()
    expect(rest).toEqual([])
    expect(warning).toMatch(why)
    expect(warning).toMatch(
      /^::warning title=Secret value not masked,file=secrets\/payments.yaml,line=7,col=10::The value of secrets.values.PIN in "Payments" \(secrets\/payments.yaml\) is not masked/
    )
    // The text does not depend on the value: another value of the same kind reads the same.
    resetMaskingForTests()
    written = ''
    const twin =
      value === 'created' ? 'updated' : value.replace(/[0-9]/g, '7').replace(/[a-z]/g, 'x')
    registerSecret(value === 'true' || value === 'false' ? 'null' : twin, {
      key: 'secrets.values.PIN',
      definition: 'Payments',
      file: 'secrets/payments.yaml',
      line: 7,
      column: 10
    })
    expect(warnings()).toEqual([warning])
  })

  it('does not mask a value that occurs in a name, identifier, path, the repository or the commit', () => {
    addRunFactsAsPublicText({
      GITHUB_REPOSITORY: 'acme/platform-config',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_RUN_ID: '4242424242'
    })
    addPublicText('Payments Service', 'payments-service', 'secrets/payments-service.yaml')
    for (const value of ['platform', 'Payments', 'service', '89abcdef', '4242424242', 'https']) {
      expect(registerSecret(value)).toBe('not-masked')
    }
    expect(masks()).toEqual([])
    expect(registerSecret('payments-service-key')).toBe('masked')
  })
})

describe('the forms the runner derives from a value', () => {
  const origin = { key: 'secrets.values.PASSWORD', definition: 'database', file: 'secrets/db.yaml' }

  it('does not register a value whose part after its last & occurs in public text', () => {
    addPublicText('secrets/db.yaml')
    expect(registerSecret('Tr0ub4dor&secret', origin)).toBe('not-masked')
    expect(masks()).toEqual([])
    const [warning, ...rest] = warnings()
    expect(rest).toEqual([])
    expect(warning).toContain(
      'the runner would also mask the part after its last & (not shown here), and that part occurs in text the run shows'
    )
    // Neither the value nor any part of it that is not a word of the message is shown.
    expect(warning).not.toContain('Tr0ub4dor')
    // The runner emulation agrees: registered, it would garble the file name.
    const masker = new RunnerMasker()
    masker.add('Tr0ub4dor&secret')
    expect(masker.mask('secrets/db.yaml')).toBe('***s/db.yaml')
    // A value whose sections are not public text is registered.
    expect(registerSecret('Tr0ub4dor&s3cr3t-xk', origin)).toBe('masked')
  })

  it.each([
    ['its base64 form', 'hunter2-long', (v: string) => Buffer.from(v).toString('base64')],
    [
      'its base64 form from the second byte',
      'hunter2-long',
      (v: string) => Buffer.from(v).subarray(1).toString('base64')
    ],
    ['its URI-escaped form', 'pass word/x', (v: string) => encodeURIComponent(v)],
    [
      'its XML-escaped form',
      'pa<ss>word',
      (v: string) => v.replace('<', '&lt;').replace('>', '&gt;')
    ],
    ['the part up to its last &', 'abcdef&gh', (v: string) => v.slice(0, 7)],
    ['the part inside its double quotes', '"quoted-pw"', (v: string) => v.slice(1, -1)]
  ])('refuses a value when %s occurs in public text', (what, value, form) => {
    addPublicText(`secrets/${form(value)}.yaml`)
    expect(registerSecret(value, origin)).toBe('not-masked')
    expect(masks()).toEqual([])
    expect(warnings()[0]).toContain(`the runner would also mask ${what} (not shown here)`)
    expect(runnerForms(value).map((f) => f.form)).toContain(form(value))
  })

  it('registers the lines but not the whole of a multi-line value whose base64 form is public', () => {
    // Each (trimmed) line is fine; the whole value's base64 form (no line's) is public text.
    const value = 'line-one-x\nline-two-yz  '
    addPublicText(`secrets/${Buffer.from(value).toString('base64')}.yaml`)
    expect(registerSecret(value, origin)).toBe('partly-masked')
    expect(masks()).toEqual(['::add-mask::line-one-x', '::add-mask::line-two-yz'])
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toContain(
      'The value of secrets.values.PASSWORD in "database" (secrets/db.yaml) is not masked in the log: the runner would also mask its base64 form'
    )
  })

  it('refuses a value whose part after & is a short number (it would hide timings)', () => {
    expect(registerSecret('long-prefix&12.345', origin)).toBe('not-masked')
    expect(warnings()[0]).toContain('that part is a number of fewer than 6 digits')
  })
})

describe('public text of a run: keys, output keys, summary markup', () => {
  it.each(['code', 'file', 'table', 'strong', 'details', 'summary', 'changes', 'outcome'])(
    'does not mask %j, a key of the outputs or a word of the summary markup',
    (value) => {
      expect(registerSecret(value)).toBe('not-masked')
      expect(masks()).toEqual([])
      // Registered, it would garble the summary's markup.
      const masker = new RunnerMasker()
      masker.add(value)
      expect(
        masker.hides(
          '<table><tr><td><code>a</code></td></tr></table><strong>b</strong>' +
            '<details><summary>c</summary></details>{"file":"f","outcome":"o","changes":[]}'
        )
      ).toBe(true)
    }
  )

  it('keeps every key of a definition readable, as the plan formats it', async () => {
    const parsed = await parseDefinitionText(
      'name: Billing DB\ntype: secret\nsecrets:\n  values:\n    db_user: admin\n    admin_password: new-pass-654321\n    "odd key": oddkey-value-1\n',
      { file: 'secrets/billing.yaml', format: 'yaml' }
    )
    registerRunSecrets({ documents: parsed.documents, valuesFromEnv: [] })
    expect(masks()).toEqual(['::add-mask::new-pass-654321', '::add-mask::oddkey-value-1'])
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toContain('The value of secrets.values.db_user in "Billing DB"')
    const view = processStdout(
      written + '~ secrets.values.admin_password\n+ secrets.values["odd key"]\n'
    )
    expect(view.log.slice(-2)).toEqual([
      '~ secrets.values.admin_password',
      '+ secrets.values["odd key"]'
    ])
  })

  it('keeps the keys and field names of a secret read back from Northflank readable', () => {
    registerStoredSecrets(
      {
        name: 'Billing DB',
        secretType: 'environment-variables',
        secrets: { values: { legacy_token_name: 'stored-value-9876' } }
      },
      {
        name: 'Billing DB',
        doc: { source: { label: 'secrets/billing.yaml', file: 'secrets/billing.yaml' } }
      }
    )
    expect(masks()).toEqual(['::add-mask::stored-value-9876'])
    expect(registerSecret('legacy_token')).toBe('not-masked')
    expect(registerSecret('secretType')).toBe('not-masked')
    expect(masks()).toEqual(['::add-mask::stored-value-9876'])
  })
})

describe('one warning per value and key', () => {
  it('warns once when the same value of the same key is registered twice', () => {
    const origin = {
      key: 'secrets.values.FLAG',
      definition: 'Card Vault',
      file: 'c.sops.yaml',
      line: 4
    }
    registerSecret(true, origin)
    registerSecret('true', origin)
    expect(warnings()).toHaveLength(1)
    // Another key holding the same value is its own warning.
    registerSecret(true, { ...origin, key: 'secrets.values.OTHER' })
    expect(warnings()).toHaveLength(2)
  })
})

describe('registerDefinitionSecrets', () => {
  const definition = {
    name: 'Shared Config',
    type: 'secret',
    secrets: {
      values: { A: 'a-value', PIN: 987654321, FLAG: true, NESTED: { B: 'b-value' } },
      files: { '/etc/app.conf': { data: 'ZmlsZS1ib2R5', encoding: 'base64' } }
    }
  }

  it('masks every value of a secret-type definition, numbers too', () => {
    registerDefinitionSecrets(definition, { file: 'secrets/a.yaml' })
    expect(masks().sort()).toEqual(
      [
        '::add-mask::a-value',
        '::add-mask::987654321',
        '::add-mask::b-value',
        '::add-mask::ZmlsZS1ib2R5'
      ].sort()
    )
    // `true` is a word of the outputs: said, not masked.
    expect(warnings()).toHaveLength(1)
    expect(warnings()[0]).toContain('secrets.values.FLAG in "Shared Config" (secrets/a.yaml)')
  })

  it('masks nothing of a config-type definition, and follows the type input', () => {
    registerDefinitionSecrets({ ...definition, type: 'config' })
    expect(written).toBe('')
    registerDefinitionSecrets(definition, { typeOverride: 'config' })
    expect(written).toBe('')
    registerDefinitionSecrets({ ...definition, type: 'config' }, { typeOverride: 'secret' })
    expect(masks()).toHaveLength(4)
  })

  it('treats a definition with a missing or wrong type as secret', () => {
    registerDefinitionSecrets({ ...definition, type: undefined })
    expect(masks()).toHaveLength(4)
    resetMaskingForTests()
    written = ''
    registerDefinitionSecrets({ ...definition, type: 'Secret' })
    expect(masks()).toHaveLength(4)
  })

  it('lists the leaves of values and file contents, not names, keys or encodings', () => {
    expect(secretLeaves(definition).map((l) => l.key)).toEqual([
      'secrets.values.A',
      'secrets.values.PIN',
      'secrets.values.FLAG',
      'secrets.values.NESTED.B',
      'secrets.files["/etc/app.conf"].data'
    ])
    expect(secretStrings(definition)).toEqual(['a-value', 'b-value', 'ZmlsZS1ib2R5'])
    expect(secretLeaves(null)).toEqual([])
  })
})

describe('registerRunSecrets', () => {
  it('keeps every name, identifier and file of the run readable and masks the rest', async () => {
    const parsed = await parseDefinitionText(
      'name: App Config\ntype: secret\nsecrets:\n  values:\n    A: config\n    B: App Config\n    C: long-secret-value\n',
      { file: 'secrets/app-config.yaml', format: 'yaml' }
    )
    registerRunSecrets({
      documents: parsed.documents,
      valuesFromEnv: [
        { key: 'USER', variable: 'DATABASE_USER', value: 'app' },
        { key: 'PASSWORD', variable: 'DATABASE_PASSWORD', value: 'pw-0123456789' }
      ],
      publicText: ['acme-team']
    })
    expect(masks()).toEqual(['::add-mask::long-secret-value', '::add-mask::pw-0123456789'])
    expect(warnings().map((w) => w.replace(/ is not masked.*/, ''))).toEqual([
      '::warning title=Secret value not masked,file=secrets/app-config.yaml,line=5,col=8::The value of secrets.values.A in "App Config" (secrets/app-config.yaml)',
      '::warning title=Secret value not masked,file=secrets/app-config.yaml,line=6,col=8::The value of secrets.values.B in "App Config" (secrets/app-config.yaml)',
      '::warning title=Secret value not masked::The value of USER (input "values-from-env", variable DATABASE_USER)'
    ])
    // What the runner then shows: the public text intact.
    const view = processStdout(
      written + 'created App Config (app-config) from secrets/app-config.yaml in 16 ms\n'
    )
    expect(view.log.at(-1)).toBe(
      'created App Config (app-config) from secrets/app-config.yaml in 16 ms'
    )
  })
})

describe('redaction of what the action writes itself', () => {
  it('redacts registered values in their echo forms', () => {
    registerSecret('café-"pass"\r\nline-two')
    const text = [
      'raw café-"pass"',
      'json caf\\u00e9-\\"pass\\"\\r\\nline-two',
      'line line-two',
      `b64 ${Buffer.from('café-"pass"\r\nline-two').toString('base64')}`
    ].join(' | ')
    expect(redactRegistered(text)).toBe('raw *** | json *** | line *** | b64 ***')
  })

  it('redacts the response whatever shape data has', () => {
    registerSecret('tok-ABCDEFGH')
    registerSecret('value-12345678')
    expect(redactSecretValues('echo tok-ABCDEFGH')).toBe('echo ***')
    expect(redactSecretValues(['value-12345678', { k: 'tok-ABCDEFGH' }])).toEqual([
      '***',
      { k: '***' }
    ])
    expect(
      redactSecretValues({ name: 'n', request: { headers: { auth: 'Bearer tok-ABCDEFGH' } } })
    ).toEqual({ name: 'n', request: { headers: { auth: 'Bearer ***' } } })
  })
})
