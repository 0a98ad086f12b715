// The secret id Northflank derives from a name.
import { describe, it, expect } from '@jest/globals'
import { deriveSecretId } from '../../src/definition/identifier.js'

describe('deriveSecretId', () => {
  it.each([
    ['Example Secret', 'example-secret'],
    ['my-secret', 'my-secret'],
    ['API Keys 2', 'api-keys-2'],
    ['Mixed-Case Name', 'mixed-case-name'],
    ['ab\tcd', 'ab-cd']
  ])('%j → %j', (name, id) => {
    expect(deriveSecretId(name)).toBe(id)
  })

  it('makes "My Secret" and "my-secret" collide', () => {
    expect(deriveSecretId('My Secret')).toBe(deriveSecretId('my-secret'))
  })

  it('keeps distinct names distinct', () => {
    expect(deriveSecretId('my secret')).not.toBe(deriveSecretId('mysecret'))
  })
})
