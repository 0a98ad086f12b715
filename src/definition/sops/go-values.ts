// The text forms sops (written in Go) gives typed values: what goes into the MAC (sops's
// ToBytes) and how an encrypted value's plaintext is read back by its `type:`. Pure.

/** A typed plaintext that a definition can hold. */
export type SopsScalar = string | number | boolean

/**
 * Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that round-trip (as JavaScript
 * finds them too), always written without an exponent. Integral values give plain integers
 * (`5`), the same text as strconv.Itoa, so ints and floats need no separate path.
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  const text = String(value)
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text)
  if (match === null) return text
  const [, sign, lead, rest = '', exp] = match
  const digits = `${lead}${rest}`
  const point = 1 + Number(exp) // position of the decimal point within `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}

/** The bytes sops's ToBytes gives a value: what the MAC hashes. */
export function macText(value: SopsScalar): string {
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  return formatGoFloat(value)
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

export type TypedPlaintext =
  { ok: true; value: SopsScalar; macText: string } | { ok: false; reason: string }

/**
 * Reads a decrypted plaintext by the `type:` of its ENC[…] value, as sops does (strconv.Atoi,
 * ParseFloat, ParseBool). `macText` is what sops hashes for the typed value. With `asText` the
 * caller sends `macText`, not the number, so an integer beyond 2^53 is no reason to refuse it.
 */
export function readTyped(
  plaintext: string,
  type: string,
  options: { asText?: boolean } = {}
): TypedPlaintext {
  switch (type) {
    case 'str':
      return { ok: true, value: plaintext, macText: plaintext }
    case 'int': {
      if (!/^[+-]?\d+$/.test(plaintext)) return { ok: false, reason: 'it is not an integer' }
      const big = BigInt(plaintext)
      if (big < INT64_MIN || big > INT64_MAX) {
        return { ok: false, reason: 'the integer is out of the 64-bit range sops allows' }
      }
      const value = Number(big)
      if (!Number.isSafeInteger(value) && options.asText !== true) {
        return {
          ok: false,
          reason:
            'the integer is too large to be sent exactly (JSON numbers hold 53 bits); encrypt it as a string'
        }
      }
      return { ok: true, value, macText: big.toString() }
    }
    case 'float': {
      if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(plaintext)) {
        return { ok: false, reason: 'it is not a finite decimal number' }
      }
      const value = Number(plaintext)
      if (!Number.isFinite(value)) return { ok: false, reason: 'the number is out of range' }
      return { ok: true, value, macText: formatGoFloat(value) }
    }
    case 'bool': {
      // strconv.ParseBool's spellings.
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(plaintext)) {
        return { ok: true, value: true, macText: 'True' }
      }
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(plaintext)) {
        return { ok: true, value: false, macText: 'False' }
      }
      return { ok: false, reason: 'it is not a boolean' }
    }
    default:
      return {
        ok: false,
        reason: `values of type "${type}" are not supported here (only str, int, float and bool)`
      }
  }
}

/** The plaintext sops encrypts for a typed value, and the `type:` it records (for encrypting). */
export function plaintextOf(value: SopsScalar): {
  text: string
  type: 'str' | 'int' | 'float' | 'bool'
} {
  if (typeof value === 'string') return { text: value, type: 'str' }
  if (typeof value === 'boolean') return { text: value ? 'True' : 'False', type: 'bool' }
  return { text: formatGoFloat(value), type: Number.isInteger(value) ? 'int' : 'float' }
}

/**
 * `lastmodified` as sops authenticates the MAC with it: Go's time.Parse(RFC3339) then
 * Format(RFC3339), which drops fractional seconds and writes a zero offset as `Z`.
 * Undefined when the text is not an RFC 3339 time.
 */
export function normaliseLastModified(text: string): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text)
  if (match === null) return undefined
  const [, time, zone] = match
  return `${time}${zone === '+00:00' || zone === '-00:00' ? 'Z' : zone}`
}
