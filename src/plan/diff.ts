// Which paths of a global secret differ between the body a run would send and
// the secret Northflank holds. Pure. Compared are only the fields a definition
// can set (name, description, type, secrets.values, secrets.files, gitops);
// createdAt, updatedAt and whatever else Northflank adds are ignored. A PUT
// replaces the secret with the body, so a stored key the body lacks is removed.

/** One changed path: `+` added, `-` removed, `~` changed, `?` not comparable. */
export interface Change {
  kind: '+' | '-' | '~' | '?'
  path: string
}

/** `~ description`, `+ secrets.values.SMTP_HOST`, `? secrets.values.JWT_SECRET`. */
export function formatChange(change: Change): string {
  return `${change.kind} ${change.path}`
}

/** A change that a PUT would make (a `?` alone never is one). */
export function isWrite(change: Change): boolean {
  return change.kind !== '?'
}

// The create body's fields (Northflank's own client types list exactly these).
const TOP_FIELDS = ['name', 'type', 'description'] as const
const SECRET_SECTIONS = ['values', 'files'] as const
const GITOPS_FIELDS = [
  'vcsService',
  'selfHostedVcsId',
  'accountLogin',
  'vcsLinkId',
  'repoUrl',
  'branch',
  'filePath'
] as const
const KNOWN_TOP = new Set<string>([...TOP_FIELDS, 'secrets', 'gitops'])

type Json = Record<string, unknown>

/**
 * The changes from `stored` (the API's `data`, or `{}` for a secret that does
 * not exist) to `desired` (the body that would be sent), in a stable order:
 * name, type, description, each key of secrets.values and secrets.files, each
 * gitops field, then any other field the body carries.
 */
export function diffSecret(desired: object, stored: unknown): Change[] {
  const want = desired as Json
  const have = isObject(stored) ? stored : {}
  const changes: Change[] = []

  for (const field of TOP_FIELDS) compareValue(changes, field, want[field], have[field])

  const wantSecrets = isObject(want.secrets) ? want.secrets : {}
  const haveSecrets = isObject(have.secrets) ? have.secrets : {}
  for (const section of SECRET_SECTIONS) {
    const prefix = `secrets.${section}`
    compareKeys(
      changes,
      prefix,
      objectOrEmpty(wantSecrets[section]),
      objectOrEmpty(haveSecrets[section])
    )
  }
  compareExtras(changes, 'secrets', wantSecrets, haveSecrets, new Set(SECRET_SECTIONS))

  const wantGitops = isObject(want.gitops) ? want.gitops : {}
  const haveGitops = isObject(have.gitops) ? have.gitops : {}
  for (const field of GITOPS_FIELDS) {
    compareValue(changes, `gitops.${field}`, wantGitops[field], haveGitops[field])
  }
  compareExtras(changes, 'gitops', wantGitops, haveGitops, new Set(GITOPS_FIELDS))

  compareExtras(changes, '', want, have, KNOWN_TOP)
  return changes
}

/**
 * Every key of both objects (the keys of secrets.values or secrets.files):
 * added, removed, changed or not comparable. A key is there or not; an empty
 * value is a value.
 */
function compareKeys(changes: Change[], prefix: string, want: Json, have: Json): void {
  for (const key of Object.keys(want)) {
    const path = join(prefix, key)
    if (!hasOwn(have, key)) changes.push({ kind: '+', path })
    else pushVerdict(changes, path, compare(want[key], have[key]))
  }
  for (const key of Object.keys(have)) {
    if (!hasOwn(want, key)) changes.push({ kind: '-', path: join(prefix, key) })
  }
}

function pushVerdict(changes: Change[], path: string, verdict: Verdict): void {
  if (verdict === 'different') changes.push({ kind: '~', path })
  else if (verdict === 'expression') changes.push({ kind: '?', path })
}

function hasOwn(object: Json, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key)
}

/**
 * Fields outside the known set: compared when the stored secret has them too;
 * a field only the body has cannot be compared (Northflank does not return
 * what it does not keep), and a field only the stored secret has is not one a
 * definition sets.
 */
function compareExtras(
  changes: Change[],
  prefix: string,
  want: Json,
  have: Json,
  known: ReadonlySet<string>
): void {
  for (const key of Object.keys(want)) {
    if (known.has(key)) continue
    const path = join(prefix, key)
    if (hasOwn(have, key)) compareValue(changes, path, want[key], have[key])
    else changes.push({ kind: '?', path })
  }
}

function compareValue(changes: Change[], path: string, want: unknown, have: unknown): void {
  const wantSet = !isEmpty(want)
  const haveSet = !isEmpty(have)
  if (!wantSet && !haveSet) return
  if (!haveSet) {
    changes.push({ kind: '+', path })
    return
  }
  if (!wantSet) {
    changes.push({ kind: '-', path })
    return
  }
  pushVerdict(changes, path, compare(want, have))
}

type Verdict = 'same' | 'expression' | 'different'

/**
 * Deep JSON comparison (key order does not matter, array order does). A desired
 * string holding `${` may have been stored evaluated (`${fn.randomSecret(32)}`),
 * so any stored value in its place is `expression`, not `different`.
 */
export function compare(want: unknown, have: unknown, depth = 0): Verdict {
  if (want === have) return 'same'
  if (depth > 64) return 'different'
  if (typeof want === 'string' && want.includes('${'))
    return have === undefined ? 'different' : 'expression'
  if (Array.isArray(want) || Array.isArray(have)) {
    if (!Array.isArray(want) || !Array.isArray(have) || want.length !== have.length) {
      return 'different'
    }
    return combine(want.map((item, i) => compare(item, have[i], depth + 1)))
  }
  if (isObject(want) && isObject(have)) {
    const wantKeys = Object.keys(want)
    const haveKeys = Object.keys(have)
    if (wantKeys.length !== haveKeys.length) return 'different'
    if (!wantKeys.every((k) => hasOwn(have, k))) return 'different'
    return combine(wantKeys.map((k) => compare(want[k], have[k], depth + 1)))
  }
  return 'different'
}

function combine(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('different')) return 'different'
  return verdicts.includes('expression') ? 'expression' : 'same'
}

/**
 * A field (description, a gitops field, a section) that is absent, null, an
 * empty string or an empty object is not set: Northflank may return either.
 */
function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (isObject(value) && Object.keys(value).length === 0)
  )
}

function objectOrEmpty(value: unknown): Json {
  return isObject(value) ? value : {}
}

// Keys with other characters than these are quoted, so a key holding a dot
// cannot be mistaken for a nested path.
const PLAIN_KEY = /^[A-Za-z0-9_-]+$/

function join(prefix: string, key: string): string {
  if (prefix === '') return PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`
  return PLAIN_KEY.test(key) ? `${prefix}.${key}` : `${prefix}[${JSON.stringify(key)}]`
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
