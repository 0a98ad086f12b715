// The SOPS stage, loaded only when a run holds a SOPS file: checks each SOPS document, unwraps
// its data key with the given age identities, decrypts its values in memory by the file's own
// rules, verifies the MAC and hands on the plain definition (without the `sops` metadata). Pure
// apart from the age library: returns documents and diagnostics, never prints, never writes.
import {
  defineKey,
  formatPath,
  hasOwn,
  isPlainObject,
  safeClone,
  type PlainObject
} from '../internal.js'
import type { Diagnostic, DocumentPath, ParsedDocument, Severity } from '../types.js'
import { publicKeysOf, unwrapDataKey } from './age.js'
import { readTyped, macText, type SopsScalar } from './go-values.js'
import { readMetadata, type SopsMetadata } from './metadata.js'
import { METADATA_KEY, isDamagedSopsValue, isSopsValue } from './state.js'
import {
  additionalData,
  computeMac,
  decryptValue,
  leaves,
  looksEncrypted,
  parseEncrypted,
  shouldBeEncrypted,
  type Leaf,
  type MacInput
} from './tree.js'

export interface SopsOptions {
  /** age identities (AGE-SECRET-KEY-1…), already checked for their form by inputs.ts. */
  identities: readonly string[]
  /** Where they came from, for messages: `Input "sops-age-key"` or `SOPS_AGE_KEY`. */
  keySource: string
  dryRun: boolean
}

export interface SopsResult {
  /** The documents in order: SOPS ones decrypted (or, without a key, checked as far as they can be). */
  documents: ParsedDocument[]
  diagnostics: Diagnostic[]
}

/** Top-level definition fields that review should be able to read. */
const PUBLIC_FIELDS = ['name', 'type', 'description', 'gitops']

/** How one document refers to the other documents of its file. */
function fileKey(doc: ParsedDocument): string {
  return doc.source.file ?? doc.source.label
}

export async function openSopsDocuments(
  documents: readonly ParsedDocument[],
  options: SopsOptions
): Promise<SopsResult> {
  const diagnostics: Diagnostic[] = []
  const sopsDocs = documents.filter((d) => isSopsValue(d.value) || isDamagedSopsValue(d.value))
  // One definition per SOPS file: every document of a file with several is left out.
  const multi = new Set(
    sopsDocs.filter((d) => d.source.count > 1 || d.source.listItem).map(fileKey)
  )

  const hasKey = options.identities.length > 0
  const publicKeys = hasKey ? await publicKeysOf(options.identities) : []
  publicKeys.forEach((key, i) => {
    if (key !== undefined) return
    diagnostics.push({
      severity: 'error',
      message: `${options.keySource}: identity ${i + 1} is not a valid age identity (its checksum does not match: was it copied incompletely?); copy the whole AGE-SECRET-KEY-1… line again.`
    })
  })
  const usable = options.identities.filter((_, i) => publicKeys[i] !== undefined)
  const ownKeys = publicKeys.filter((k): k is string => k !== undefined)

  if (!hasKey && !options.dryRun) {
    const files = [...new Set(sopsDocs.map((d) => d.source.label))]
    diagnostics.push({
      severity: 'error',
      message: `Input "sops-age-key" is empty and SOPS_AGE_KEY is not set, but ${files.join(', ')} ${files.length === 1 ? 'is a SOPS file' : 'are SOPS files'}; pass the age key from a secret (sops-age-key: \${{ secrets.SOPS_AGE_KEY }}), or set dry-run: true to validate only what is in clear.`
    })
  }

  const out: ParsedDocument[] = []
  for (const doc of documents) {
    if (multi.has(fileKey(doc))) {
      if (isSopsValue(doc.value) || isDamagedSopsValue(doc.value)) {
        const message =
          doc.source.count > 1
            ? `this SOPS file holds ${doc.source.count} definitions; the action reads one definition per SOPS file: split it into one file per definition and encrypt each with sops`
            : 'this SOPS definition is an element of a list; the action reads one definition per SOPS file, as its top-level mapping: remove the list and encrypt the file again with sops'
        diagnostics.push(at(doc, 'error', [METADATA_KEY], message, 'key'))
      }
      continue
    }
    if (isDamagedSopsValue(doc.value)) {
      diagnostics.push(
        at(
          doc,
          'error',
          [METADATA_KEY],
          'the "sops" metadata lacks "mac" or "lastmodified", so this is not a complete SOPS file (was it edited by hand?); encrypt the definition again with sops',
          'key'
        )
      )
      continue
    }
    if (!isSopsValue(doc.value)) {
      out.push(doc)
      continue
    }
    const opened = await openOne(doc, {
      identities: usable,
      ownKeys,
      keySource: options.keySource,
      hasKey,
      dryRun: options.dryRun
    })
    diagnostics.push(...opened.diagnostics)
    if (opened.document !== undefined) out.push(opened.document)
  }
  return { documents: out, diagnostics }
}

function at(
  doc: ParsedDocument,
  severity: Severity,
  path: DocumentPath | undefined,
  message: string,
  which: 'key' | 'value' = 'value'
): Diagnostic {
  const position = path === undefined ? undefined : doc.locate(path, which)
  return {
    severity,
    message,
    ...(doc.source.file === undefined ? {} : { file: doc.source.file }),
    ...(position === undefined ? {} : { line: position.line, column: position.column }),
    ...(path === undefined ? {} : { path: formatPath(path) })
  }
}

interface OpenContext {
  identities: readonly string[]
  ownKeys: readonly string[]
  keySource: string
  hasKey: boolean
  dryRun: boolean
}

async function openOne(
  doc: ParsedDocument,
  context: OpenContext
): Promise<{ document?: ParsedDocument; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = []
  const root = doc.value as PlainObject
  const read = readMetadata(root[METADATA_KEY] as PlainObject)
  for (const problem of read.problems)
    diagnostics.push(at(doc, 'error', problem.path, problem.message))
  const metadata = read.metadata
  if (metadata === undefined) return { diagnostics }

  if (metadata.age.length === 0) {
    diagnostics.push(at(doc, 'error', [METADATA_KEY], noAgeRecipient(metadata), 'key'))
    return { diagnostics }
  }

  // Which values the file's rules encrypt, in sops's order (file order).
  const inOrder = leaves(root, (obj, path) => keysInFileOrder(doc, obj, path))
  const encrypted = inOrder.filter((leaf) => shouldBeEncrypted(leaf.path, metadata.rules))
  for (const leaf of encrypted) {
    const problem = formProblem(leaf)
    if (problem !== undefined) diagnostics.push(at(doc, 'error', leaf.path, problem))
  }
  const exposed = PUBLIC_FIELDS.filter((field) => encrypted.some((leaf) => leaf.path[0] === field))
  if (exposed.length > 0) {
    diagnostics.push(
      at(
        doc,
        'warning',
        [exposed[0] as string],
        `${exposed.join(', ')} ${exposed.length === 1 ? 'is' : 'are'} encrypted in this SOPS file: reviewers cannot read ${exposed.length === 1 ? 'it' : 'them'} and a dry run without the key cannot check ${exposed.length === 1 ? 'it' : 'them'} (and name and type are not secret: the log and summary show them); keep them readable with encrypted_regex: ^(values|files)$ in .sops.yaml (then encrypt the file again)`,
        'key'
      )
    )
  }
  for (const path of emptyValues(root)) {
    if (!shouldBeEncrypted(path, metadata.rules)) continue
    diagnostics.push(
      at(
        doc,
        'warning',
        path,
        `${formatPath(path)} is empty, and sops leaves an empty value in clear and outside its MAC, so nothing verifies it: it may have been added without sops. It is sent as written; remove it if it is not meant to be there, or give it a value with sops edit, which encrypts it and covers it by the MAC`
      )
    )
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics }

  const paths = encrypted.map((leaf) => leaf.path)
  if (!context.hasKey) {
    const hidden = encrypted.filter((leaf) => leaf.value !== '').length
    // Without a key a run that would send is refused once for all files (see above).
    if (context.dryRun)
      diagnostics.push(
        at(
          doc,
          'notice',
          undefined,
          `SOPS file read without an age key (sops-age-key / SOPS_AGE_KEY): only what is in clear was validated; its ${hidden} encrypted value${hidden === 1 ? ' was' : 's were'} not checked.`
        )
      )
    return {
      document: { ...withoutMetadata(doc), sops: { encrypted: paths, decrypted: false } },
      diagnostics
    }
  }
  if (context.identities.length === 0) return { diagnostics } // every identity was invalid: said once

  const unwrapped = await unwrapDataKey(metadata.age, context.identities, context.ownKeys)
  if (unwrapped.key === undefined) {
    const message =
      unwrapped.damaged !== undefined
        ? `the data key encrypted for ${unwrapped.damaged.recipient}, whose identity was given, could not be decrypted: this part of the SOPS metadata was changed after sops wrote it; restore the file from history or encrypt it again`
        : noMatchingKey(metadata, context)
    const path = unwrapped.damaged?.path ?? [METADATA_KEY]
    diagnostics.push(at(doc, 'error', path, message, unwrapped.damaged ? 'value' : 'key'))
    return { diagnostics }
  }
  const decrypted = decryptDocument(doc, metadata, inOrder, paths, unwrapped.key)
  return { ...decrypted, diagnostics: [...diagnostics, ...decrypted.diagnostics] }
}

function decryptDocument(
  doc: ParsedDocument,
  metadata: SopsMetadata,
  inOrder: readonly Leaf[],
  paths: readonly DocumentPath[],
  key: Uint8Array
): { document?: ParsedDocument; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const isEncrypted = new Set(paths)
  const macInputs: MacInput[] = []
  const plain = new Map<DocumentPath, SopsScalar>()
  for (const leaf of inOrder) {
    if (!isEncrypted.has(leaf.path)) {
      macInputs.push({ text: macText(leaf.value), encrypted: false })
      continue
    }
    // An empty string is left in clear by sops (there is nothing to hide) and hashed as such.
    if (leaf.value === '') {
      macInputs.push({ text: '', encrypted: true })
      continue
    }
    const parsed = parseEncrypted(leaf.value as string)
    const text = parsed && decryptValue(parsed, key, additionalData(leaf.path))
    if (parsed === undefined || text === undefined) {
      diagnostics.push(
        at(
          doc,
          'error',
          leaf.path,
          `the encrypted value of ${formatPath(leaf.path)} does not decrypt: its ENC[…] text was changed, or it was copied or moved from another key (sops binds each value to its place); restore it from history, or set it again with sops edit`
        )
      )
      continue
    }
    // The MAC covers the text sops's ToBytes gives a value, never its `type:` tag: anyone can
    // turn `type:str` into `type:int` on `4111111111111111` and the MAC still matches. Under
    // `secrets` (environment variables: text) a value is therefore sent as that authenticated
    // text, whatever its tag says; elsewhere the schema refuses a type the field cannot hold.
    const asText = leaf.path[0] === 'secrets'
    const typed = readTyped(text, parsed.type, { asText })
    if (!typed.ok) {
      diagnostics.push(
        at(
          doc,
          'error',
          leaf.path,
          `the decrypted value of ${formatPath(leaf.path)} has type:${parsed.type}, but ${typed.reason}`
        )
      )
      continue
    }
    plain.set(leaf.path, asText ? typed.macText : typed.value)
    macInputs.push({ text: typed.macText, encrypted: true })
  }
  if (diagnostics.length > 0) return { diagnostics }

  const stored = parseEncrypted(metadata.mac)
  const storedMac =
    stored !== undefined && stored.type === 'str'
      ? decryptValue(stored, key, metadata.lastModified)
      : undefined
  if (
    storedMac === undefined ||
    storedMac !== computeMac(macInputs, metadata.rules.macOnlyEncrypted)
  ) {
    diagnostics.push(
      at(
        doc,
        'error',
        undefined,
        'the SOPS MAC does not match this file: a value, encrypted or in clear (such as name), was changed, added, removed or moved to another place in the file after sops encrypted it. Nothing is sent. Make changes with sops edit, which updates the MAC, or restore the file from history. (The MAC covers every non-empty value in file order; it does not cover the names of clear keys, type: tags or empty values.)'
      )
    )
    return { diagnostics }
  }

  const value = withoutMetadata(doc).value as PlainObject
  for (const [path, decrypted] of plain) setAt(value, path, decrypted)
  return {
    document: { ...withoutMetadata(doc), value, sops: { encrypted: paths, decrypted: true } },
    diagnostics
  }
}

/**
 * Empty strings and nulls (the top-level `sops` key left out): sops encrypts neither and hashes
 * nothing for them, so the MAC cannot tell whether they were there when it was computed.
 */
function emptyValues(root: PlainObject): DocumentPath[] {
  const found: DocumentPath[] = []
  const visit = (value: unknown, path: DocumentPath, depth: number): void => {
    if (depth > 64) return
    if (value === '' || value === null) found.push(path)
    else if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, i], depth + 1))
    else if (isPlainObject(value)) {
      for (const key of Object.keys(value)) {
        if (path.length === 0 && key === METADATA_KEY) continue
        visit(value[key], [...path, key], depth + 1)
      }
    }
  }
  visit(root, [], 0)
  return found
}

/** The form checks that need no key: every value the rules encrypt must be an ENC[…] value. */
function formProblem(leaf: Leaf): string | undefined {
  const { value, path } = leaf
  if (value === '') return undefined
  if (!looksEncrypted(value)) {
    return `${formatPath(path)} is in clear, but this SOPS file's rules encrypt it (was it added by hand?); add or change values with sops edit or sops set, so they are encrypted and covered by the MAC`
  }
  if (parseEncrypted(value) === undefined) {
    return `${formatPath(path)} is not a well-formed sops encrypted value (ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]); restore it from history, or set it again with sops edit`
  }
  return undefined
}

function noAgeRecipient(metadata: SopsMetadata): string {
  const how =
    'add an age recipient: put its public key (age1…) in .sops.yaml and run sops updatekeys FILE, or run sops -r -i --add-age age1… FILE'
  if (metadata.otherKinds.length === 0) {
    return `the SOPS file has no recipients, so nothing can decrypt its data key; ${how}`
  }
  return `the SOPS file is encrypted only for ${metadata.otherKinds.join(', ')}; this action supports only age recipients: ${how}`
}

function noMatchingKey(metadata: SopsMetadata, context: OpenContext): string {
  const recipients = metadata.age.map((r) => r.recipient).join(', ')
  const given = context.ownKeys.join(', ')
  return (
    `no given age identity opens this SOPS file: it is encrypted for ${recipients}, and ${context.keySource} holds the identities of ${given}. ` +
    'Pass the key of one of its recipients, or add yours to the file (sops -r -i --add-age age1… FILE, run by someone who can decrypt it)'
  )
}

/** A copy of the document's value without the `sops` key: metadata is never sent. */
function withoutMetadata(doc: ParsedDocument): ParsedDocument {
  const copy: PlainObject = {}
  const root = doc.value as PlainObject
  for (const key of Object.keys(root)) {
    if (key !== METADATA_KEY) defineKey(copy, key, safeClone(root[key]))
  }
  return { ...doc, value: copy }
}

function setAt(root: PlainObject, path: DocumentPath, value: unknown): void {
  let current: unknown = root
  for (let i = 0; i < path.length - 1; i++) {
    const part = path[i] as string | number
    current = Array.isArray(current)
      ? current[part as number]
      : isPlainObject(current) && hasOwn(current, part as string)
        ? current[part as string]
        : undefined
  }
  const last = path[path.length - 1] as string | number
  if (Array.isArray(current)) current[last as number] = value
  else if (isPlainObject(current)) defineKey(current, last as string, value)
}

/** A mapping's keys in the order they appear in the file (what sops hashes in). */
function keysInFileOrder(doc: ParsedDocument, obj: PlainObject, path: DocumentPath): string[] {
  const keys = Object.keys(obj)
  const position = keys.map((key) => doc.locate([...path, key], 'key'))
  return keys
    .map((key, i) => ({ key, i, at: position[i] }))
    .sort((a, b) => {
      if (a.at === undefined || b.at === undefined) return a.i - b.i
      return a.at.line - b.at.line || a.at.column - b.at.column || a.i - b.i
    })
    .map((entry) => entry.key)
}
