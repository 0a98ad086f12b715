// Shared value types of the definition stage. Everything here is plain data:
// the definition stage never prints; main.ts hands diagnostics to src/report/.

/** 1-based line and column, as GitHub annotations expect. */
export interface SourcePosition {
  line: number
  column: number
}

/** `notice`: worth knowing, not a problem (e.g. encrypted values a dry run without key could not check). */
export type Severity = 'error' | 'warning' | 'notice'

/** One problem found while reading, parsing or validating a definition. */
export interface Diagnostic {
  severity: Severity
  /** What is wrong and what to do; never contains a secret value. */
  message: string
  /** Workspace-relative file path; undefined for the inline `definition` input. */
  file?: string
  line?: number
  column?: number
  /** Dotted location inside the document, e.g. `gitops.repoUrl` (empty for the root). */
  path?: string
}

/** Where one definition came from. */
export interface DefinitionSource {
  /** Workspace-relative file path (forward slashes); undefined for the inline input. */
  file?: string
  /** 0-based index of the document inside its file (YAML `---` document or JSON array element). */
  index: number
  /** How many definitions the file holds (1 for a plain single-document file; 0 for a file that could not be loaded). */
  count: number
  /** Human label, e.g. `secrets/a.yaml`, `secrets/all.yaml (document 2)` or `input "definition"`. */
  label: string
  /** Set when the definition is an element of a top-level list (JSON array, YAML sequence). */
  listItem?: true
}

/** A path into a parsed document: object keys and array indexes. */
export type DocumentPath = readonly (string | number)[]

/** One parsed definition with a way back to its source text. */
export interface ParsedDocument {
  source: DefinitionSource
  /**
   * The parsed value. Objects are created so that keys such as `__proto__`
   * are own data properties: they never change a prototype.
   */
  value: unknown
  /**
   * Position of the key (`'key'`) or of the value (`'value'`, the default) at
   * `path`. Falls back to the nearest existing ancestor, so a missing property
   * points at its parent. Undefined only when nothing is known (inline input
   * still has positions: line/column inside the input text).
   */
  locate(path: DocumentPath, which?: 'key' | 'value'): SourcePosition | undefined
  /**
   * Paths set by action inputs (`applyOverrides`); diagnostics on them (or below them) name
   * the input instead of a file position. Absent for a document read straight from text.
   */
  overrides?: readonly OverriddenPath[]
  /**
   * Scalars read as a number, boolean or null whose JSON form (what is sent) is not the text
   * written in the file: `0123` (sent as `123`), `1.50`, `12345678901234567890`, `.inf`, `True`,
   * `~`. Validation reports them where they would be sent as something else.
   */
  changedScalars?: readonly ChangedScalar[]
  /** Set for a definition read from a SOPS file (see src/definition/sops/). */
  sops?: SopsState
}

/** A scalar whose value, as JSON, is written differently from its source text (see above). */
export interface ChangedScalar {
  /** Path inside the document. */
  path: DocumentPath
  /** The scalar as written, without tag or quotes (`0123`, `1.50`, `~`, `` for an empty value). */
  text: string
  /** What the parser made of it. */
  value: number | boolean | null
  /** The syntax it was written in, so a fix can be shown in the same syntax. */
  syntax: 'json' | 'yaml'
}

/** What a SOPS file's definition went through. */
export interface SopsState {
  /** Paths of the values the file keeps encrypted, by its own rules. */
  encrypted: readonly DocumentPath[]
  /**
   * True: those values were decrypted and hold their plaintext. False: no key was given (a
   * dry run); they still hold their ENC[…] text and were not checked.
   */
  decrypted: boolean
}

/** A path of a document whose value came from an action input rather than from the file. */
export interface OverriddenPath {
  path: DocumentPath
  /** The action input, e.g. `name` or `values-from-env`. */
  input: string
}
