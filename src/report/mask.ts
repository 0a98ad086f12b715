// The masking policy: which values are registered with the runner's masking, and the
// redaction of what the action writes itself. README "Permissions and security" gives the
// reasons. The runner replaces every occurrence of every registered string with `***` in the
// log, the annotations and the job summary, with no minimum length, and a job output that
// contains one is dropped. So a secret is registered only where its mask cannot hide the run's
// public text; where it could, a warning says so (naming the key and file, never the value).
//
// Module state on purpose: the runner's masks are state of the whole step, too.
import * as core from '@actions/core'
import { echoForms, redact, redactDeep, withoutUserinfo } from '../northflank/redact.js'
import { annotate } from './annotations.js'
import { deriveSecretId } from '../definition/identifier.js'
import type { ParsedDocument } from '../definition/types.js'
import { decryptedLeaves } from '../definition/sops/state.js'
import { diffSecret } from '../plan/diff.js'
import { runnerForms } from './runner-forms.js'

const REDACTED = '***'

/** Shorter values are not masked: `ab` would hide those letters in every word of the log. */
export const MIN_MASK_LENGTH = 4
/** A number shorter than this would hide itself in timings, counts, line numbers and links. */
export const MIN_MASK_DIGITS = 6

/** Where a secret value came from, for a warning that names it without showing it. */
export interface SecretOrigin {
  /** What holds the value, e.g. `secrets.values.DATABASE_USER` or `input "api-token"`. */
  key: string
  /** The definition's name or label, when the value belongs to one. */
  definition?: string
  /** Workspace-relative file (the warning is anchored to it). */
  file?: string
  line?: number
  column?: number
}

/** What became of one value: masked whole, masked line by line (some lines not), or not at all. */
export type MaskOutcome = 'masked' | 'partly-masked' | 'not-masked' | 'empty'

// Words the action itself writes into outputs, the summary and the log (outcomes, types,
// booleans, the keys of the `results` output, the fields of a change path, the summary's
// markup, headings and legend): a mask on one would drop `results` and garble every row.
// __tests__/action.masking.test.ts checks that every key of `results` and every word of the
// summary's markup a real run writes is here, so a new column or key cannot be forgotten.
const OUTCOME_WORDS = [
  'created',
  'updated',
  'unchanged',
  'exists',
  'validated',
  'failed',
  'create',
  'update',
  'conflict'
]
const DATA_WORDS = [
  'secret',
  'config',
  'true',
  'false',
  'null',
  'Northflank',
  'global secret',
  'definition',
  'name',
  'type',
  'description',
  'secrets',
  'values',
  'files',
  'data',
  'encoding',
  'gitops'
]
/** Output names (action.yml) and the keys of each `results` entry (report/outputs.ts). */
const OUTPUT_WORDS = [
  'results',
  'has-changes',
  'response',
  'outcome',
  'name',
  'id',
  'file',
  'changes'
]
/** Tags, attributes and entities of the job summary's HTML, its headings and legend. */
const SUMMARY_WORDS = [
  'table',
  'thead',
  'tbody',
  'code',
  'strong',
  'details',
  'summary',
  'href',
  'h2',
  'h3',
  'ul',
  'li',
  'br',
  'td',
  'th',
  'tr',
  'sub',
  'em',
  'p',
  'a',
  'amp',
  'quot',
  'apos',
  'Name',
  'Identifier',
  'Type',
  'Outcome',
  'Changes',
  'Source',
  'Failures',
  'Problems',
  'problem',
  'Shortened',
  'Workflow run',
  'added',
  'removed',
  'changed',
  'not read',
  'dry run',
  'plan'
]
/** Every word of the action's own output vocabulary (exported for the test that guards it). */
export const VOCABULARY: readonly string[] = [
  ...new Set([...OUTCOME_WORDS, ...DATA_WORDS, ...OUTPUT_WORDS, ...SUMMARY_WORDS])
]

const state = {
  /** Every value registered with the runner (whole values and single lines). */
  registered: new Set<string>(),
  /** Warnings given, by key, file and line of the value: a value registered twice warns once. */
  warned: new Set<string>(),
  /** The registered values and their echo forms, longest first (built on demand). */
  forms: undefined as string[] | undefined,
  /** The same forms by their first MIN_MASK_LENGTH characters, each with its rank in `forms`. */
  formsByPrefix: undefined as Map<string, { form: string; rank: number }[]> | undefined,
  /** Public text of the run, joined, and the set of its 4-character pieces (a fast pre-check). */
  publicText: '\u0000' + VOCABULARY.join('\u0000') + '\u0000',
  publicGrams: new Set<string>()
}
for (const word of VOCABULARY) addGrams(word)

function addGrams(text: string): void {
  for (let i = 0; i + MIN_MASK_LENGTH <= text.length; i++) {
    state.publicGrams.add(text.slice(i, i + MIN_MASK_LENGTH))
  }
}

/**
 * Text the run shows that no mask may hide: the repository, commit, ref and links of the run,
 * and every definition's name, identifier and file. Add it before the secrets of the run are
 * registered (a mask cannot be taken back).
 */
export function addPublicText(...texts: readonly (string | undefined)[]): void {
  const fresh = texts.filter((t): t is string => typeof t === 'string' && t !== '')
  if (fresh.length === 0) return
  state.publicText += fresh.join('\u0000') + '\u0000'
  for (const text of fresh) addGrams(text)
}

/** The run's own facts (from the runner's GITHUB_* variables) as public text. */
export function addRunFactsAsPublicText(env: NodeJS.ProcessEnv = process.env): void {
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  addPublicText(
    env.GITHUB_REPOSITORY,
    env.GITHUB_SHA,
    env.GITHUB_REF_NAME,
    env.GITHUB_REF,
    env.GITHUB_WORKFLOW,
    env.GITHUB_ACTOR,
    server,
    env.GITHUB_RUN_ID,
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined
  )
}

function inPublicText(value: string): boolean {
  for (let i = 0; i + MIN_MASK_LENGTH <= value.length; i++) {
    if (!state.publicGrams.has(value.slice(i, i + MIN_MASK_LENGTH))) return false
  }
  return state.publicText.includes(value)
}

const PUBLIC_TEXT_REASON =
  'it occurs in text the run shows (a name, identifier or file path, the repository, ' +
  'commit or a link, or a word of the action’s own outputs), which a mask would garble'

/** Why the runner must not mask `text` (a value or a form it derives), or undefined. */
function garblesBecause(text: string): string | undefined {
  if (text.length < MIN_MASK_LENGTH) {
    return (
      `it is shorter than ${MIN_MASK_LENGTH} characters, and a mask that short would hide ` +
      'those characters in every name, path and number of the log'
    )
  }
  if (/^[+-]?\d+(?:\.\d+)?$/.test(text) && text.replace(/\D/g, '').length < MIN_MASK_DIGITS) {
    return (
      `it is a number of fewer than ${MIN_MASK_DIGITS} digits, and a mask would hide that ` +
      'number in timings, counts, line numbers and links'
    )
  }
  return inPublicText(text) ? PUBLIC_TEXT_REASON : undefined
}

/**
 * Why a (single-line, trimmed) value cannot be masked, or undefined when it can. The runner
 * masks every form it derives from a registered value too (runner-forms.ts), and the action
 * cannot register the value without them: so the value is refused when any form would garble.
 * The reason names the form, never the value or any part of it.
 */
function unmaskableBecause(value: string): string | undefined {
  const own = garblesBecause(value)
  if (own !== undefined) return own
  for (const { form, what } of runnerForms(value)) {
    if (form === value) continue
    const why = garblesBecause(form)
    if (why !== undefined) {
      return (
        `the runner would also mask ${what} (not shown here), and ` +
        why.replace(/^it (is|occurs)/, 'that part $1')
      )
    }
  }
  return undefined
}

function warnNotMasked(
  origin: SecretOrigin | undefined,
  line: number | undefined,
  why: string
): void {
  const part = line === undefined ? 'The value' : `Line ${line} of the value`
  const of = origin
    ? ` of ${origin.key}${origin.definition ? ` in "${origin.definition}"` : ''}${origin.file ? ` (${origin.file})` : ''}`
    : ''
  const properties: core.AnnotationProperties = { title: 'Secret value not masked' }
  if (origin?.file) {
    properties.file = origin.file
    if (origin.line !== undefined) properties.startLine = origin.line
    if (origin.column !== undefined) properties.startColumn = origin.column
  }
  annotate(
    'warning',
    `${part}${of} is not masked in the log: ${why}. The action never prints secret values ` +
      'itself; use a longer, random value, or type: config if it is not secret.',
    properties
  )
}

/**
 * The same value of the same key can be registered twice (a decrypted value of a `type: secret`
 * definition is both a definition's and a decrypted value): one warning says it.
 */
function warnOnce(
  origin: SecretOrigin | undefined,
  line: number | undefined,
  text: string,
  why: string
): void {
  const once = [origin?.key, origin?.definition, origin?.file, line, text].join('\u0000')
  if (state.warned.has(once)) return
  state.warned.add(once)
  warnNotMasked(origin, line, why)
}

function setSecret(value: string): void {
  if (state.registered.has(value)) return
  state.registered.add(value)
  state.forms = undefined
  state.formsByPrefix = undefined
  core.setSecret(value)
}

/**
 * Registers one secret value with the runner's masking, following the policy: numbers and
 * booleans as the text the runner would see, each line of a multi-line value on its own, and
 * nothing that would garble public text (then a warning naming `origin`, never the value).
 * Returns what became of it. Everyone who holds a secret value calls this: the token, values of
 * `type: secret` definitions, `values-from-env` values, values read back from Northflank,
 * decrypted values.
 */
export function registerSecret(value: unknown, origin?: SecretOrigin): MaskOutcome {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return 'empty'
  }
  const text = String(value)
  if (text.trim() === '') return 'empty'
  // The runner splits a registered value into trimmed lines and masks each: register only
  // the lines that are safe, and the whole value when every line is.
  const lines = text.split(/\r\n|\r|\n/)
  const multiLine = lines.length > 1
  let masked = 0
  let refused = 0
  lines.forEach((raw, index) => {
    const line = raw.trim()
    if (line === '') return
    const why = unmaskableBecause(line)
    if (why !== undefined) {
      refused++
      warnOnce(origin, multiLine ? index + 1 : undefined, line, why)
      return
    }
    masked++
    setSecret(multiLine ? line : text)
  })
  if (refused === 0 && multiLine) {
    // The runner derives forms from the whole value too (its base64, the part after its last
    // &, which may span lines): registered whole only when none of them garbles.
    const why = unmaskableBecause(text)
    if (why !== undefined) {
      warnOnce(origin, undefined, text, why)
      return 'partly-masked'
    }
    setSecret(text)
  }
  if (refused === 0) return 'masked'
  return masked > 0 ? 'partly-masked' : 'not-masked'
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** One secret leaf of a definition: its dotted key and value (string, number or boolean). */
export interface SecretLeaf {
  path: (string | number)[]
  key: string
  value: string | number | boolean
}

function collectLeaves(
  value: unknown,
  path: (string | number)[],
  into: SecretLeaf[],
  skipKeys: ReadonlySet<string>,
  depth = 0
): void {
  if (depth > 64) return
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    into.push({ path, key: dotted(path), value })
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectLeaves(item, [...path, i], into, skipKeys, depth + 1))
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!skipKeys.has(key)) collectLeaves(item, [...path, key], into, skipKeys, depth + 1)
    }
  }
}

function dotted(path: readonly (string | number)[]): string {
  return path
    .map((p, i) =>
      typeof p === 'number'
        ? `[${p}]`
        : /^[A-Za-z_][\w-]*$/.test(p)
          ? i
            ? `.${p}`
            : p
          : `[${JSON.stringify(p)}]`
    )
    .join('')
}

// `encoding` of a file entry ("utf-8", "base64") is metadata, not content;
// masking it would blank that word out of every log line.
const FILE_METADATA = new Set(['encoding'])

/**
 * Every value leaf of a definition's `secrets`: each leaf of `secrets.values` and the contents
 * of `secrets.files`. Names, ids and keys are never secret.
 */
export function secretLeaves(definition: unknown): SecretLeaf[] {
  const found: SecretLeaf[] = []
  if (!isPlainObject(definition) || !isPlainObject(definition.secrets)) return found
  collectLeaves(definition.secrets.values, ['secrets', 'values'], found, new Set())
  collectLeaves(definition.secrets.files, ['secrets', 'files'], found, FILE_METADATA)
  return found
}

/** The string leaves of `secrets` (kept for callers that want the strings only). */
export function secretStrings(definition: unknown): string[] {
  return secretLeaves(definition)
    .map((leaf) => leaf.value)
    .filter((v): v is string => typeof v === 'string')
}

/**
 * Whether a definition's values are secret: every type but `config` (a definition whose type
 * is missing or wrong is treated as secret; `typeOverride` is the `type` input).
 */
export function holdsSecretValues(definition: unknown, typeOverride?: string): boolean {
  const type = typeOverride ?? (isPlainObject(definition) ? definition.type : undefined)
  return type !== 'config'
}

/**
 * Registers the values of one definition by the policy: all of them for `type: secret` (and
 * for a missing or wrong type), none for `type: config` (Northflank shows config values to a
 * wider audience by design: "feature flags, endpoints, non-sensitive settings").
 */
export function registerDefinitionSecrets(
  definition: unknown,
  where: {
    label?: string
    file?: string
    typeOverride?: string
    locate?: (path: (string | number)[]) => { line: number; column: number } | undefined
  } = {}
): void {
  if (!holdsSecretValues(definition, where.typeOverride)) return
  const name =
    isPlainObject(definition) && typeof definition.name === 'string' ? definition.name : where.label
  for (const leaf of secretLeaves(definition)) {
    const position = where.locate?.(leaf.path)
    registerSecret(leaf.value, {
      key: leaf.key,
      definition: name,
      file: where.file,
      line: position?.line,
      column: position?.column
    })
  }
}

/**
 * A secret read back from Northflank is masked by the same rules as the definition's own: by
 * its stored type, and as secret whenever the definition says `type: secret`.
 */
export function registerStoredSecrets(
  data: unknown,
  of: {
    name?: string
    doc: { source: { label: string; file?: string } }
    definition?: { type: string }
  }
): void {
  // Its keys show in `changes` (a key Northflank holds that the definition lacks is removed)
  // and its field names in the `response` output: public text before any of its values.
  addPublicText(...publicPaths({}, data), ...fieldNames(data))
  registerDefinitionSecrets(data, {
    label: `${of.name ?? of.doc.source.label} (as stored in Northflank)`,
    file: of.doc.source.file,
    typeOverride: of.definition?.type === 'config' ? undefined : 'secret'
  })
}

/** The paths the plan reports for `desired` against `stored` (`secrets.values.KEY`, ...). */
function publicPaths(desired: unknown, stored: unknown): string[] {
  if (!isPlainObject(desired) && !isPlainObject(stored)) return []
  return diffSecret(isPlainObject(desired) ? desired : {}, stored).map((change) => change.path)
}

/** Every object key of a JSON value (field names are never secret; keys of values are not). */
function fieldNames(value: unknown, into: string[] = [], depth = 0): string[] {
  if (depth > 64) return into
  if (Array.isArray(value)) for (const item of value) fieldNames(item, into, depth + 1)
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      into.push(key)
      fieldNames(item, into, depth + 1)
    }
  }
  return into
}

/** What one run holds, for registerRunSecrets. */
export interface RunSecrets {
  documents: readonly ParsedDocument[]
  /** The `name` and `type` inputs, which override every document's. */
  nameOverride?: string
  typeOverride?: string
  valuesFromEnv: readonly { target?: string; key: string; variable: string; value: string }[]
  /** More public text of the run: team id, api-url. */
  publicText?: readonly (string | undefined)[]
}

/**
 * Registers every secret of a run, after making every name, identifier and file of the run
 * public text (so no mask hides one): the values of each `type: secret` definition and every
 * `values-from-env` value. Call it after loading and before printing anything about the files.
 */
export function registerRunSecrets(run: RunSecrets): void {
  addPublicText(...(run.publicText ?? []), run.nameOverride)
  if (run.nameOverride) addPublicText(deriveSecretId(run.nameOverride))
  for (const doc of run.documents) {
    const value = doc.value as { name?: unknown } | null
    const name = typeof value?.name === 'string' ? value.name : undefined
    addPublicText(doc.source.file, doc.source.label, name, name && deriveSecretId(name))
    // Every key shows in `changes` (log, annotations, summary, `results`), formatted as the
    // plan formats it, and in warnings as a dotted path.
    addPublicText(...publicPaths(doc.value, {}), ...secretLeaves(doc.value).map((l) => l.key))
  }
  for (const doc of run.documents) {
    registerDefinitionSecrets(doc.value, {
      label: doc.source.label,
      file: doc.source.file,
      typeOverride: run.typeOverride,
      locate: (path) => doc.locate(path)
    })
  }
  for (const entry of run.valuesFromEnv) {
    registerSecret(entry.value, {
      key: `${entry.target ? `${entry.target}:` : ''}${entry.key} (input "values-from-env", variable ${entry.variable})`
    })
  }
}

/**
 * Registers every value decrypted from a SOPS file, whatever the definition's type: its author
 * encrypted it. Call it after registerRunSecrets, which makes the run's names public text.
 */
export function registerDecryptedSecrets(documents: readonly ParsedDocument[]): void {
  for (const doc of documents) {
    const value = doc.value as { name?: unknown } | null
    const name = typeof value?.name === 'string' ? value.name : doc.source.label
    for (const leaf of decryptedLeaves(doc)) {
      const position = doc.locate(leaf.path)
      registerSecret(leaf.value, {
        key: dotted(leaf.path),
        definition: name,
        file: doc.source.file,
        line: position?.line,
        column: position?.column
      })
    }
  }
}

/** Every value registered with the runner, for text the runner does not mask (a PR comment). */
export function registeredSecrets(): readonly string[] {
  return [...state.registered]
}

function registeredForms(): string[] {
  if (state.forms === undefined) {
    const forms = new Set<string>()
    for (const value of state.registered) {
      for (const form of echoForms(value, MIN_MASK_LENGTH)) forms.add(form)
    }
    state.forms = [...forms].sort((a, b) => b.length - a.length)
  }
  return state.forms
}

function formsByPrefix(): Map<string, { form: string; rank: number }[]> {
  if (state.formsByPrefix === undefined) {
    const index = new Map<string, { form: string; rank: number }[]>()
    registeredForms().forEach((form, rank) => {
      const prefix = form.length < MIN_MASK_LENGTH ? '' : form.slice(0, MIN_MASK_LENGTH)
      let list = index.get(prefix)
      if (list === undefined) index.set(prefix, (list = []))
      list.push({ form, rank })
    })
    state.formsByPrefix = index
  }
  return state.formsByPrefix
}

/** Text with every registered secret (and its JSON, URI and base64 forms) replaced by `***`. */
export function redactRegistered(text: string): string {
  const forms = registeredForms()
  // Trying every form on every text is slow when thousands are registered and the summary
  // redacts each of its pieces: try only the forms whose first characters occur in the text
  // (every form is at least MIN_MASK_LENGTH long), in the same longest-first order.
  if (forms.length <= 16) return redact(text, forms)
  const index = formsByPrefix()
  if (index.has('')) return redact(text, forms) // a form shorter than the prefix: not indexed
  const plain = withoutUserinfo(text)
  const found = new Map<string, number>()
  for (let i = 0; i + MIN_MASK_LENGTH <= plain.length; i++) {
    for (const { form, rank } of index.get(plain.slice(i, i + MIN_MASK_LENGTH)) ?? []) {
      if (!found.has(form) && plain.startsWith(form, i)) found.set(form, rank)
    }
  }
  if (found.size === 0) return plain
  const present = [...found].sort((a, b) => a[1] - b[1]).map(([form]) => form)
  return redact(plain, present)
}

/** A JSON value with every registered secret (in any form) replaced by `***`, keys included. */
export function redactRegisteredDeep(value: unknown): unknown {
  return redactDeep(value, registeredForms())
}

function redactLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactLeaves)
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLeaves(v)]))
  }
  return value === null || value === undefined ? value : REDACTED
}

/**
 * A copy of an API `data` value safe to write anywhere: every leaf under `secrets` replaced by
 * `***`, and every registered secret (in any form) redacted wherever else it appears, whatever
 * shape `data` has (an object that echoes the request elsewhere, a string, an array).
 */
export function redactSecretValues(data: unknown): unknown {
  if (!isPlainObject(data)) return redactRegisteredDeep(data)
  const copy: Record<string, unknown> = { ...data }
  if ('secrets' in copy) copy.secrets = redactLeaves(copy.secrets)
  return redactRegisteredDeep(copy)
}

/** For tests: forget every registration and public text. */
export function resetMaskingForTests(): void {
  state.registered.clear()
  state.warned.clear()
  state.forms = undefined
  state.formsByPrefix = undefined
  state.publicText = '\u0000' + VOCABULARY.join('\u0000') + '\u0000'
  state.publicGrams.clear()
  for (const word of VOCABULARY) addGrams(word)
}
