// Validation: the generated schema validator (every violation, allErrors) plus the checks a
// JSON Schema cannot express well. Messages say what is allowed and never quote anything
// under `secrets`.
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
import type { GlobalSecretDefinition } from './secret-definition.js'
import type { Diagnostic, DocumentPath, ParsedDocument, Severity } from './types.js'

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

export interface ValidationResult {
  /** Set only when there is no error (warnings allowed): a copy safe to send. */
  definition?: GlobalSecretDefinition
  diagnostics: Diagnostic[]
}

export function validateDefinition(doc: ParsedDocument): ValidationResult {
  const report = new Reporter(doc)
  const value = doc.value

  checkForbiddenKeys(value, report)
  validateWithSchema(value, report)
  if (isPlainObject(value)) checkBeyondSchema(value, report)

  const diagnostics = report.diagnostics
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics }
  return { definition: safeClone(value) as GlobalSecretDefinition, diagnostics }
}

/**
 * Checks across definitions: two names deriving the same secret id would make the second
 * request fail with 409 Conflict, so the second one is an error naming both places.
 */
export function validateBatch(
  defs: { definition: GlobalSecretDefinition; doc: ParsedDocument }[],
  teamId?: string
): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const seen = new Map<string, { definition: GlobalSecretDefinition; doc: ParsedDocument }>()
  const scope = teamId ? ` in team "${teamId}"` : ''
  for (const entry of defs) {
    if (typeof entry.definition.name !== 'string') continue
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

  constructor(private readonly doc: ParsedDocument) {}

  add(severity: Severity, path: DocumentPath, which: 'key' | 'value', message: string): void {
    const dotted = formatPath(path)
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

function validateWithSchema(value: unknown, report: Reporter): void {
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
    const message = describeError(error, path, valueAt(checked, path))
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

function describeError(error: ValidationError, path: DocumentPath, value: unknown): string {
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
      const shown = typeof value === 'string' && !underSecrets ? ` (found ${quote(value)})` : ''
      const guess = typeof value === 'string' ? suggest(value, allowed.map(String)) : undefined
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
      if (typeof value === 'string' && !underSecrets) return describePattern(path, value)
      return `${subject} has a value that is not allowed`
    default:
      return `${subject} ${error.message ?? 'is invalid'}`
  }
}

function describePattern(path: DocumentPath, value: string): string {
  const subject = formatPath(path)
  const shown = quote(value)
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
        `description contains ${quote(bad ?? '?')}, which is not allowed; ` +
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

/** Unknown fields (warned, still sent), the legacy vcsLinkId, self-hosted consistency. */
function checkBeyondSchema(root: PlainObject, report: Reporter): void {
  const unknownKeys = (obj: PlainObject, path: DocumentPath, known: readonly string[]) => {
    for (const key of Object.keys(obj)) {
      if (known.includes(key) || FORBIDDEN_KEYS.has(key)) continue
      const guess = suggest(key, known)
      const where = path.length === 0 ? '' : ` in ${formatPath(path)}`
      report.add(
        'warning',
        [...path, key],
        'key',
        `unknown field ${quote(key)}${where}${guess ? ` (did you mean "${guess}"?)` : ''}; ` +
          `it is sent to the API as written (known fields: ${known.join(', ')})`
      )
    }
  }
  unknownKeys(root, [], KNOWN_KEYS.root)
  const secrets = hasOwn(root, 'secrets') ? root.secrets : undefined
  if (isPlainObject(secrets)) unknownKeys(secrets, ['secrets'], KNOWN_KEYS.secrets)
  const gitops = hasOwn(root, 'gitops') ? root.gitops : undefined
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
