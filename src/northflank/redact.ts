// Text that came from the server (error messages, details, body snippets) can
// echo what was sent; it passes through here before it reaches a message. The
// report stage uses the same forms to keep registered secrets out of what it writes.

const MASK = '***'

// Shorter values are not credible secrets, and masking them would garble
// messages (a value `1` would mask every digit 1 of an error id).
const MIN_LENGTH = 3

/**
 * The forms in which a value can come back inside other text: the value, each line of a
 * multi-line value, its JSON-escaped form (`caf\u00e9`, `a\"b`, `l1\r\nl2`), its URI-escaped
 * form and its base64 form (also from the 2nd and 3rd byte, as a value inside a longer base64
 * text such as `user:password` is encoded; the runner registers the same three).
 */
export function echoForms(value: string, minLength = MIN_LENGTH): string[] {
  const forms = new Set<string>()
  const add = (form: string): void => {
    if (form.length >= minLength) forms.add(form)
  }
  add(value)
  if (/[\r\n]/.test(value)) {
    for (const line of value.split(/\r\n|\r|\n/)) add(line.trim())
  }
  const json = JSON.stringify(value).slice(1, -1)
  add(json)
  // Some serializers escape every non-ASCII character (`\u00e9`), some also `/` and `<`.
  add(
    json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  )
  add(json.replace(/\//g, '\\/'))
  try {
    add(encodeURIComponent(value))
  } catch {
    // A lone surrogate cannot be URI-encoded; nothing can echo that form.
  }
  const bytes = Buffer.from(value, 'utf8')
  for (const shift of [0, 1, 2]) {
    if (shift > 0 && bytes.length <= shift + 3) break
    const base64 = bytes.subarray(shift).toString('base64')
    // Inside a longer encoded text the last group depends on what follows: match without it.
    const stable = base64.replace(/=+$/, '').slice(0, Math.floor((bytes.length - shift) / 3) * 4)
    add(base64)
    if (stable.length >= 8) add(stable)
  }
  return [...forms]
}

/** The token and every string or number leaf under `body.secrets` (3 characters or more), in every echo form. */
export function sensitiveStrings(token: string, body: object): string[] {
  const found = new Set<string>()
  const addValue = (value: string): void => {
    for (const form of echoForms(value)) found.add(form)
  }
  if (token !== '') addValue(token)
  const secrets = (body as Record<string, unknown>).secrets
  const walk = (value: unknown, depth: number): void => {
    if (depth > 64) return
    if (typeof value === 'string') {
      addValue(value)
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

// scheme://user:password@host: the userinfo is a credential whatever it holds.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi

/** Text without the userinfo of any URL it quotes (`https://x-access-token:…@github.com/o/r`). */
export function withoutUserinfo(text: string): string {
  return text.replace(URL_USERINFO, '$1')
}

export function redact(text: string, sensitive: readonly string[]): string {
  let out = withoutUserinfo(text)
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
