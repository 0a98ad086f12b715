import { describe, expect, it } from '@jest/globals'
import { assignEnvValues } from '../../src/definition/env-values.js'
import { prepareDefinitions } from '../../src/definition/prepare.js'
import type { ParsedDocument } from '../../src/definition/types.js'
import { parseOne } from './helpers.js'

const doc = (value: Record<string, unknown>, file = 'a.json'): Promise<ParsedDocument> =>
  parseOne(JSON.stringify(value, null, 2), 'json', file)

const env = (target: string | undefined, key: string, value = 'v-' + key) => ({
  target,
  key,
  variable: key,
  value
})

describe('assignEnvValues', () => {
  it('gives unscoped entries to the only definition', async () => {
    const docs = [await doc({ name: 'Alpha', type: 'secret' })]
    expect(assignEnvValues(docs, [env(undefined, 'A')]).values).toEqual([{ A: 'v-A' }])
  })

  it('gives scoped entries only to the definition whose name derives the identifier', async () => {
    const docs = [
      await doc({ name: 'Alpha', type: 'secret' }),
      await doc({ name: 'Bravo One', type: 'config' })
    ]
    const { values, diagnostics } = assignEnvValues(docs, [
      env('bravo-one', 'B'),
      env('alpha', 'A')
    ])
    expect(diagnostics).toEqual([])
    expect(values).toEqual([{ A: 'v-A' }, { B: 'v-B' }])
  })

  it('uses the name override to match a scoped entry', async () => {
    const docs = [await doc({ name: 'Alpha', type: 'secret' })]
    expect(assignEnvValues(docs, [env('renamed', 'A')], 'Renamed').values).toEqual([{ A: 'v-A' }])
  })

  it('refuses unscoped entries with several definitions and unknown identifiers, listing each id once', async () => {
    const docs = [
      await doc({ name: 'Alpha', type: 'secret' }),
      await doc({ name: 'Alpha', type: 'config' })
    ]
    const { values, diagnostics } = assignEnvValues(docs, [env(undefined, 'A'), env('nope', 'B')])
    expect(values).toEqual([{}, {}])
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(
        /entry "A" names no definition, but this run holds 2; prefix it .*"alpha:A=A"/
      ),
      expect.stringMatching(
        /no definition has the identifier "nope" .*identifiers in this run: alpha\.$/
      )
    ])
  })
})

describe('prepareDefinitions', () => {
  it('applies overrides and values, then validates what will be sent', async () => {
    const docs = [await doc({ name: 'Alpha', type: 'secret', secrets: { values: { KEEP: 'k' } } })]
    const { prepared, diagnostics } = prepareDefinitions(docs, {
      overrides: { description: 'From the input' },
      valuesFromEnv: [env(undefined, 'ADDED', 'added-value')]
    })
    expect(diagnostics).toEqual([])
    expect(prepared[0]!.definition).toEqual({
      name: 'Alpha',
      type: 'secret',
      description: 'From the input',
      secrets: { values: { KEEP: 'k', ADDED: 'added-value' } }
    })
    // The loaded document is untouched: overrides make a new one.
    expect(docs[0]!.value).toEqual({
      name: 'Alpha',
      type: 'secret',
      secrets: { values: { KEEP: 'k' } }
    })
  })

  it('refuses overrides with several definitions and leaves invalid ones without a definition', async () => {
    const docs = [
      await doc({ name: 'Alpha', type: 'secret' }),
      await doc({ name: 'x', type: 'secret' }, 'b.json')
    ]
    const { prepared, diagnostics } = prepareDefinitions(docs, {
      overrides: { type: 'config' },
      valuesFromEnv: []
    })
    expect(diagnostics[0]!.message).toMatch(/override one definition, but this run holds 2/)
    expect(prepared.map((p) => p.definition === undefined)).toEqual([false, true])
  })

  it('reports two definitions with the same identifier in the same team', async () => {
    const docs = [
      await doc({ name: 'My Secret', type: 'secret' }),
      await doc({ name: 'my-secret', type: 'config' }, 'b.json')
    ]
    const { diagnostics } = prepareDefinitions(docs, {
      overrides: {},
      valuesFromEnv: [],
      teamId: 'platform'
    })
    expect(diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        file: 'b.json',
        message: expect.stringMatching(/my-secret.*a\.json:2/)
      })
    ])
  })
})
