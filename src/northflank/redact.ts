// Text that came from the server (error messages, details, body snippets) can
// echo what was sent; it passes through here before it reaches a message.

const MASK = '***'

// Shorter values are not credible secrets, and masking them would garble
// messages (a value `1` would mask every digit 1 of an error id).
const MIN_LENGTH = 3

/** The token and every string or number leaf under `body.secrets` (3 characters or more). */
export function sensitiveStrings(token: string, body: object): string[] {
  const found = new Set<string>()
  if (token !== '') found.add(token)
  const secrets = (body as Record<string, unknown>).secrets
  const walk = (value: unknown, depth: number): void => {
    if (depth > 64) return
    if (typeof value === 'string') {
      if (value.length >= MIN_LENGTH) found.add(value)
    } else if (typeof value === 'number' && String(value).length >= MIN_LENGTH) {
      found.add(String(value))
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, depth + 1)
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) walk(item, depth + 1)
    }
  }
  walk(secrets, 0)
  // Longest first, so a value containing another is masked whole.
  return [...found].sort((a, b) => b.length - a.length)
}

export function redact(text: string, sensitive: readonly string[]): string {
  let out = text
  for (const s of sensitive) {
    if (out.includes(s)) out = out.split(s).join(MASK)
  }
  return out
}

/** A copy of a JSON value with every string redacted (keys too: a value may be a key). */
export function redactDeep(value: unknown, sensitive: readonly string[], depth = 0): unknown {
  if (depth > 64) return MASK
  if (typeof value === 'string') return redact(value, sensitive)
  if (typeof value === 'number') return sensitive.includes(String(value)) ? MASK : value
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, sensitive, depth + 1))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, redact(k, sensitive), {
        value: redactDeep(v, sensitive, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true
      })
    }
    return out
  }
  return value
}
