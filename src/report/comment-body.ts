// The text of the pull-request comment: pure functions, no I/O.
//
// The comment goes straight to GitHub's API, so the runner's masking never sees it: every
// registered secret is redacted here, in every form the HTML can spell it. Outside text
// (file names, messages) arrives escaped from the summary; what this module adds itself
// (workflow and job names) is escaped the same way.
import { echoForms } from '../northflank/redact.js'
import { escape } from './summary.js'

/** GitHub refuses a comment body longer than this (HTTP 422 "body is too long"). */
export const COMMENT_LIMIT = 65_536

const MARKER_PREFIX = '<!-- northflank-global-secret-action:comment'
const REDACTED = '***'

/** What tells one step's comment apart from another's on the same pull request. */
export interface CommentIdentity {
  /** GITHUB_WORKFLOW: the workflow's name (or its file path when it has none). */
  workflow: string
  /** GITHUB_JOB: the job's id. */
  job: string
  /** GITHUB_ACTION: the step's id, or `__owner_repo` with `_2`, `_3` for repeats in a job. */
  step: string
  /** The `comment-key` input, for matrix legs (which share workflow, job and step). */
  key?: string
}

/**
 * The hidden HTML comment that finds this step's comment again. Each part is percent-encoded,
 * so no name can end the HTML comment early or make two identities spell the same marker.
 */
export function commentMarker(identity: CommentIdentity): string {
  const parts: Array<[string, string | undefined]> = [
    ['workflow', identity.workflow],
    ['job', identity.job],
    ['step', identity.step],
    ['key', identity.key]
  ]
  const fields = parts
    .filter((part): part is [string, string] => part[1] !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
  return `${MARKER_PREFIX} ${fields.join(' ')} -->`
}

/** True when `body` is the comment of the step with this marker (the marker is its first line). */
export function isOurComment(body: string | null | undefined, marker: string): boolean {
  return typeof body === 'string' && (body === marker || body.startsWith(`${marker}\n`))
}

// ---------------------------------------------------------------------------------------------
// Redaction

const NAMED_ENTITIES: Record<string, string[]> = {
  '&': ['amp'],
  '<': ['lt'],
  '>': ['gt'],
  '"': ['quot'],
  "'": ['apos'],
  '\u00a0': ['nbsp']
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** Hex digits matching either case: `4a` → `4[aA]`. */
function anyCaseHex(hex: string): string {
  return [...hex]
    .map((d) => (/[a-f]/i.test(d) ? `[${d.toLowerCase()}${d.toUpperCase()}]` : d))
    .join('')
}

/** Every way HTML or Markdown can spell one character so that it renders as that character. */
function characterPattern(char: string): string {
  const code = char.codePointAt(0)!
  const forms = [
    escapeRegExp(char),
    `&#0*${code};`,
    `&#[xX]0*${anyCaseHex(code.toString(16))};`,
    ...(NAMED_ENTITIES[char] ?? []).map((name) => `&${name};`)
  ]
  // Markdown's backslash escape of ASCII punctuation.
  if (/[!-/:-@[-`{-~]/.test(char)) forms.push(`\\\\${escapeRegExp(char)}`)
  return `(?:${forms.join('|')})`
}

/**
 * A function replacing every registered secret with `***`: the value as written, spelled with
 * HTML character references or Markdown escapes (what the summary's escaping produces), and the
 * encoded forms the API client redacts from server text (JSON, percent, base64: echoForms).
 * Longer values are tried first, so a value that contains another is removed whole.
 */
export function secretRedactor(secrets: Iterable<string>): (text: string) => string {
  const values = [...new Set([...secrets].filter((s) => s.trim() !== ''))]
  if (values.length === 0) return (text) => text
  const patterns = new Set<string>()
  for (const value of values) {
    patterns.add([...value].map(characterPattern).join(''))
    for (const encoded of echoForms(value)) {
      if (encoded !== value) patterns.add(escapeRegExp(encoded))
    }
  }
  // Longest pattern first: alternation takes the first that matches at a position.
  const ordered = [...patterns].sort((a, b) => b.length - a.length)
  const pattern = new RegExp(ordered.join('|'), 'gu')
  return (text) => text.replace(pattern, REDACTED)
}

const TAG = /<!--[\s\S]*?-->|<[^<>]*>/g
const QUOTED = /"[^"]*"|'[^']*'/g

/**
 * Redacts the text of an HTML fragment without breaking its markup: text between tags, and
 * quoted attribute values inside tags (a link's address). Tag and attribute names are this
 * action's own markup, never a secret, and a short secret must not turn `<td>` into `<***>`.
 */
export function redactHtml(html: string, redact: (text: string) => string): string {
  let out = ''
  let last = 0
  for (const match of html.matchAll(TAG)) {
    out += redact(html.slice(last, match.index))
    out += match[0].replace(QUOTED, (quoted) => quoted[0] + redact(quoted.slice(1, -1)) + quoted[0])
    last = match.index + match[0].length
  }
  return out + redact(html.slice(last))
}

/**
 * `@name` in outside text would notify that GitHub user (or team) when the comment is posted:
 * spell `@` as a character reference, which renders the same and mentions nobody.
 */
export function neutraliseMentions(html: string): string {
  let out = ''
  let last = 0
  for (const match of html.matchAll(TAG)) {
    out += html.slice(last, match.index).replace(/@/g, '&#64;')
    out += match[0]
    last = match.index + match[0].length
  }
  return out + html.slice(last).replace(/@/g, '&#64;')
}

// ---------------------------------------------------------------------------------------------
// Size

const VOID_ELEMENTS = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'wbr', 'col'])
/** Places after which the summary's HTML can be cut: a line end or the end of a block. */
const CUT_POINTS = /\n|<\/(?:tr|li|p|h[1-6]|ul|ol|table|thead|tbody|details|pre)>/g

/** The tags still open at the end of `html`, innermost last. */
function openTags(html: string): string[] {
  const stack: string[] = []
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*?(\/?)>/g)) {
    const [, closing, rawName, selfClosing] = match
    const name = rawName!.toLowerCase()
    if (VOID_ELEMENTS.has(name) || selfClosing) continue
    if (!closing) stack.push(name)
    else {
      const at = stack.lastIndexOf(name)
      if (at !== -1) stack.length = at
    }
  }
  return stack
}

/** `html` cut at a block boundary so that it and its closing tags fit in `budget` characters. */
export function cutHtml(html: string, budget: number): string {
  if (html.length <= budget) return html
  const cuts = [...html.matchAll(CUT_POINTS)]
    .map((m) => m.index + m[0].length)
    .filter((end) => end <= budget)
  for (let i = cuts.length - 1; i >= 0; i--) {
    const kept = html.slice(0, cuts[i])
    const closing = openTags(kept)
      .reverse()
      .map((name) => `</${name}>`)
      .join('')
    if (kept.length + closing.length <= budget) return kept + closing
  }
  return ''
}

export interface CommentBodyInput {
  /** The run's result as HTML/Markdown: the job summary's content. */
  content: string
  identity: CommentIdentity
  /** Every registered secret value. */
  secrets: Iterable<string>
  /** Where the whole result can be read when the comment had to be shortened. */
  runUrl?: string
  /** For tests; GitHub's limit otherwise. */
  limit?: number
}

export interface CommentBody {
  body: string
  marker: string
  /** Set when the content did not fit and was cut. */
  shortened?: { from: number; to: number }
}

/**
 * The whole comment: the marker (first line, so it is found again), the redacted content and a
 * footer naming the step. When it is longer than GitHub takes, the content is cut at a block
 * boundary, its open tags are closed, and a note says so and where the rest is.
 */
export function buildCommentBody(input: CommentBodyInput): CommentBody {
  const limit = input.limit ?? COMMENT_LIMIT
  const redact = secretRedactor(input.secrets)
  const { workflow, job, step, key } = input.identity
  const marker = commentMarker({
    workflow: redact(workflow),
    job: redact(job),
    step: redact(step),
    key: key === undefined ? undefined : redact(key)
  })
  const code = (text: string): string => `<code>${escape(text)}</code>`
  const names = [`workflow ${code(workflow)}`, `job ${code(job)}`]
  if (key !== undefined) names.push(`key ${code(key)}`)
  const footer = redactHtml(
    neutraliseMentions(
      `<p><sub>Posted by ${names.join(', ')}; each run of this step updates this comment.</sub></p>`
    ),
    redact
  )
  const content = redactHtml(neutraliseMentions(input.content.trim()), redact)

  const assemble = (text: string): string => `${marker}\n${text}\n${footer}\n`
  const whole = assemble(content)
  if (whole.length <= limit) return { body: whole, marker }

  const where = input.runUrl
    ? `the job summary of <a href="${escape(input.runUrl)}">this workflow run</a>`
    : "this workflow run's job summary"
  const note = (shown: number): string =>
    `<p>⚠️ <strong>Shortened</strong>: the result is ${content.length.toLocaleString('en-US')} characters long and GitHub takes at most ${limit.toLocaleString('en-US')} in a comment, so only the first ${shown.toLocaleString('en-US')} are shown. The whole result is in ${where}.</p>`
  // The note's length depends on the numbers in it; reserve room for the longest they can be.
  const budget = limit - assemble('').length - note(content.length).length - 1
  const kept = cutHtml(content, Math.max(0, budget))
  const body = assemble(`${kept}\n${note(kept.length)}`)
  return { body, marker, shortened: { from: content.length, to: kept.length } }
}
