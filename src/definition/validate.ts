// Validation: the generated schema validator (every violation, allErrors) plus the checks a
// JSON Schema cannot express well. Messages say what is allowed and never quote anything
// under `secrets`, except the fix for a scalar that would not be sent as written in a `config`
// definition (settings, not secrets; see checkChangedScalars), nor any value decrypted from a
// SOPS file (a secret wherever it is, and registered as one: a quoted prefix would escape the
// runner's mask).
import validateSchema, { type ValidationError } from './generated/validate-definition.js'
import { deriveSecretId } from './identifier.js'
import {
  FORBIDDEN_KEYS,
  defineKey,
  formatPath,
  hasOwn,
  isPlainObject,
  quote,
  safeClone,
  suggest,
  type PlainObject
} from './internal.js'
import type { GlobalSecretDefinition, SecretType } from './secret-definition.js'
import type { ChangedScalar, Diagnostic, DocumentPath, ParsedDocument, Severity } from './types.js'
import { isDecryptedSecret, isUnchecked } from './sops/state.js'
import { withoutUserinfo } from '../northflank/redact.js'

// Mirrors of schema.json (a test keeps them equal), for messages and the extra checks.
export const SECRET_TYPES = ['secret', 'config'] as const
export const VCS_SERVICES = ['bitbucket', 'gitlab', 'github', 'self-hosted', 'azure'] as const
export const KNOWN_KEYS = {
  root: ['name', 'description', 'type', 'secrets', 'gitops'],
  secrets: ['values', 'files'],
  gitops: [
    'vcsService',
    'selfHostedVcsId',
    'accountLogin',
    'vcsLinkId',
    'repoUrl',
    'branch',
    'filePath'
  ]
} as const
/** schema.json's maxLength of gitops.repoUrl (see there for why it exists). */
export const REPO_URL_MAX_LENGTH = 2048

const DESCRIPTION_ALLOWED = /[a-zA-Z0-9.,?\s\\/'"()[\];`%^&*\-_:!]/u
const DESCRIPTION_CHARS =
  'letters, digits, whitespace and . , ? \\ / \' " ( ) [ ] ; ` % ^ & * - _ : !'
const NAME_RULE =
  'a name is letters and digits (A-Z, a-z, 0-9) in groups separated by single spaces or ' +
  'hyphens, 3–100 characters, e.g. "My Secret"'

const REQUIRED_HINTS: Record<string, string> = {
  name: 'the secret name, e.g. "My Secret"',
  type: '"secret" or "config"',
  vcsService: VCS_SERVICES.map((s) => `"${s}"`).join(', '),
  repoUrl: 'e.g. https://github.com/owner/repo',
  branch: 'e.g. main',
  filePath: 'e.g. /secrets/app.json'
}

export interface ValidateOptions {
  /**
   * The `allow-unknown-fields` input: fields Northflank's API does not define are warnings
   * (and are sent as written) instead of errors.
   */
  allowUnknownFields?: boolean
}

export interface ValidationResult {
  /** Set only when there is no error (warnings allowed): a copy safe to send. */
  definition?: GlobalSecretDefinition
  /** The name whenever it is valid itself, even when other fields are not (for reports). */
  name?: string
  /** The type whenever it is valid itself. */
  type?: SecretType
  diagnostics: Diagnostic[]
}

export function validateDefinition(
  doc: ParsedDocument,
  options: ValidateOptions = {}
): ValidationResult {
  const report = new Reporter(doc)
  const value = doc.value

  checkForbiddenKeys(value, report)
  validateWithSchema(value, report, (path) => path[0] === 'secrets' || isDecryptedSecret(doc, path))
  if (isPlainObject(value)) checkBeyondSchema(value, report, options)
  checkChangedScalars(doc, report)

  const diagnostics = report.diagnostics
  // Reports name a definition whenever its name is valid, even when another field is not.
  const field = (key: string): unknown =>
    isPlainObject(value) &&
    hasOwn(value, key) &&
    !report.hasError([key]) &&
    !isUnchecked(doc, [key]) // still encrypted: not a name anyone can read
      ? value[key]
      : undefined
  const name = field('name')
  const type = field('type')
  const fields = {
    ...(typeof name === 'string' ? { name } : {}),
    ...(isSecretType(type) ? { type } : {})
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { ...fields, diagnostics }
  return { definition: safeClone(value) as GlobalSecretDefinition, ...fields, diagnostics }
}

function isSecretType(v: unknown): v is SecretType {
  return (SECRET_TYPES as readonly unknown[]).includes(v)
}

/**
 * Checks across definitions: two names deriving the same secret id would make the second
 * request fail with 409 Conflict, so the second one is an error naming both places (and is
 * passed to `onRefused`).
 */
export function validateBatch(
  defs: { definition: GlobalSecretDefinition; doc: ParsedDocument }[],
  teamId?: string,
  onRefused?: (doc: ParsedDocument) => void
): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const seen = new Map<string, { definition: GlobalSecretDefinition; doc: ParsedDocument }>()
  const scope = teamId ? ` in team "${teamId}"` : ''
  for (const entry of defs) {
    if (typeof entry.definition.name !== 'string' || isUnchecked(entry.doc, ['name'])) continue
    const id = deriveSecretId(entry.definition.name)
    const first = seen.get(id)
    if (first === undefined) {
      seen.set(id, entry)
      continue
    }
    const report = new Reporter(entry.doc)
    report.add(
      'error',
      ['name'],
      'value',
      `name ${quote(entry.definition.name, 100)} at ${place(entry.doc)} derives the secret id ` +
        `"${id}"${scope}, which name ${quote(first.definition.name, 100)} at ${place(first.doc)} ` +
        'already derives; Northflank would refuse the second with 409 Conflict. Rename one of them.'
    )
    diagnostics.push(...report.diagnostics)
    onRefused?.(entry.doc)
  }
  return diagnostics
}

/** `secrets/a.yaml:3`, `input "definition", line 2`, or `input "name"` for an override. */
function place(doc: ParsedDocument): string {
  const override = findOverride(doc, ['name'])
  if (override !== undefined) return `input "${override}"`
  const line = doc.locate(['name'])?.line
  if (doc.source.file === undefined) {
    return line === undefined ? doc.source.label : `${doc.source.label}, line ${line}`
  }
  return line === undefined ? doc.source.label : `${doc.source.file}:${line}`
}

function findOverride(doc: ParsedDocument, path: DocumentPath): string | undefined {
  for (const o of doc.overrides ?? []) {
    if (o.path.length <= path.length && o.path.every((part, i) => part === path[i])) return o.input
  }
  return undefined
}

class Reporter {
  readonly diagnostics: Diagnostic[] = []
  private readonly errorPaths = new Set<string>()

  constructor(private readonly doc: ParsedDocument) {}

  /** Whether an error was reported at exactly this path. */
  hasError(path: DocumentPath): boolean {
    return this.errorPaths.size > 0 && this.errorPaths.has(formatPath(path))
  }

  add(severity: Severity, path: DocumentPath, which: 'key' | 'value', message: string): void {
    // A value still encrypted (a SOPS file read without a key) is not checked: its ENC[…]
    // text says nothing about the value it hides.
    if (isUnchecked(this.doc, path)) return
    const dotted = formatPath(path)
    if (severity === 'error') this.errorPaths.add(dotted)
    const input = findOverride(this.doc, path)
    if (input !== undefined) {
      // The value came from a workflow input: no file position would be right for it.
      this.diagnostics.push({ severity, message: `Input "${input}": ${message}`, path: dotted })
      return
    }
    const position = this.doc.locate(path, which)
    this.diagnostics.push({
      severity,
      message,
      path: dotted,
      ...(this.doc.source.file === undefined ? {} : { file: this.doc.source.file }),
      ...(position === undefined ? {} : { line: position.line, column: position.column })
    })
  }
}

/** `__proto__`, `constructor`, `prototype` anywhere are errors (and never pass silently). */
function checkForbiddenKeys(root: unknown, report: Reporter): void {
  const stack: { value: unknown; path: DocumentPath }[] = [{ value: root, path: [] }]
  let budget = 1_000_000
  while (stack.length > 0 && budget-- > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: DocumentPath }
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }))
    } else if (isPlainObject(value)) {
      for (const key of Object.keys(value).reverse()) {
        const child = [...path, key]
        if (FORBIDDEN_KEYS.has(key)) {
          report.add(
            'error',
            child,
            'key',
            `key "${key}"${path.length > 0 ? ` in ${formatPath(path)}` : ''} is not allowed: ` +
              'keys named __proto__, constructor or prototype are refused because they can ' +
              'alter JavaScript objects'
          )
        }
        stack.push({ value: value[key], path: child })
      }
    }
  }
}

/** Whether a message may not show the value at a path (it is, or may be, a secret). */
type Hidden = (path: DocumentPath) => boolean

function validateWithSchema(value: unknown, report: Reporter, hidden: Hidden): void {
  let checked = value
  // gitops.repoUrl's pattern backtracks quadratically: a huge string is reported here and
  // replaced, for the schema run only, by a short valid one so the pattern never sees it.
  const gitops = isPlainObject(value) && hasOwn(value, 'gitops') ? value.gitops : undefined
  if (isPlainObject(gitops) && typeof gitops.repoUrl === 'string') {
    const length = [...gitops.repoUrl].length
    if (length > REPO_URL_MAX_LENGTH) {
      report.add(
        'error',
        ['gitops', 'repoUrl'],
        'value',
        `gitops.repoUrl is ${length} characters long; at most ${REPO_URL_MAX_LENGTH} are accepted`
      )
      const copy = shallow(gitops)
      defineKey(copy, 'repoUrl', 'https://example.com/owner/repo')
      checked = shallow(value as PlainObject)
      defineKey(checked as PlainObject, 'gitops', copy)
    }
  }
  if (validateSchema(checked)) return
  for (const error of validateSchema.errors ?? []) {
    const path = pointerToPath(error.instancePath, checked)
    const message = describeError(error, path, valueAt(checked, path), hidden(path))
    if (error.keyword === 'required') report.add('error', path, 'key', message)
    else report.add('error', path, 'value', message)
  }
}

function shallow(obj: PlainObject): PlainObject {
  const copy: PlainObject = {}
  for (const key of Object.keys(obj)) defineKey(copy, key, obj[key])
  return copy
}

/** JSON Pointer → path; segments under arrays become numbers, as the position map stores. */
function pointerToPath(pointer: string, root: unknown): DocumentPath {
  if (pointer === '') return []
  const path: (string | number)[] = []
  let current = root
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(current)) {
      path.push(Number(part))
      current = current[Number(part)]
    } else {
      path.push(part)
      current = isPlainObject(current) && hasOwn(current, part) ? current[part] : undefined
    }
  }
  return path
}

function valueAt(root: unknown, path: DocumentPath): unknown {
  let current = root
  for (const part of path) {
    if (Array.isArray(current) && typeof part === 'number') current = current[part]
    else if (isPlainObject(current) && typeof part === 'string' && hasOwn(current, part)) {
      current = current[part]
    } else return undefined
  }
  return current
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return 'a number'
  if (typeof value === 'boolean') return 'a boolean'
  return typeof value
}

/** What stands in a message for a value it may not show: a value decrypted from a SOPS file. */
const NOT_SHOWN = ' (its decrypted value is not shown)'

function describeError(
  error: ValidationError,
  path: DocumentPath,
  value: unknown,
  hidden: boolean
): string {
  const subject = path.length === 0 ? 'the definition' : formatPath(path)
  const field = path[path.length - 1]
  const underSecrets = path[0] === 'secrets'
  switch (error.keyword) {
    case 'required': {
      const missing = String(error.params.missingProperty)
      const hint = REQUIRED_HINTS[missing]
      const full = formatPath([...path, missing])
      return `${subject} is missing the required field "${full}"${hint ? ` (${hint})` : ''}`
    }
    case 'type': {
      const expected =
        error.params.type === 'object' ? 'a mapping (object)' : `a ${error.params.type}`
      const hint =
        error.params.type === 'string' && (typeof value === 'number' || typeof value === 'boolean')
          ? '; put it in quotes'
          : ''
      return `${subject} must be ${expected}, not ${kindOf(value)}${hint}`
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]) ?? []
      const list = allowed.map(String).join(', ')
      const shown =
        typeof value !== 'string' || underSecrets
          ? ''
          : hidden
            ? NOT_SHOWN
            : ` (found ${quote(withoutUserinfo(value))})`
      const guess =
        typeof value === 'string' && !hidden ? suggest(value, allowed.map(String)) : undefined
      return `${subject} must be one of: ${list}${shown}${guess ? `; did you mean "${guess}"?` : ''}`
    }
    case 'minLength':
    case 'maxLength': {
      const length = typeof value === 'string' ? [...value].length : 0
      const long = `${length} character${length === 1 ? '' : 's'} long`
      if (field === 'name') return `name is ${long}; ${NAME_RULE}`
      if (field === 'description') return `description is ${long}; the limit is 200`
      return `${subject} is ${long}; it ${error.message ?? 'has the wrong length'}`
    }
    case 'pattern':
      if (typeof value === 'string' && !underSecrets) return describePattern(path, value, hidden)
      return `${subject} has a value that is not allowed`
    default:
      return `${subject} ${error.message ?? 'is invalid'}`
  }
}

function describePattern(path: DocumentPath, value: string, hidden: boolean): string {
  const subject = formatPath(path)
  // A URL's user and password are a credential (`https://x-access-token:…@github.com/…`).
  // A decrypted value is not quoted at all: even a shortened quote is a prefix of a secret.
  const shown = hidden ? NOT_SHOWN.trim() : quote(withoutUserinfo(value))
  switch (path.join('.')) {
    case 'name': {
      const bad = /[^a-zA-Z0-9\s-]/u.exec(value)?.[0]
      const problem =
        bad !== undefined
          ? `contains ${quote(bad)}`
          : /^[\s-]/u.test(value)
            ? 'starts with a separator'
            : /[\s-]$/u.test(value)
              ? 'ends with a separator'
              : 'has two separators in a row'
      return `name ${shown} ${problem}; ${NAME_RULE}`
    }
    case 'description': {
      if (value === '') return 'description is empty; remove it or write some text'
      const bad = [...value].find((c) => !DESCRIPTION_ALLOWED.test(c))
      return (
        `description contains ${hidden ? `a character${NOT_SHOWN}` : quote(bad ?? '?')}, which is not allowed; ` +
        `a description may hold ${DESCRIPTION_CHARS}`
      )
    }
    case 'gitops.selfHostedVcsId':
      return `${subject} ${shown} is not a valid id: use letters, digits and hyphens only`
    case 'gitops.repoUrl': {
      const hint = value.startsWith('http://')
        ? ' Use https:// (or leave the scheme out).'
        : value.endsWith('/')
          ? ' Remove the trailing "/".'
          : ''
      return (
        `${subject} ${shown} is not a repository URL Northflank accepts: write it as ` +
        'https://host.tld/owner/repo (https:// optional; host labels and path segments of ' +
        `at least 2 letters, digits, "-", "." or "_").${hint}`
      )
    }
    case 'gitops.filePath':
      return (
        `${subject} ${shown} is not a file path Northflank accepts: it starts with "/" and ` +
        'names a file, e.g. /secrets/app.json (segments of letters, digits, "-", "." and "_"; ' +
        'no empty segment, no trailing "/")'
      )
    default:
      return `${subject} ${shown} does not have the required format`
  }
}

/** Where each known field belongs: the top level (`''`), `secrets` or `gitops`. */
const LEVELS: readonly (readonly [string, readonly string[]])[] = [
  ['', KNOWN_KEYS.root],
  ['secrets', KNOWN_KEYS.secrets],
  ['gitops', KNOWN_KEYS.gitops]
]

/**
 * A did-you-mean for an unknown key: a close known key of the same level, else the same key
 * where it belongs (`values` at the top level → `secrets.values`).
 */
function guessField(key: string, level: string): string | undefined {
  const known = LEVELS.find(([name]) => name === level)?.[1] ?? []
  const near = suggest(key, known)
  if (near !== undefined) return `"${near}"`
  for (const [name, fields] of LEVELS) {
    if (name === level) continue
    const match = fields.find((f) => f.toLowerCase() === key.toLowerCase())
    if (match !== undefined)
      return name === '' ? `"${match}" at the top level` : `"${name}.${match}"`
  }
  return undefined
}

/**
 * Unknown fields (errors, or warnings with allow-unknown-fields), `secrets` without `values`,
 * GitOps on a `secret`, the legacy vcsLinkId, self-hosted consistency.
 */
function checkBeyondSchema(root: PlainObject, report: Reporter, options: ValidateOptions): void {
  const unknownKeys = (obj: PlainObject, path: DocumentPath, known: readonly string[]) => {
    for (const key of Object.keys(obj)) {
      if (known.includes(key) || FORBIDDEN_KEYS.has(key)) continue
      const guess = guessField(key, path.join('.'))
      const where = path.length === 0 ? '' : ` in ${formatPath(path)}`
      const field = `unknown field ${quote(key)}${where}${guess ? ` (did you mean ${guess}?)` : ''}`
      const list = `known fields: ${known.join(', ')}`
      if (options.allowUnknownFields) {
        report.add(
          'warning',
          [...path, key],
          'key',
          `${field}; it is sent to the API as written because allow-unknown-fields is true (${list})`
        )
      } else {
        report.add(
          'error',
          [...path, key],
          'key',
          `${field}; Northflank's API does not define it (${list}). Rename or remove it, or ` +
            'set allow-unknown-fields: true to send it as written'
        )
      }
    }
  }
  unknownKeys(root, [], KNOWN_KEYS.root)
  const secrets = hasOwn(root, 'secrets') ? root.secrets : undefined
  if (isPlainObject(secrets)) {
    unknownKeys(secrets, ['secrets'], KNOWN_KEYS.secrets)
    if (!hasOwn(secrets, 'values')) {
      report.add(
        'warning',
        ['secrets'],
        'key',
        'secrets has no "values"; Northflank\'s own client requires values whenever secrets is ' +
          'set: add values: {} if there are none'
      )
    }
  }
  const gitops = hasOwn(root, 'gitops') ? root.gitops : undefined
  if (gitops !== undefined && root.type === 'secret') {
    report.add(
      'warning',
      ['gitops'],
      'key',
      'gitops is set on a definition of type "secret", but Northflank\'s "Manage global ' +
        'secrets" page says GitOps is supported for config only (global secrets of type ' +
        '"config"); Northflank may refuse or ignore it. Use type: config, or remove gitops'
    )
  }
  if (!isPlainObject(gitops)) return
  unknownKeys(gitops, ['gitops'], KNOWN_KEYS.gitops)
  if (hasOwn(gitops, 'vcsLinkId')) {
    report.add(
      'warning',
      ['gitops', 'vcsLinkId'],
      'key',
      'gitops.vcsLinkId is a legacy field; use gitops.accountLogin (the login of your linked ' +
        'VCS account) instead'
    )
  }
  const selfHosted = gitops.vcsService === 'self-hosted'
  if (selfHosted && !hasOwn(gitops, 'selfHostedVcsId')) {
    report.add(
      'warning',
      ['gitops', 'vcsService'],
      'value',
      'gitops.vcsService is "self-hosted" but gitops.selfHostedVcsId is not set; Northflank ' +
        'needs it to know which self-hosted VCS to use'
    )
  } else if (!selfHosted && hasOwn(gitops, 'selfHostedVcsId')) {
    report.add(
      'warning',
      ['gitops', 'selfHostedVcsId'],
      'key',
      'gitops.selfHostedVcsId only applies when gitops.vcsService is "self-hosted"'
    )
  }
}

/** Most values that would not be sent as written reported one by one, per definition. */
const MAX_CHANGED_REPORTED = 50

/**
 * Scalars that would be sent as something other than what the file says (`PIN: 0123` is sent
 * as `123`): errors where they are, with the fix. A value replaced by an input, or one that is
 * already an error (a number where a string is required), is not reported again.
 */
function checkChangedScalars(doc: ParsedDocument, report: Reporter): void {
  const root = doc.value
  // Values of a `config` definition are settings, not secrets: the fix may show them, unless
  // they were decrypted from a SOPS file.
  const showValues = isPlainObject(root) && root.type === 'config'
  const found = (doc.changedScalars ?? []).filter(
    (changed) =>
      findOverride(doc, changed.path) === undefined &&
      Object.is(valueAt(root, changed.path), changed.value) &&
      !report.hasError(changed.path)
  )
  for (const changed of found.slice(0, MAX_CHANGED_REPORTED)) {
    const show = showValues && !isDecryptedSecret(doc, changed.path)
    report.add('error', changed.path, 'value', describeChangedScalar(changed, show))
  }
  const more = found[MAX_CHANGED_REPORTED]
  if (more !== undefined) {
    // A generated file can hold thousands; the first ones show what to do with all of them.
    report.add(
      'error',
      more.path,
      'value',
      `${found.length - MAX_CHANGED_REPORTED} more values of this definition would not be sent ` +
        `as written (only the first ${MAX_CHANGED_REPORTED} are reported); quote each as the ` +
        'file writes it'
    )
  }
}

/** How a number, boolean or null written as `text` changes when it is sent, and the fix. */
function describeChangedScalar(changed: ChangedScalar, showValue: boolean): string {
  const { path, text, value, syntax } = changed
  const subject = formatPath(path)
  const sent = JSON.stringify(value)
  const entry = (written: string): string => fixEntry(path[path.length - 1], written, syntax)
  // The spellings of null and booleans are not secret: they are shown whatever the type.
  if (value === null) {
    if (text === '') {
      return (
        `${subject} has no value, which YAML reads as null; write ${entry('""')} for an empty ` +
        `value, or ${entry('null')} to send null`
      )
    }
    return (
      `${subject} is written ${quote(text)}, which YAML reads as null; write ` +
      `${entry('null')} to send null, or ${entry(JSON.stringify(text))} to send the text`
    )
  }
  if (typeof value === 'boolean') {
    return (
      `${subject} is written ${quote(text)}, which YAML reads as the boolean ${sent}; write ` +
      `${entry(sent)} to send a boolean, or ${entry(JSON.stringify(text))} to send the text`
    )
  }
  const radix = /^[-+]?0[xXoO]/.test(text)
  const exact = Number.isFinite(value) && sameDecimal(text, sent)
  // Whether writing the number as it is sent keeps the value the author wrote.
  const keepsValue = radix ? Number.isSafeInteger(value) : exact
  const problem = !Number.isFinite(value)
    ? 'is a number JSON cannot hold (too large, infinite or not a number), so it would be sent as null'
    : radix
      ? 'is read as a hexadecimal or octal number, so it would be sent in decimal'
      : /^[-+]?0\d/.test(text)
        ? 'has a leading zero, which a number drops'
        : value === 0 && !exact
          ? // 1E-400: not a rounding of its last digits, the whole value is lost.
            'is too small for a number to hold (it underflows to 0), so it would be sent as 0'
          : !exact
            ? 'has more digits than a number keeps exactly (integers beyond 2^53 = ' +
              '9007199254740992 lose their last digits), so it would be sent rounded'
            : 'is a number, which is sent in its shortest form (no "+", trailing zeros, exponent ' +
              'or sign of -0)'
  if (!showValue) {
    return (
      `${subject} ${problem}; put the value in quotes, exactly as the file writes it: ` +
      `${entry('"…"')} (values are shown only for definitions of type "config")`
    )
  }
  const alternative = keepsValue ? `, or ${entry(sent)} to send the number` : ''
  return (
    `${subject} ${problem} (${text} would be sent as ${sent}); put it in quotes to send it as ` +
    `written: ${entry(JSON.stringify(text))}${alternative}`
  )
}

/** `PIN: "0123"` (YAML), `"PIN": "0123"` (JSON), or a list item. */
function fixEntry(
  key: string | number | undefined,
  value: string,
  syntax: 'json' | 'yaml'
): string {
  if (typeof key !== 'string') return syntax === 'yaml' ? `- ${value}` : value
  const shown = syntax === 'yaml' && /^[A-Za-z_][\w.-]*$/.test(key) ? key : JSON.stringify(key)
  return `${shown}: ${value}`
}

/**
 * Whether two decimal numerals have the same value (`1.50` and `1.5`, `1e3` and `1000`, `-0`
 * and `0`), compared as digits, never through floating point.
 */
function sameDecimal(a: string, b: string): boolean {
  const canonical = (numeral: string): string | undefined => {
    const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(numeral)
    if (m === null) return undefined
    const [, sign = '', whole = '', fraction = '', exponent = '0'] = m
    let digits = `${whole}${fraction}`.replace(/^0+/, '')
    if (digits === '') return '0'
    let shift = BigInt(exponent) - BigInt(fraction.length)
    const trimmed = digits.replace(/0+$/, '')
    shift += BigInt(digits.length - trimmed.length)
    digits = trimmed
    return `${sign === '-' ? '-' : ''}${digits}e${shift}`
  }
  const x = canonical(a)
  return x !== undefined && x === canonical(b)
}
