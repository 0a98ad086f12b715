// Text → documents. Both parsers only tokenise here: values are built by this module with
// `defineKey`, so no key (`__proto__` included) can reach a prototype, and every node's
// position is recorded for diagnostics.
// Types only: both parsers are loaded on first use (see loadJsonParser/loadYamlParser).
import type * as JsoncParser from 'jsonc-parser'
import type { Node as JsonNode, ParseError } from 'jsonc-parser'
import type * as JsYaml from 'js-yaml'
import type { DocumentEvent, Event, ScalarEvent } from 'js-yaml'
import {
  LineIndex,
  MAX_DEFINITION_SIZE,
  MAX_DEPTH,
  PositionMap,
  defineKey,
  hasOwn,
  isPlainObject,
  quote,
  safeClone,
  type PlainObject
} from './internal.js'
import type {
  ChangedScalar,
  DefinitionSource,
  Diagnostic,
  DocumentPath,
  ParsedDocument
} from './types.js'

/** Most alias nodes (`*name`) accepted in one YAML text. */
export const MAX_ALIASES = 1000
/** Most nodes that alias expansion may add to one YAML text (billion-laughs guard). */
export const MAX_EXPANDED_NODES = 10_000

export type DefinitionFormat = 'json' | 'yaml' | 'auto'

export interface ParseOptions {
  /** Workspace-relative path (forward slashes) for labels and diagnostics; omit for inline. */
  file?: string
  /** `auto` (the inline input): JSON if it parses as JSON, otherwise YAML. */
  format: DefinitionFormat
}

export interface ParseResult {
  documents: ParsedDocument[]
  diagnostics: Diagnostic[]
}

/** One top-level definition candidate: a YAML document, or one element of a top-level array. */
interface Element {
  /** Undefined when building it failed (the error is already reported). */
  value?: unknown
  positions: PositionMap
  /** Path of the element inside its positions table (`[i]` for an array element). */
  prefix: DocumentPath
  /** Scalars sent differently from how they are written, paths relative to the element. */
  changed: ChangedScalar[]
}

interface FormatResult {
  elements: Element[]
  /** Errors of the text itself; false means "this is not valid JSON/YAML". */
  syntaxOk: boolean
  diagnostics: Diagnostic[]
}

const INLINE_LABEL = 'input "definition"'

type JsonParser = typeof JsoncParser
type YamlParser = typeof JsYaml

// Each parser is a chunk of its own in the bundle (ncc splits at `import()`), so a run compiles
// only the parsers its definitions need: js-yaml alone is larger than the rest of this stage.
const loadJsonParser = (): Promise<JsonParser> => import('jsonc-parser')
const loadYamlParser = (): Promise<YamlParser> => import('js-yaml')

/** Parses one text; loads the JSON and/or YAML parser the first time one is needed. */
export async function parseDefinitionText(text: string, opts: ParseOptions): Promise<ParseResult> {
  const lines = new LineIndex(text)
  const at = (offset: number, severity: 'error', message: string): Diagnostic => ({
    severity,
    message,
    ...(opts.file === undefined ? {} : { file: opts.file }),
    ...lines.position(offset)
  })
  if (text.length > MAX_DEFINITION_SIZE) {
    return {
      documents: [],
      diagnostics: [at(0, 'error', 'the definition is larger than 1 MiB; split it up')]
    }
  }
  // A BOM is not content (readDefinitionFile strips it too; inline text may still carry one).
  const body = text.startsWith('\uFEFF') ? ` ${text.slice(1)}` : text
  if (body.trim() === '') {
    return { documents: [], diagnostics: [at(0, 'error', 'the definition is empty')] }
  }

  let result: FormatResult
  if (opts.format === 'json') result = parseJson(await loadJsonParser(), body, lines, opts.file)
  else if (opts.format === 'yaml') {
    result = parseYaml(await loadYamlParser(), body, lines, opts.file)
  } else {
    // As the Northflank CLI does: JSON first, then YAML. When neither parses, report the
    // errors of the format the text most looks like.
    const json = parseJson(await loadJsonParser(), body, lines, opts.file)
    if (json.syntaxOk) result = json
    else {
      const yaml = parseYaml(await loadYamlParser(), body, lines, opts.file)
      result = yaml.syntaxOk || !/^\s*[[{]/.test(body) ? yaml : json
    }
  }
  return toDocuments(result, lines, opts.file)
}

function toDocuments(result: FormatResult, lines: LineIndex, file?: string): ParseResult {
  const diagnostics = [...result.diagnostics]
  const documents: ParsedDocument[] = []
  const count = result.elements.length
  if (result.syntaxOk && count === 0) {
    diagnostics.push({
      severity: 'error',
      message:
        'the definition holds no documents: expected an object (YAML mapping) with "name" and "type"',
      ...(file === undefined ? {} : { file }),
      ...lines.position(0)
    })
  }
  result.elements.forEach((element, index) => {
    if (element.value === undefined) return
    const { positions, prefix } = element
    const locate: ParsedDocument['locate'] = (path, which = 'value') =>
      positions.locate([...prefix, ...path], which)
    const base = file ?? INLINE_LABEL
    const source: DefinitionSource = {
      index,
      count,
      label: count > 1 ? `${base} (document ${index + 1})` : base,
      ...(file === undefined ? {} : { file }),
      ...(prefix.length > 0 ? { listItem: true } : {})
    }
    const where = count > 1 ? `document ${index + 1}` : 'the definition'
    if (!isPlainObject(element.value)) {
      diagnostics.push({
        severity: 'error',
        message: `${where} is ${describe(element.value)}; expected an object (YAML mapping) with "name" and "type"`,
        ...(file === undefined ? {} : { file }),
        ...(locate([]) ?? lines.position(0))
      })
      return
    }
    documents.push({ source, value: element.value, locate, changedScalars: element.changed })
  })
  return { documents, diagnostics }
}

/**
 * The scalar as it was written, when that is not how its value is written as JSON (which is
 * what is sent): `0123`, `1.50`, `1e3`, `-0`, `12345678901234567890`, `.inf`, `True`, `~`.
 */
function changedScalar(
  value: unknown,
  text: string,
  syntax: ChangedScalar['syntax']
): Omit<ChangedScalar, 'path'> | undefined {
  if (value !== null && typeof value !== 'number' && typeof value !== 'boolean') return undefined
  // JSON.stringify writes -0 as 0 and Infinity/NaN as null: compared as sent, not as read.
  return JSON.stringify(value) === text ? undefined : { text, value, syntax }
}

/**
 * The changed scalars of a top-level list, per item, with paths relative to the item. One pass:
 * a list of many items must not cost items × scalars.
 */
function perItem(changed: readonly ChangedScalar[]): Map<number, ChangedScalar[]> {
  const items = new Map<number, ChangedScalar[]>()
  for (const c of changed) {
    const [index, ...rest] = c.path
    if (typeof index !== 'number') continue
    let list = items.get(index)
    if (list === undefined) items.set(index, (list = []))
    list.push({ ...c, path: rest })
  }
  return items
}

function describe(value: unknown): string {
  if (value === null) return 'empty (null)'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return 'a string'
  return `a ${typeof value}`
}

// ---------------------------------------------------------------------------------------------
// JSON

const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: 'unexpected character; JSON has no comments, single quotes or bare words',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the array',
  EndOfFileExpected: 'unexpected content after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape sequence',
  InvalidCharacter: 'invalid character in a string (control characters must be escaped)'
}

/** Offset where objects/arrays nest deeper than MAX_DEPTH, found without recursion. */
function jsonDepthViolation(text: string): number | undefined {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') {
      if (++depth > MAX_DEPTH) return i
    } else if (c === '}' || c === ']') depth--
  }
  return undefined
}

/** Builds error diagnostics at source offsets of one text. */
function errorAt(lines: LineIndex, file?: string): (offset: number, message: string) => Diagnostic {
  return (offset, message) => ({
    severity: 'error',
    message,
    ...(file === undefined ? {} : { file }),
    ...lines.position(offset)
  })
}

function parseJson(jsonc: JsonParser, text: string, lines: LineIndex, file?: string): FormatResult {
  const diag = errorAt(lines, file)
  // jsonc-parser recurses per nesting level: refuse deep input before it can exhaust the stack.
  const deep = jsonDepthViolation(text)
  if (deep !== undefined) {
    return {
      elements: [],
      syntaxOk: false,
      diagnostics: [diag(deep, `JSON nesting is deeper than ${MAX_DEPTH} levels`)]
    }
  }
  const errors: ParseError[] = []
  const tree = jsonc.parseTree(text, errors, JSON_OPTIONS)
  if (errors.length > 0 || tree === undefined) {
    return {
      elements: [],
      syntaxOk: false,
      diagnostics: jsonSyntaxErrors(jsonc, text, errors, diag)
    }
  }

  const diagnostics: Diagnostic[] = []
  const positions = new PositionMap()
  const changed: ChangedScalar[] = []
  // Top-level array items (or the whole text: -1) with a duplicate key are dropped.
  const failed = new Set<number>()
  const build = (node: JsonNode, path: DocumentPath, keyNode?: JsonNode): unknown => {
    positions.set(
      path,
      lines.position(node.offset),
      keyNode === undefined ? undefined : lines.position(keyNode.offset)
    )
    if (node.type === 'array') {
      return (node.children ?? []).map((child, i) => build(child, [...path, i]))
    }
    if (node.type === 'object') {
      const obj: PlainObject = {}
      for (const property of node.children ?? []) {
        const [k, v] = property.children ?? []
        if (k === undefined || v === undefined) continue
        const key = String(k.value)
        const value = build(v, [...path, key], k)
        if (hasOwn(obj, key)) {
          diagnostics.push(diag(k.offset, `duplicate key ${quote(key)}`))
          failed.add(typeof path[0] === 'number' && tree.type === 'array' ? path[0] : -1)
        }
        defineKey(obj, key, value)
      }
      return obj
    }
    if (node.type === 'number') {
      const found = changedScalar(
        node.value,
        text.slice(node.offset, node.offset + node.length),
        'json'
      )
      if (found !== undefined) changed.push({ path, ...found })
    }
    return node.value as unknown
  }

  const elements: Element[] = []
  if (tree.type === 'array') {
    // A top-level array holds several definitions, each with its own positions.
    const values = (tree.children ?? []).map((child, i) => build(child, [i]))
    const items = perItem(changed)
    values.forEach((value, i) => {
      elements.push({
        positions,
        prefix: [i],
        changed: items.get(i) ?? [],
        ...(failed.has(i) ? {} : { value })
      })
    })
  } else {
    const value = build(tree, [])
    elements.push({ positions, prefix: [], changed, ...(failed.has(-1) ? {} : { value }) })
  }
  return { elements, syntaxOk: true, diagnostics }
}

const JSON_OPTIONS = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }
const LEADING_ZERO =
  'JSON syntax error: a number cannot start with 0; put it in quotes to keep it as written ' +
  '("0123", not 0123)'

function jsonSyntaxErrors(
  jsonc: JsonParser,
  text: string,
  errors: ParseError[],
  diag: (offset: number, message: string) => Diagnostic
): Diagnostic[] {
  // A number with a leading zero (`"PIN": 0123`) is one mistake, but the parser reports the
  // errors that follow from it. Each such number is reported on its own, then the text is parsed
  // again with a string of the same length in its place, for the errors it does not explain.
  const zeros = leadingZeroNumbers(jsonc, text)
  let rest = errors
  if (zeros.length > 0) {
    let patched = text
    for (const { start, end } of zeros) {
      patched = `${patched.slice(0, start)}"${'0'.repeat(end - start - 2)}"${patched.slice(end)}`
    }
    rest = []
    jsonc.parseTree(patched, rest, JSON_OPTIONS)
  }
  const diagnostics: Diagnostic[] = zeros.map(({ start }) => diag(start, LEADING_ZERO))
  const seen = new Set<number>()
  for (const error of rest) {
    if (diagnostics.length >= 20) break // one mistake can cascade; the first ones matter
    if (seen.has(error.offset)) continue
    seen.add(error.offset)
    const name = jsonc.printParseErrorCode(error.error)
    const comma = trailingCommaBefore(text, error.offset)
    if ((name === 'PropertyNameExpected' || name === 'ValueExpected') && comma !== undefined) {
      diagnostics.push(diag(comma, 'trailing commas are not allowed in JSON'))
    } else {
      diagnostics.push(diag(error.offset, `JSON syntax error: ${JSON_ERRORS[name] ?? name}`))
    }
  }
  if (diagnostics.length === 0) diagnostics.push(diag(0, 'JSON syntax error'))
  return diagnostics.sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)
  )
}

// jsonc-parser's token kinds (a const enum, so not readable from the lazily loaded module);
// `satisfies` fails the type check if its declared values ever differ.
const JSON_TOKEN = {
  NUMBER: 11 satisfies JsoncParser.SyntaxKind.NumericLiteral,
  EOF: 17 satisfies JsoncParser.SyntaxKind.EOF
} as const

/**
 * Numbers written with a leading zero (`0123`, `-007`, `00`): JSON's scanner reads them as `0`
 * followed by another number, with nothing between.
 */
function leadingZeroNumbers(jsonc: JsonParser, text: string): { start: number; end: number }[] {
  const { NUMBER, EOF } = JSON_TOKEN
  const found: { start: number; end: number }[] = []
  const scanner = jsonc.createScanner(text, false)
  let previous: { kind: number; value: string; start: number; end: number } | undefined
  for (let kind = scanner.scan(); kind !== EOF; kind = scanner.scan()) {
    const start = scanner.getTokenOffset()
    const end = start + scanner.getTokenLength()
    const last = found[found.length - 1]
    if (kind === NUMBER && previous?.kind === NUMBER && previous.end === start) {
      if (last !== undefined && last.end === start) last.end = end
      else if (previous.value === '0' || previous.value === '-0') {
        found.push({ start: previous.start, end })
      }
    }
    previous = { kind, value: scanner.getTokenValue(), start, end }
  }
  return found
}

function trailingCommaBefore(text: string, offset: number): number | undefined {
  const next = text[offset]
  if (next !== '}' && next !== ']') return undefined
  let i = offset - 1
  while (i >= 0 && /\s/.test(text[i] ?? '')) i--
  return text[i] === ',' ? i : undefined
}

// ---------------------------------------------------------------------------------------------
// YAML

class YamlFailure extends Error {
  constructor(
    message: string,
    readonly offset: number
  ) {
    super(message)
  }
}

interface Built {
  value: unknown
  /** Where in the document the value was built (an alias copies it from there). */
  at: DocumentPath
  /** The document's changed scalars that lie inside the value: `changed[from, to)`. */
  from: number
  to: number
  /** Nodes in the value, aliases expanded (the alias budget charges this). */
  size: number
  /** Collection nesting levels inside the value (0 for a scalar). */
  height: number
}

const NO_RANGE = -1
// js-yaml's event and style ids, copied so that code here needs no loaded module to use them;
// `satisfies` fails the type check if js-yaml's declared values ever differ.
const EVENT_ID = {
  DOCUMENT: 1,
  SEQUENCE: 2,
  MAPPING: 3,
  SCALAR: 4,
  ALIAS: 5,
  POP: 6
} as const satisfies typeof JsYaml.EVENT_ID
const SCALAR_STYLE = {
  PLAIN: 1,
  SINGLE_QUOTED: 2,
  DOUBLE_QUOTED: 3,
  LITERAL_BLOCK: 4,
  FOLDED_BLOCK: 5
} as const satisfies typeof JsYaml.SCALAR_STYLE
const POP_EVENT: Event = { type: EVENT_ID.POP }
/**
 * A plain scalar the core schema can only read as a string: not empty, and not starting like
 * null (`~`, `null`), a boolean (`true`, `False`) or a number (`-1`, `+.5`, `.inf`, `0x1f`).
 */
const CORE_STRING = /^[^-+.~0-9nNtTfF]/

function parseYaml(yaml: YamlParser, text: string, lines: LineIndex, file?: string): FormatResult {
  const diag = errorAt(lines, file)
  let events: Event[]
  try {
    // The parser's own limit only protects its recursion (js-yaml counts levels a little
    // differently); the builder enforces MAX_DEPTH exactly, as the JSON side does.
    events = yaml.parseEvents(text, { maxDepth: 2 * MAX_DEPTH })
  } catch (error) {
    return {
      elements: [],
      syntaxOk: false,
      diagnostics: [yamlErrorDiagnostic(yaml, error, file)]
    }
  }
  const builder = new YamlBuilder(yaml, text, events, lines)
  const elements: Element[] = []
  const diagnostics: Diagnostic[] = []
  let i = 0
  while (i < events.length) {
    const event = events[i]
    const end = matchingPop(events, i)
    if (event?.type !== EVENT_ID.DOCUMENT) {
      // parseEvents always opens a document first; anything else is a parser bug.
      diagnostics.push(diag(0, 'YAML syntax error: unexpected event stream'))
      return { elements: [], syntaxOk: false, diagnostics }
    }
    const positions = new PositionMap()
    try {
      const root = builder.document(event, i + 1, positions)
      if (root.empty) {
        diagnostics.push(
          diag(builder.nextMarker(), `document ${elements.length + 1} is empty (stray "---"?)`)
        )
        elements.push({ positions, prefix: [], changed: [] })
      } else if (Array.isArray(root.value)) {
        // A top-level sequence holds several definitions, as a JSON array does.
        const items = perItem(root.changed)
        root.value.forEach((item, n) =>
          elements.push({
            positions,
            prefix: [n],
            changed: items.get(n) ?? [],
            ...(builder.failed.has(n) || root.failedAll ? {} : { value: item })
          })
        )
      } else {
        elements.push({
          positions,
          prefix: [],
          changed: root.changed,
          ...(root.failedAll ? {} : { value: root.value })
        })
      }
    } catch (error) {
      if (!(error instanceof YamlFailure)) throw error
      diagnostics.push(diag(error.offset, error.message))
      elements.push({ positions, prefix: [], changed: [] })
    }
    diagnostics.push(...builder.takeErrors().map((e) => diag(e.offset, e.message)))
    i = end + 1
  }
  return { elements, syntaxOk: true, diagnostics }
}

function yamlErrorDiagnostic(yaml: YamlParser, error: unknown, file?: string): Diagnostic {
  const where = file === undefined ? {} : { file }
  if (error instanceof yaml.YAMLException) {
    const message = /maxDepth/.test(error.reason)
      ? `YAML nesting is deeper than ${MAX_DEPTH} levels`
      : `YAML syntax error: ${error.reason}`
    return {
      severity: 'error',
      message,
      ...where,
      line: (error.mark?.line ?? 0) + 1,
      column: (error.mark?.column ?? 0) + 1
    }
  }
  // e.g. a RangeError: never let a parser failure escape as an exception.
  const message = error instanceof Error ? error.message : String(error)
  return {
    severity: 'error',
    message: `YAML could not be parsed: ${message}`,
    ...where,
    line: 1,
    column: 1
  }
}

/** Index of the POP closing the node or document opened at `start`. */
function matchingPop(events: Event[], start: number): number {
  let depth = 0
  for (let i = start; i < events.length; i++) {
    const type = events[i]?.type
    if (type === EVENT_ID.DOCUMENT || type === EVENT_ID.MAPPING || type === EVENT_ID.SEQUENCE) {
      depth++
    } else if (type === EVENT_ID.POP && --depth === 0) return i
  }
  return events.length - 1
}

class YamlBuilder {
  /** Furthest source offset seen, used to place errors about empty documents. */
  cursor = 0
  /** Top-level sequence items whose subtree had a (non-fatal) error. */
  readonly failed = new Set<number>()
  private errors: { message: string; offset: number }[] = []
  private index = 0
  private anchors = new Map<string, Built>()
  private openAnchors = new Set<string>()
  private docEvent: DocumentEvent = {
    type: EVENT_ID.DOCUMENT,
    explicitStart: false,
    explicitEnd: false,
    directives: []
  }
  private positions = new PositionMap()
  private failedAll = false
  /** The document's scalars sent differently from how they are written (full paths). */
  private changed: ChangedScalar[] = []
  // Budgets are per text: each document could otherwise spend them again.
  private aliasCount = 0
  private expanded = 0

  constructor(
    private readonly yaml: YamlParser,
    private readonly text: string,
    private readonly events: Event[],
    private readonly lines: LineIndex
  ) {}

  /** Offset of the next `---` line after the cursor: where an empty document starts. */
  nextMarker(): number {
    const at =
      this.cursor === 0 && this.text.startsWith('---') ? 0 : this.text.indexOf('\n---', this.cursor)
    if (at === -1) return this.cursor
    const offset = at === 0 && this.text.startsWith('---') ? 0 : at + 1
    this.cursor = offset + 3
    return offset
  }

  takeErrors(): { message: string; offset: number }[] {
    const errors = this.errors
    this.errors = []
    return errors
  }

  document(
    event: DocumentEvent,
    start: number,
    positions: PositionMap
  ): { value: unknown; empty: boolean; failedAll: boolean; changed: ChangedScalar[] } {
    // Anchors are scoped to their document (YAML spec).
    this.anchors = new Map()
    this.openAnchors = new Set()
    this.failed.clear()
    this.failedAll = false
    this.changed = []
    this.docEvent = event
    this.positions = positions
    this.index = start
    const first = this.events[start]
    const empty =
      first?.type === EVENT_ID.SCALAR &&
      first.valueStart === NO_RANGE &&
      first.tagStart === NO_RANGE &&
      first.anchorStart === NO_RANGE
    const root = this.node([], 0, this.cursor)
    return { value: root.value, empty, failedAll: this.failedAll, changed: this.changed }
  }

  private fail(message: string, offset: number): never {
    throw new YamlFailure(message, offset)
  }

  /** Records a non-fatal error: the document is still read to report more, then dropped. */
  private error(path: DocumentPath, message: string, offset: number): void {
    this.errors.push({ message, offset })
    if (typeof path[0] === 'number') this.failed.add(path[0])
    else this.failedAll = true
  }

  private next(): Event {
    const event = this.events[this.index++]
    if (event === undefined) this.fail('YAML syntax error: unexpected end of input', this.cursor)
    return event
  }

  private see(offset: number): number {
    if (offset > this.cursor) this.cursor = offset
    return offset
  }

  private nodeOffset(event: Event, fallback: number): number {
    if (event.type === EVENT_ID.ALIAS) return this.see(Math.max(0, event.anchorStart - 1))
    if (event.type === EVENT_ID.POP || event.type === EVENT_ID.DOCUMENT) return fallback
    const candidates = [
      event.tagStart,
      event.anchorStart === NO_RANGE ? NO_RANGE : event.anchorStart - 1 // the `&`
    ]
    if (event.type === EVENT_ID.SCALAR) {
      const quoted =
        event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED
      candidates.push(
        event.valueStart === NO_RANGE ? NO_RANGE : event.valueStart - (quoted ? 1 : 0)
      )
    } else candidates.push(event.start)
    const known = candidates.filter((c) => c !== NO_RANGE)
    return known.length === 0 ? fallback : this.see(Math.min(...known))
  }

  private node(path: DocumentPath, depth: number, fallback: number, keyOffset?: number): Built {
    const event = this.next()
    const offset = this.nodeOffset(event, fallback)
    this.positions.set(
      path,
      this.lines.position(offset),
      keyOffset === undefined ? undefined : this.lines.position(keyOffset)
    )
    switch (event.type) {
      case EVENT_ID.SCALAR: {
        const from = this.changed.length
        const value = this.scalar(event, offset, path)
        const built: Built = { value, size: 1, height: 0, at: path, from, to: this.changed.length }
        this.anchor(event, built)
        return built
      }
      case EVENT_ID.ALIAS:
        return this.alias(event.anchorStart, event.anchorEnd, path, depth, offset)
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        if (depth >= MAX_DEPTH) this.fail(`YAML nesting is deeper than ${MAX_DEPTH} levels`, offset)
        const name = this.anchorName(event)
        if (name !== undefined) this.openAnchors.add(name)
        const built =
          event.type === EVENT_ID.SEQUENCE
            ? this.sequence(event.tagStart, event.tagEnd, path, depth, offset)
            : this.mapping(event.tagStart, event.tagEnd, path, depth, offset)
        if (name !== undefined) {
          this.openAnchors.delete(name)
          this.anchors.set(name, built)
        }
        return built
      }
      default:
        return this.fail('YAML syntax error: unexpected event stream', offset)
    }
  }

  private anchorName(event: { anchorStart: number; anchorEnd: number }): string | undefined {
    return event.anchorStart === NO_RANGE
      ? undefined
      : this.text.slice(event.anchorStart, event.anchorEnd)
  }

  private anchor(event: ScalarEvent, built: Built): void {
    const name = this.anchorName(event)
    if (name !== undefined) this.anchors.set(name, built)
  }

  private collectionTag(tagStart: number, tagEnd: number, kind: 'map' | 'seq', offset: number) {
    if (tagStart === NO_RANGE) return
    const tag = this.text.slice(tagStart, tagEnd)
    if (tag === '!' || tag === `!!${kind}` || tag === `!<tag:yaml.org,2002:${kind}>`) return
    this.fail(
      `YAML tag ${quote(tag)} is not supported here; use plain mappings, lists and scalars`,
      offset
    )
  }

  private sequence(
    tagStart: number,
    tagEnd: number,
    path: DocumentPath,
    depth: number,
    offset: number
  ): Built {
    this.collectionTag(tagStart, tagEnd, 'seq', offset)
    const items: unknown[] = []
    const from = this.changed.length
    let size = 1
    let height = 0
    while (this.events[this.index]?.type !== EVENT_ID.POP) {
      const item = this.node([...path, items.length], depth + 1, offset)
      items.push(item.value)
      size += item.size
      height = Math.max(height, item.height)
    }
    this.index++ // the POP
    return { value: items, size, height: height + 1, at: path, from, to: this.changed.length }
  }

  private mapping(
    tagStart: number,
    tagEnd: number,
    path: DocumentPath,
    depth: number,
    offset: number
  ): Built {
    this.collectionTag(tagStart, tagEnd, 'map', offset)
    const obj: PlainObject = {}
    const from = this.changed.length
    let size = 1
    let height = 0
    while (this.events[this.index]?.type !== EVENT_ID.POP) {
      const keyEvent = this.next()
      const keyOffset = this.nodeOffset(keyEvent, offset)
      if (keyEvent.type !== EVENT_ID.SCALAR) {
        this.fail(
          keyEvent.type === EVENT_ID.ALIAS
            ? 'aliases (*name) cannot be used as mapping keys here'
            : 'complex mapping keys (a list or mapping as a key) are not supported',
          keyOffset
        )
      }
      // Keys are their text as written (`1: x` has the key "1"): definitions use string keys.
      const key = this.yaml.getScalarValue(this.text, keyEvent)
      if (keyEvent.style === SCALAR_STYLE.PLAIN && key === '<<' && keyEvent.tagStart === NO_RANGE) {
        this.fail('YAML merge keys (<<) are not supported; write the keys out', keyOffset)
      }
      this.anchor(keyEvent, { value: key, size: 1, height: 0, at: path, from: 0, to: 0 })
      const childPath = [...path, key]
      const child = this.node(childPath, depth + 1, keyOffset, keyOffset)
      if (hasOwn(obj, key)) this.error(childPath, `duplicate key ${quote(key)}`, keyOffset)
      defineKey(obj, key, child.value)
      size += child.size
      height = Math.max(height, child.height)
    }
    this.index++ // the POP
    return { value: obj, size, height: height + 1, at: path, from, to: this.changed.length }
  }

  private alias(
    anchorStart: number,
    anchorEnd: number,
    path: DocumentPath,
    depth: number,
    offset: number
  ): Built {
    const name = this.text.slice(anchorStart, anchorEnd)
    if (++this.aliasCount > MAX_ALIASES) {
      this.fail(`more than ${MAX_ALIASES} YAML aliases; refusing to expand them`, offset)
    }
    const target = this.anchors.get(name)
    if (target === undefined) {
      this.fail(
        this.openAnchors.has(name)
          ? `recursive alias *${name} is not supported`
          : `unknown alias *${name} (no anchor &${name} before it in this document)`,
        offset
      )
    }
    this.expanded += target.size
    if (this.expanded > MAX_EXPANDED_NODES) {
      this.fail(
        `YAML aliases expand to more than ${MAX_EXPANDED_NODES} nodes (an "alias bomb"); ` +
          'write the values out instead',
        offset
      )
    }
    if (depth + target.height > MAX_DEPTH) {
      this.fail(`nesting through alias *${name} is deeper than ${MAX_DEPTH} levels`, offset)
    }
    // The copy holds the anchor's changed scalars too, at the alias's place.
    const from = this.changed.length
    for (const c of this.changed.slice(target.from, target.to)) {
      this.changed.push({ ...c, path: [...path, ...c.path.slice(target.at.length)] })
    }
    // A copy per alias: changing one occurrence (e.g. by overrides) never changes another.
    return {
      value: safeClone(target.value),
      size: target.size,
      height: target.height,
      at: path,
      from,
      to: this.changed.length
    }
  }

  private scalar(event: ScalarEvent, offset: number, path: DocumentPath): unknown {
    try {
      const source = this.yaml.getScalarValue(this.text, event)
      // Most values are untagged strings: take their text. The construction below would return
      // the same string, but sets up a whole constructor per scalar (it cost more than the rest
      // of the builder).
      if (event.tagStart === NO_RANGE) {
        if (event.style !== SCALAR_STYLE.PLAIN || CORE_STRING.test(source)) return source
      }
      // js-yaml resolves the scalar (implicit types, explicit tags, %TAG handles) from a
      // one-node event stream; only scalars are built by it, never collections.
      const [value] = this.yaml.constructFromEvents([this.docEvent, event, POP_EVENT], {
        source: this.text,
        schema: this.yaml.CORE_SCHEMA
      })
      const changed = changedScalar(value, source, 'yaml')
      if (changed !== undefined) this.changed.push({ path, ...changed })
      return value
    } catch (error) {
      const reason = error instanceof this.yaml.YAMLException ? error.reason : String(error)
      this.fail(`YAML error: ${reason}`, offset)
    }
  }
}
