import { describe, expect, it } from '@jest/globals'
import { checkApiUrl } from '../../src/northflank/client.js'
import { NorthflankError } from '../../src/northflank/errors.js'

function refusal(url: string): NorthflankError {
  try {
    checkApiUrl(url)
  } catch (error) {
    expect(error).toBeInstanceOf(NorthflankError)
    expect((error as NorthflankError).kind).toBe('config')
    return error as NorthflankError
  }
  throw new Error(`${url} was accepted`)
}

describe('checkApiUrl', () => {
  it.each([
    'https://api.northflank.com',
    'https://api.northflank.com/',
    'https://gateway.example.com/northflank',
    'http://127.0.0.1:8080',
    'http://127.1.2.3',
    'http://localhost:3000',
    'http://LOCALHOST',
    'http://[::1]:9000'
  ])('accepts %s', (url) => {
    expect(() => checkApiUrl(url)).not.toThrow()
  })

  it('refuses plain http to other hosts, saying why', () => {
    expect(refusal('http://example.com').message).toMatch(/must use https:\/\/.*loopback/)
    expect(refusal('http://10.0.0.1').message).toMatch(/http:\/\/10\.0\.0\.1/)
    expect(refusal('http://localhost.example.com').message).toMatch(/https/)
    expect(refusal('http://127.0.0.1.nip.io').message).toMatch(/https/)
  })

  it('refuses other schemes, non-URLs, credentials and query strings', () => {
    expect(refusal('ftp://api.northflank.com').message).toMatch(
      /must start with https:\/\/ \(got ftp:\/\/\)/
    )
    expect(refusal('file:///etc/passwd').message).toMatch(/https/)
    expect(refusal('api.northflank.com').message).toMatch(/not an absolute URL|https/)
    expect(refusal('').message).toMatch(/not an absolute URL/)
    const creds = refusal('https://user:hunter2@api.northflank.com')
    expect(creds.message).toMatch(/user name or password/)
    expect(creds.message).not.toContain('hunter2')
    expect(refusal('https://api.northflank.com?x=1').message).toMatch(/query string/)
    expect(refusal('https://api.northflank.com/#frag').message).toMatch(/fragment/)
    expect(refusal('https://api.northflank.com?').message).toMatch(/query string/)
  })

  it('does not echo an unparsable value (it might be a mis-pasted token)', () => {
    expect(refusal('eyJhbGciOi.secret-ish').message).not.toContain('eyJhbGciOi')
  })
})
