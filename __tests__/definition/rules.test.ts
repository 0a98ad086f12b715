// Every schema rule at the edges of its pattern, and the checks beyond the schema.
import { describe, it, expect, beforeAll } from '@jest/globals'
import {
  VALID_GITOPS,
  check,
  errors,
  errorsAt,
  loadParsers,
  warnings,
  withBase
} from './helpers.js'
import { cpuTimeOf } from '../helpers/timing.js'

// A time limit below is for validating, not for loading the JSON parser.
beforeAll(loadParsers)

const valid = async (value: unknown): Promise<boolean> =>
  (await check(value)).definition !== undefined

describe('name', () => {
  it.each([
    ['3 characters', 'abc'],
    ['100 characters', 'a'.repeat(100)],
    ['words separated by a space', 'My Secret'],
    ['words separated by a hyphen', 'my-secret'],
    ['mixed separators and digits', 'App 2-prod Db'],
    // The page's pattern uses \s, so any single whitespace character separates groups.
    ['a tab as separator', 'ab\tcd']
  ])('accepts %s', async (_label, name) => {
    expect(await valid(withBase({ name }))).toBe(true)
  })

  it.each([
    ['2 characters', 'ab', /2 characters long.*3–100 characters/],
    ['101 characters', 'a'.repeat(101), /101 characters long.*3–100 characters/],
    ['a double space', 'My  Secret', /two separators in a row/],
    ['a double hyphen', 'my--secret', /two separators in a row/],
    ['a leading hyphen', '-secret', /starts with a separator/],
    ['a trailing space', 'secret ', /ends with a separator/],
    ['unicode letters', 'Café Secret', /contains "é"/],
    ['an underscore', 'my_secret', /contains "_"/]
  ])('rejects %s', async (_label, name, message) => {
    const found = await errorsAt(withBase({ name }), 'name')
    expect(found.length).toBeGreaterThan(0)
    expect(found.map((d) => d.message).join('\n')).toMatch(message)
    // The rule is explained in words, not as a regular expression.
    expect(found[0]?.message).toContain('single spaces or hyphens')
  })

  it('reports both the length and the characters of a short invalid name', async () => {
    const messages = (await errorsAt(withBase({ name: 'a!' }), 'name')).map((d) => d.message)
    expect(messages).toHaveLength(2)
    expect(messages.join('\n')).toMatch(/2 characters long/)
    expect(messages.join('\n')).toMatch(/contains "!"/)
  })

  it('says "1 character" in the singular', async () => {
    expect((await errorsAt(withBase({ name: 'a' }), 'name'))[0]?.message).toMatch(
      /is 1 character long;/
    )
  })

  it('rejects a number and suggests quoting it', async () => {
    const [error] = await errorsAt(withBase({ name: 12345 }), 'name')
    expect(error?.message).toBe('name must be a string, not a number; put it in quotes')
  })

  it('is required, reported at the document start', async () => {
    const [error] = await errorsAt({ type: 'secret' }, '')
    expect(error?.message).toMatch(/missing the required field "name"/)
    expect(error).toMatchObject({ line: 1, column: 1 })
  })
})

describe('description', () => {
  const PUNCTUATION = ['.', ',', '?', '\\', '/', "'", '"', '(', ')', '[', ']', ';', '`', '%']
  PUNCTUATION.push('^', '&', '*', '-', '_', ':', '!')

  it('accepts 200 characters', async () => {
    expect(await valid(withBase({ description: 'a'.repeat(200) }))).toBe(true)
  })

  it.each(PUNCTUATION)('accepts %s', async (c) => {
    expect(await valid(withBase({ description: `Value ${c} here` }))).toBe(true)
  })

  it('accepts whitespace of any kind, newlines included', async () => {
    expect(await valid(withBase({ description: 'Line one\nline two\tand more' }))).toBe(true)
  })

  it('rejects 201 characters', async () => {
    const [error] = await errorsAt(withBase({ description: 'a'.repeat(201) }), 'description')
    expect(error?.message).toBe('description is 201 characters long; the limit is 200')
  })

  it.each(['<', '#', '@', '=', 'é', '{'])('rejects %s and names it', async (c) => {
    const [error] = await errorsAt(withBase({ description: `bad ${c} char` }), 'description')
    expect(error?.message).toContain(`contains ${JSON.stringify(c)}, which is not allowed`)
    expect(error?.message).toContain('letters, digits, whitespace and')
  })

  it('rejects an empty description (the pattern needs one character)', async () => {
    const [error] = await errorsAt(withBase({ description: '' }), 'description')
    expect(error?.message).toMatch(/description is empty/)
  })
})

describe('type', () => {
  it.each(['secret', 'config'])('accepts %s', async (type) => {
    expect(await valid(withBase({ type }))).toBe(true)
  })

  it.each([
    ['Secret', /one of: secret, config \(found "Secret"\); did you mean "secret"\?/],
    ['foo', /one of: secret, config \(found "foo"\)$/],
    ['', /one of: secret, config/]
  ])('rejects %j', async (type, message) => {
    expect((await errorsAt(withBase({ type }), 'type'))[0]?.message).toMatch(message)
  })

  it('is required', async () => {
    expect((await errorsAt({ name: 'abc' }, ''))[0]?.message).toMatch(
      /missing the required field "type" \("secret" or "config"\)/
    )
  })
})

describe('gitops', () => {
  const gitops = (extra: Record<string, unknown>) =>
    withBase({ type: 'config', gitops: { ...VALID_GITOPS, ...extra } })

  it('accepts the valid base', async () => {
    expect((await check(gitops({}))).diagnostics).toEqual([])
  })

  it.each(['bitbucket', 'gitlab', 'github', 'azure'])(
    'accepts vcsService %s',
    async (vcsService) => {
      expect(await valid(gitops({ vcsService }))).toBe(true)
    }
  )

  it('accepts vcsService self-hosted with selfHostedVcsId', async () => {
    expect(
      (await check(gitops({ vcsService: 'self-hosted', selfHostedVcsId: 'my-vcs' }))).diagnostics
    ).toEqual([])
  })

  it('rejects an unknown vcsService, listing the allowed ones', async () => {
    expect(
      (await errorsAt(gitops({ vcsService: 'GitHub' }), 'gitops.vcsService'))[0]?.message
    ).toBe(
      'gitops.vcsService must be one of: bitbucket, gitlab, github, self-hosted, azure ' +
        '(found "GitHub"); did you mean "github"?'
    )
  })

  it.each([
    'https://github.com/owner/repo',
    'github.com/owner/repo',
    'https://www.github.com/owner/repo',
    'www.github.com/owner/repo',
    'https://gitlab.example.com/group/sub/repo',
    'https://github.com/owner/repo.git',
    'https://github.com/my_org/my.repo-1'
  ])('accepts repoUrl %s', async (repoUrl) => {
    expect(await valid(gitops({ repoUrl }))).toBe(true)
  })

  it.each([
    ['http://github.com/owner/repo', /Use https:\/\//],
    ['https://github.com/owner/repo/', /Remove the trailing "\/"/],
    ['https://github.com/a/repo', /segments of at least 2/],
    ['https://github.com/owner/b', /segments of at least 2/],
    ['https://g.com/owner/repo', /host labels/],
    ['https://github.com', /not a repository URL/],
    ['https://localhost/owner/repo', /not a repository URL/],
    ['git@github.com:owner/repo.git', /not a repository URL/]
  ])('rejects repoUrl %s', async (repoUrl, message) => {
    const found = await errorsAt(gitops({ repoUrl }), 'gitops.repoUrl')
    expect(found).toHaveLength(1)
    expect(found[0]?.message).toMatch(message)
  })

  it('refuses an over-long repoUrl quickly without running its pattern', async () => {
    // This input makes the page's pattern backtrack for seconds; the length check runs first.
    const repoUrl = `https://www.${'aa.'.repeat(20_000)}!`
    // CPU time, not wall time: the pattern would burn seconds of it; a busy machine does not.
    const { value: found, cpuMs } = await cpuTimeOf(() =>
      errorsAt(gitops({ repoUrl }), 'gitops.repoUrl')
    )
    expect(cpuMs).toBeLessThan(500)
    expect(found.map((d) => d.message)).toEqual([
      'gitops.repoUrl is 60013 characters long; at most 2048 are accepted'
    ])
  })

  it.each(['/a', '/dir/file.json', '/.env', '/a-b_c.d/e'])(
    'accepts filePath %s',
    async (filePath) => {
      expect(await valid(gitops({ filePath }))).toBe(true)
    }
  )

  it.each(['a', '/a/', '//a', '/a b', '/', ''])('rejects filePath %j', async (filePath) => {
    const [error] = await errorsAt(gitops({ filePath }), 'gitops.filePath')
    expect(error?.message).toMatch(/not a file path Northflank accepts: it starts with "\/"/)
  })

  it.each(['abc-123', '0123456789abcdef01234567', 'ABC'])(
    'accepts selfHostedVcsId %s',
    async (id) => {
      expect(await valid(gitops({ vcsService: 'self-hosted', selfHostedVcsId: id }))).toBe(true)
    }
  )

  it.each(['abc!!!', '!!!0123456789abcdef01234567', '', 'a b'])(
    'rejects selfHostedVcsId %j (the fixed, fully anchored pattern)',
    async (id) => {
      const [error] = await errorsAt(
        gitops({ vcsService: 'self-hosted', selfHostedVcsId: id }),
        'gitops.selfHostedVcsId'
      )
      expect(error?.message).toMatch(/is not a valid id: use letters, digits and hyphens only/)
    }
  )

  it.each(['vcsService', 'repoUrl', 'branch', 'filePath'])('requires %s', async (field) => {
    const value = { ...VALID_GITOPS } as Record<string, unknown>
    delete value[field]
    const [error] = await errorsAt(withBase({ gitops: value }), 'gitops')
    expect(error?.message).toMatch(
      new RegExp(`^gitops is missing the required field "gitops.${field}"`)
    )
  })

  it.each(['branch', 'accountLogin', 'vcsLinkId', 'repoUrl'])(
    'needs %s to be a string',
    async (field) => {
      expect((await errorsAt(gitops({ [field]: 42 }), `gitops.${field}`))[0]?.message).toBe(
        `gitops.${field} must be a string, not a number; put it in quotes`
      )
    }
  )

  it('must be a mapping', async () => {
    expect((await errorsAt(withBase({ gitops: ['x'] }), 'gitops'))[0]?.message).toBe(
      'gitops must be a mapping (object), not a list'
    )
  })

  it('warns that vcsLinkId is legacy but still accepts it', async () => {
    const result = await check(gitops({ vcsLinkId: 'link' }))
    expect(result.definition?.gitops?.vcsLinkId).toBe('link')
    expect(warnings(result.diagnostics).map((d) => d.message)).toEqual([
      'gitops.vcsLinkId is a legacy field; use gitops.accountLogin (the login of your linked VCS account) instead'
    ])
  })

  it('warns, quoting the rule, when a definition of type secret has gitops, and still sends it', async () => {
    const result = await check(withBase({ type: 'secret', gitops: VALID_GITOPS }))
    expect(result.definition?.gitops).toEqual(VALID_GITOPS)
    expect(warnings(result.diagnostics)).toEqual([
      expect.objectContaining({
        path: 'gitops',
        line: 4,
        column: 3,
        message:
          'gitops is set on a definition of type "secret", but Northflank\'s "Manage global secrets" page says GitOps is supported for config only (global secrets of type "config"); Northflank may refuse or ignore it. Use type: config, or remove gitops'
      })
    ])
    expect((await check(withBase({ type: 'config', gitops: VALID_GITOPS }))).diagnostics).toEqual(
      []
    )
  })

  it('warns when self-hosted has no selfHostedVcsId, and the reverse', async () => {
    expect(
      warnings((await check(gitops({ vcsService: 'self-hosted' }))).diagnostics)[0]?.message
    ).toMatch(/selfHostedVcsId is not set/)
    expect(
      warnings((await check(gitops({ selfHostedVcsId: 'abc' }))).diagnostics)[0]?.message
    ).toMatch(/only applies when gitops.vcsService is "self-hosted"/)
  })
})

describe('secrets', () => {
  it('accepts values of any shape, and files as documented', async () => {
    const secrets = {
      values: { A: 'x', B: 1, C: { nested: [1, 2] } },
      files: { '/f': { data: 'eA==' }, '/g': { data: 'eA==', encoding: 'base64' }, '/h': {} }
    }
    const result = await check(withBase({ secrets }))
    expect(result.diagnostics).toEqual([])
    expect(result.definition?.secrets).toEqual(secrets)
  })

  it('checks files only as far as documented: entries are mappings, data and encoding strings', async () => {
    const result = await check(
      withBase({
        secrets: {
          values: {},
          files: {
            '/a': 'aGVsbG8=',
            '/b': { data: 42, encoding: true },
            '/c': { data: 'x', encoding: 'utf-8', mode: '0600', anything: [1] }
          }
        }
      })
    )
    expect(errors(result.diagnostics).map((d) => [d.path, d.message])).toEqual([
      ['secrets.files["/a"]', 'secrets.files["/a"] must be a mapping (object), not a string'],
      [
        'secrets.files["/b"].data',
        'secrets.files["/b"].data must be a string, not a number; put it in quotes'
      ],
      [
        'secrets.files["/b"].encoding',
        'secrets.files["/b"].encoding must be a string, not a boolean; put it in quotes'
      ]
    ])
    // Keys of a file entry beyond data and encoding are not checked: Northflank documents none.
    expect(warnings(result.diagnostics)).toEqual([])
    expect(JSON.stringify(result.diagnostics)).not.toContain('aGVsbG8=')
    expect(await errorsAt(withBase({ secrets: { files: [] } }), 'secrets.files')).toEqual([
      expect.objectContaining({ message: 'secrets.files must be a mapping (object), not a list' })
    ])
  })

  it("warns when secrets has no values (Northflank's client requires them)", async () => {
    const result = await check(withBase({ secrets: { files: {} } }))
    expect(result.definition).toBeDefined()
    expect(warnings(result.diagnostics)).toEqual([
      expect.objectContaining({
        path: 'secrets',
        line: 4,
        column: 3,
        message:
          'secrets has no "values"; Northflank\'s own client requires values whenever secrets is set: add values: {} if there are none'
      })
    ])
    expect((await check(withBase({ secrets: { values: {} } }))).diagnostics).toEqual([])
    expect((await check(withBase({}))).diagnostics).toEqual([])
  })

  it('rejects values that are not a mapping without quoting them', async () => {
    const result = await check(withBase({ secrets: { values: ['hunter2'] } }))
    const [error] = errors(result.diagnostics)
    expect(error?.message).toBe('secrets.values must be a mapping (object), not a list')
    expect(JSON.stringify(result.diagnostics)).not.toContain('hunter2')
  })

  it('rejects secrets given as a string without quoting it', async () => {
    const result = await check(withBase({ secrets: 'hunter2' }))
    expect(errors(result.diagnostics)[0]?.message).toBe(
      'secrets must be a mapping (object), not a string'
    )
    expect(JSON.stringify(result.diagnostics)).not.toContain('hunter2')
  })
})

describe('unknown keys', () => {
  const ROOT_FIELDS = '(known fields: name, description, type, secrets, gitops)'

  it('are errors with a did-you-mean: `secret:` for `secrets:` is not a secret without values', async () => {
    const result = await check({
      name: 'abc',
      type: 'secret',
      secret: { values: { A: 'x' } },
      extra: 1
    })
    expect(result.definition).toBeUndefined()
    expect(errors(result.diagnostics)).toEqual([
      expect.objectContaining({
        path: 'secret',
        line: 4,
        column: 3,
        message: `unknown field "secret" (did you mean "secrets"?); Northflank's API does not define it ${ROOT_FIELDS}. Rename or remove it, or set allow-unknown-fields: true to send it as written`
      }),
      expect.objectContaining({
        path: 'extra',
        message: `unknown field "extra"; Northflank's API does not define it ${ROOT_FIELDS}. Rename or remove it, or set allow-unknown-fields: true to send it as written`
      })
    ])
    // The name is still reported: only the unknown fields are wrong.
    expect(result).toMatchObject({ name: 'abc', type: 'secret' })
  })

  it('are errors in gitops and secrets too, never inside values or files', async () => {
    const result = await check(
      withBase({
        type: 'config',
        secrets: { value: {}, values: { whatever: 1 }, files: { '/f': { data: '', mode: 1 } } },
        gitops: { ...VALID_GITOPS, Branch: 'x' }
      })
    )
    expect(errors(result.diagnostics).map((d) => [d.path, d.message])).toEqual([
      [
        'secrets.value',
        'unknown field "value" in secrets (did you mean "values"?); Northflank\'s API does not define it (known fields: values, files). Rename or remove it, or set allow-unknown-fields: true to send it as written'
      ],
      [
        'gitops.Branch',
        expect.stringMatching(
          /^unknown field "Branch" in gitops \(did you mean "branch"\?\); .*\(known fields: vcsService, selfHostedVcsId, accountLogin, vcsLinkId, repoUrl, branch, filePath\)/
        )
      ]
    ])
  })

  it.each([
    [{ values: { A: 'x' } }, 'values', 'did you mean "secrets.values"?'],
    [{ repoUrl: 'https://github.com/o/r' }, 'repoUrl', 'did you mean "gitops.repoUrl"?'],
    [
      { secrets: { values: {}, name: 'x' } },
      'secrets.name',
      'did you mean "name" at the top level?'
    ],
    [{ Secrets: {} }, 'Secrets', 'did you mean "secrets"?']
  ])('suggests where a misplaced field belongs: %j', async (extra, path, suggestion) => {
    const [error] = errors((await check(withBase(extra))).diagnostics)
    expect(error?.path).toBe(path)
    expect(error?.message).toContain(`(${suggestion})`)
  })

  it('are warnings with allow-unknown-fields, and are sent as written', async () => {
    const value = {
      name: 'abc',
      type: 'secret',
      descripton: 'x',
      extra: { deep: [1, 'two'] },
      secrets: { values: { A: 'x' }, newThing: true }
    }
    const result = await check(value, { allowUnknownFields: true })
    expect(result.definition).toEqual(value)
    expect(errors(result.diagnostics)).toEqual([])
    expect(warnings(result.diagnostics).map((d) => [d.path, d.message])).toEqual([
      [
        'descripton',
        `unknown field "descripton" (did you mean "description"?); it is sent to the API as written because allow-unknown-fields is true ${ROOT_FIELDS}`
      ],
      [
        'extra',
        `unknown field "extra"; it is sent to the API as written because allow-unknown-fields is true ${ROOT_FIELDS}`
      ],
      [
        'secrets.newThing',
        'unknown field "newThing" in secrets; it is sent to the API as written because allow-unknown-fields is true (known fields: values, files)'
      ]
    ])
  })
})

describe('prototype keys', () => {
  it('rejects {"__proto__": {"name": "abc", "type": "secret"}}: the key can neither satisfy nor bypass a rule', async () => {
    const result = await check(JSON.parse('{"__proto__": {"name": "abc", "type": "secret"}}'))
    expect(result.definition).toBeUndefined()
    const messages = errors(result.diagnostics).map((d) => d.message)
    expect(messages[0]).toMatch(/^key "__proto__" is not allowed/)
    expect(messages).toContain(
      'the definition is missing the required field "name" (the secret name, e.g. "My Secret")'
    )
  })

  it.each(['constructor', 'prototype', '__proto__'])('rejects %s nested anywhere', async (key) => {
    const text = `{"name": "abc", "type": "secret", "secrets": {"values": {"${key}": {"polluted": true}}}}`
    const result = await check(JSON.parse(text))
    expect(result.definition).toBeUndefined()
    expect(errors(result.diagnostics)[0]).toMatchObject({ path: `secrets.values.${key}` })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('the returned definition', () => {
  it('is set with warnings, absent with any error', async () => {
    expect((await check({ name: 'abc', type: 'secret', secrets: {} })).definition).toBeDefined()
    expect((await check({ name: 'abc', type: 'nope' })).definition).toBeUndefined()
  })

  it('comes with the name and the type whenever each is valid itself', async () => {
    const badType = await check({ name: 'My Secret', type: 'public' })
    expect(badType.definition).toBeUndefined()
    expect(badType.name).toBe('My Secret')
    expect(badType.type).toBeUndefined()
    const badName = await check({ name: 'My_Secret', type: 'config' })
    expect(badName).toMatchObject({ type: 'config' })
    expect(badName.name).toBeUndefined()
    expect((await check({ name: 42, type: 'config' })).name).toBeUndefined()
    expect(await check({ name: 'Good Name', type: 'secret' })).toMatchObject({
      name: 'Good Name',
      type: 'secret'
    })
  })

  it('reports every problem, not the first', async () => {
    const result = await check({
      name: 'a',
      type: 'x',
      description: '<',
      gitops: { vcsService: 'y' }
    })
    expect(errors(result.diagnostics).map((d) => d.path)).toEqual([
      'name',
      'description',
      'type',
      'gitops',
      'gitops',
      'gitops',
      'gitops.vcsService'
    ])
  })
})
