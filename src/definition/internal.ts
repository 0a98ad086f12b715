// Small helpers shared by the definition stage: safe object building, positions, paths.
import type { DocumentPath, SourcePosition } from './types.js'

/** Keys that could reach a prototype if a value were built by plain assignment. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype'
])

/** 1 MiB: the largest definition file (bytes) or inline definition (characters) accepted. */
export const MAX_DEFINITION_SIZE = 1024 * 1024

/** Deepest nesting of objects/arrays accepted in a document (aliases expanded included). */
export const MAX_DEPTH = 64

export type PlainObject = Record<string, unknown>

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Sets an own, enumerable data property. Unlike `obj[key] = v` this never invokes the
 * `__proto__` setter, so a key named `__proto__` stays an ordinary (flaggable) property.
 */
export function defineKey(obj: PlainObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key)
}

/**
 * Deep copy of parsed data (objects, arrays, scalars) built with `defineKey`. `budget` bounds
 * the nodes visited so a hostile value cannot make a copy expensive.
 */
export function safeClone(value: unknown, budget = { nodes: 1_000_000 }, depth = 0): unknown {
  if (--budget.nodes < 0 || depth > 1000) throw new RangeError('value too large to copy')
  if (Array.isArray(value)) return value.map((item) => safeClone(item, budget, depth + 1))
  if (isPlainObject(value)) {
    const copy: PlainObject = {}
    for (const key of Object.keys(value)) {
      defineKey(copy, key, safeClone(value[key], budget, depth + 1))
    }
    return copy
  }
  return value
}

/** Converts UTF-16 offsets of one text into 1-based line/column positions. */
export class LineIndex {
  private readonly starts: number[] = [0]

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      // \n, \r\n and a lone \r all end a line (YAML and JSON both accept them).
      if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) this.starts.push(i + 1)
    }
  }

  position(offset: number): SourcePosition {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.starts[mid] ?? 0) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 }
  }
}

/** Map key for a document path (JSON keeps numbers and strings apart). */
export function pathKey(path: DocumentPath): string {
  return JSON.stringify(path)
}

/** Dotted form for messages: `gitops.repoUrl`, `secrets.values["a.b"]`, `items[0]`. */
export function formatPath(path: DocumentPath): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out
}

/** Short quoted form of a (non-secret) value for messages. */
export function quote(value: string, max = 40): string {
  const text = value.length > max ? `${value.slice(0, max)}…` : value
  return JSON.stringify(text)
}

/** Position table of one document: key and value positions per path. */
export class PositionMap {
  private readonly entries = new Map<string, { key?: SourcePosition; value: SourcePosition }>()

  set(path: DocumentPath, value: SourcePosition, key?: SourcePosition): void {
    this.entries.set(pathKey(path), key === undefined ? { value } : { key, value })
  }

  /** See ParsedDocument.locate: exact path first, then the nearest ancestor's key. */
  locate(path: DocumentPath, which: 'key' | 'value' = 'value'): SourcePosition | undefined {
    const exact = this.entries.get(pathKey(path))
    if (exact !== undefined) return which === 'key' ? (exact.key ?? exact.value) : exact.value
    for (let i = path.length - 1; i >= 0; i--) {
      const entry = this.entries.get(pathKey(path.slice(0, i)))
      // A missing property points at its parent: the parent's key, or the root's start.
      if (entry !== undefined) return entry.key ?? entry.value
    }
    return undefined
  }
}

/** Levenshtein distance, for did-you-mean suggestions (inputs are short keys). */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.abs(a.length - b.length) + 64
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost))
    }
    prev = row
  }
  return prev[b.length] ?? 0
}

/** The closest candidate within a small edit distance (case differences count as close). */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0.5 : editDistance(word, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)))
  return bestDistance <= limit ? best : undefined
}
