// Static extraction of the messages the action can show a user, for the test that keeps
// README's Troubleshooting section complete. Reads src/ with the TypeScript compiler API;
// nothing is run.
//
// Sinks (where a message enters the output):
// - an argument passed to a parameter named `message`: core.error/warning/notice, fail(),
//   new NorthflankError(), new Error(), configError(), inputError(), refuse(), diag(), at(),
//   report.add(), the YAML builder's fail()/error() … (calls to `info` and `debug` are logs,
//   not messages, and are skipped);
// - `problems.push(…)` (the InputError list);
// - object properties named `message`, `error` or `notSent` (Diagnostic, NetFailure,
//   DefinitionResult, RunReport).
//
// A sink's expression is resolved into templates: static text with wildcards for what is only
// known at run time. Literals, template literals, `+`, `?:`, `??`/`||`, constants (also imported
// ones), `let` variables (every assignment), lookups in constant tables, `[…].join()`, and calls
// to functions declared in src/ (their return values) are followed. Inside a template or a `+`,
// a constant string is spliced in; anything with several possible values (a conditional, a call,
// a table lookup) becomes a wildcard, and its values are recorded as separate `part`s, so the
// sentences that helpers add (hints, "Failed after …") are checked too.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

export const WILDCARD = Symbol('wildcard')
export type Piece = string | typeof WILDCARD
type Template = Piece[]

export interface ExtractedMessage {
  /** `message`: what a sink receives; `part`: a value spliced into a message by a wildcard. */
  kind: 'message' | 'part'
  pieces: Piece[]
  /** The static text with `…` for every wildcard, whitespace collapsed. */
  text: string
  /** The longest static fragment, normalised (see `normalise`). */
  longest: string
  /** `src/file.ts:line` of the sink (or of the expression a part came from). */
  where: string
}

const MESSAGE_PARAMETERS = new Set(['message'])
const MESSAGE_PROPERTIES = new Set(['message', 'error', 'notSent'])
/** Callees whose `message` is a log line, not something a user has to act on. */
const LOG_CALLEES = new Set(['info', 'debug'])
/**
 * Functions in src/ that format a value shown inside a message (a quoted value, a path, a
 * duration, an HTTP reason phrase, a kind of value, a place in a file): a wildcard, like any
 * other run-time value, not a sentence to document.
 */
export const FORMATTERS = new Set([
  'quote',
  'formatPath',
  'formatDuration',
  'formatSeconds',
  'statusText',
  'describe',
  'kindOf',
  'place'
])

/** Comparable form of README text and of fragments: no backticks, `\|` unescaped, one space. */
export function normalise(text: string): string {
  return text.replace(/`/g, '').replace(/\\\|/g, '|').replace(/\s+/g, ' ').trim()
}

/** The README text between `<!-- troubleshooting:start -->` and `<!-- troubleshooting:end -->`. */
export function troubleshootingSection(readme: string): string {
  const start = readme.indexOf('<!-- troubleshooting:start -->')
  const end = readme.indexOf('<!-- troubleshooting:end -->')
  if (start === -1 || end < start) throw new Error('README has no troubleshooting markers')
  return readme.slice(start, end)
}

/** Every .ts file under `dir`, except declarations and generated code. */
export function sourceFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') found.push(...sourceFiles(full))
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(full)
  }
  return found.sort()
}

/** Compiler options from the project's tsconfig.json (type information resolves `message`). */
export function projectOptions(root: string): ts.CompilerOptions {
  const configPath = path.join(root, 'tsconfig.json')
  const read = ts.readConfigFile(configPath, (p) => readFileSync(p, 'utf8'))
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root)
  return { ...parsed.options, noEmit: true }
}

function display(pieces: readonly Piece[]): string {
  return pieces
    .map((p) => (p === WILDCARD ? '…' : p))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
}

export function longestFragment(pieces: readonly Piece[]): string {
  const fragments: string[] = []
  let current = ''
  for (const piece of pieces) {
    if (piece === WILDCARD) {
      fragments.push(current)
      current = ''
    } else current += piece
  }
  fragments.push(current)
  return fragments.map(normalise).reduce((a, b) => (b.length > a.length ? b : a), '')
}

function unwrap(node: ts.Expression): ts.Expression {
  let e = node
  for (;;) {
    if (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isNonNullExpression(e) ||
      ts.isSatisfiesExpression(e) ||
      ts.isTypeAssertionExpression(e)
    ) {
      e = e.expression
    } else return e
  }
}

function concat(...parts: Template[]): Template {
  return parts.flat()
}

class Extractor {
  private readonly checker: ts.TypeChecker
  readonly found = new Map<string, ExtractedMessage>()

  constructor(
    private readonly program: ts.Program,
    private readonly root: string,
    private readonly files: ReadonlySet<string>
  ) {
    this.checker = program.getTypeChecker()
  }

  run(): ExtractedMessage[] {
    for (const file of this.program.getSourceFiles()) {
      if (this.files.has(path.resolve(file.fileName))) this.visit(file)
    }
    return [...this.found.values()]
  }

  /** Text as written: a literal, a template literal, or a string concatenation. */
  private isStatic(e: ts.Expression): boolean {
    return (
      ts.isStringLiteral(e) ||
      ts.isNoSubstitutionTemplateLiteral(e) ||
      ts.isNumericLiteral(e) ||
      ts.isTemplateExpression(e) ||
      this.isConcatenation(e)
    )
  }

  private isConcatenation(e: ts.Expression): e is ts.BinaryExpression {
    return (
      ts.isBinaryExpression(e) &&
      e.operatorToken.kind === ts.SyntaxKind.PlusToken &&
      (this.checker.getTypeAtLocation(e).flags & ts.TypeFlags.StringLike) !== 0
    )
  }

  private where(node: ts.Node): string {
    const file = node.getSourceFile()
    const { line } = file.getLineAndCharacterOfPosition(node.getStart())
    return `${path.relative(this.root, file.fileName).split(path.sep).join('/')}:${line + 1}`
  }

  /** Where each template's text is written (sinks may be far from it, e.g. via a helper). */
  private readonly origins = new WeakMap<Template, ts.Node>()

  private written(template: Template, node: ts.Node): Template {
    this.origins.set(template, node)
    return template
  }

  private record(kind: ExtractedMessage['kind'], templates: Template[], node: ts.Node): void {
    for (const pieces of templates) {
      const text = display(pieces)
      const key = `${kind}\u0000${text}`
      if (this.found.has(key)) continue
      const where = this.where(this.origins.get(pieces) ?? node)
      this.found.set(key, { kind, pieces, text, longest: longestFragment(pieces), where })
    }
  }

  private sink(expression: ts.Expression): void {
    this.record('message', this.resolve(expression, new Set()), expression)
  }

  private visit(node: ts.Node): void {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) this.visitCall(node)
    if (ts.isPropertyAssignment(node) && MESSAGE_PROPERTIES.has(node.name.getText())) {
      this.sink(node.initializer)
    }
    if (ts.isShorthandPropertyAssignment(node) && MESSAGE_PROPERTIES.has(node.name.text)) {
      // `{ message }`: the value is the variable of that name, not the property.
      const symbol = this.checker.getShorthandAssignmentValueSymbol(node)
      const declaration = symbol?.valueDeclaration
      const values: Template[] =
        declaration !== undefined && this.inProject(declaration)
          ? this.resolveDeclaration(declaration, new Set())
          : [[WILDCARD]]
      this.record('message', values, node)
    }
    ts.forEachChild(node, (child) => this.visit(child))
  }

  private visitCall(node: ts.CallExpression | ts.NewExpression): void {
    const args = node.arguments ?? []
    if (args.length === 0) return
    const callee = node.expression
    const name = ts.isPropertyAccessExpression(callee)
      ? callee.name.text
      : ts.isIdentifier(callee)
        ? callee.text
        : undefined
    if (name !== undefined && LOG_CALLEES.has(name)) return
    if (
      name === 'push' &&
      ts.isPropertyAccessExpression(callee) &&
      callee.expression.getText() === 'problems'
    ) {
      for (const arg of args) this.sink(arg)
      return
    }
    const signature = this.checker.getResolvedSignature(node)
    const parameters = signature?.getParameters() ?? []
    args.forEach((arg, i) => {
      const parameter = parameters[i]
      if (parameter !== undefined && MESSAGE_PARAMETERS.has(parameter.name)) this.sink(arg)
    })
  }

  private declarationOf(node: ts.Node): ts.Declaration | undefined {
    let symbol = this.checker.getSymbolAtLocation(node)
    if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) {
      symbol = this.checker.getAliasedSymbol(symbol)
    }
    return symbol?.valueDeclaration ?? symbol?.declarations?.[0]
  }

  private inProject(node: ts.Node): boolean {
    return this.files.has(path.resolve(node.getSourceFile().fileName))
  }

  /** Every value `expression` can have, as templates. */
  private resolve(node: ts.Expression, seen: Set<ts.Node>): Template[] {
    const e = unwrap(node)
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
      return [this.written([e.text], e)]
    }
    if (ts.isNumericLiteral(e)) return [[String(Number(e.text.replace(/_/g, '')))]]
    if (ts.isTemplateExpression(e) || ts.isBinaryExpression(e)) {
      if (this.isStatic(e)) return [this.written(this.inline(e, seen), e)]
      const op = (e as ts.BinaryExpression).operatorToken.kind
      if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
        const b = e as ts.BinaryExpression
        return [...this.resolve(b.left, seen), ...this.resolve(b.right, seen)]
      }
      return [[WILDCARD]]
    }
    if (ts.isConditionalExpression(e)) {
      return [...this.resolve(e.whenTrue, seen), ...this.resolve(e.whenFalse, seen)]
    }
    if (ts.isIdentifier(e)) return this.resolveIdentifier(e, seen)
    if (ts.isElementAccessExpression(e)) return this.resolveLookup(e, seen)
    if (ts.isCallExpression(e)) return this.resolveCall(e, seen)
    return [[WILDCARD]]
  }

  /** One template for a position inside a template literal or `+`. */
  private inline(node: ts.Expression, seen: Set<ts.Node>): Template {
    const e = unwrap(node)
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text]
    if (ts.isNumericLiteral(e)) return [String(Number(e.text.replace(/_/g, '')))]
    if (ts.isTemplateExpression(e)) {
      return concat(
        [e.head.text],
        ...e.templateSpans.map((span) =>
          concat(this.inline(span.expression, seen), [span.literal.text])
        )
      )
    }
    if (this.isConcatenation(e)) {
      return concat(this.inline(e.left, seen), this.inline(e.right, seen))
    }
    if (ts.isIdentifier(e)) {
      const declaration = this.declarationOf(e)
      if (
        declaration !== undefined &&
        ts.isVariableDeclaration(declaration) &&
        declaration.initializer !== undefined &&
        ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const &&
        this.isStatic(unwrap(declaration.initializer)) &&
        !seen.has(declaration)
      ) {
        // A constant string (NAME_RULE, MAX_DEPTH …) is part of the message as written.
        return this.inline(declaration.initializer, new Set([...seen, declaration]))
      }
    }
    // Several possible values: a wildcard here, each value checked on its own.
    const values = this.resolve(e, seen)
    if (values.some((t) => t.some((p) => p !== WILDCARD))) this.record('part', values, e)
    return [WILDCARD]
  }

  private resolveIdentifier(e: ts.Identifier, seen: Set<ts.Node>): Template[] {
    const declaration = this.declarationOf(e)
    if (declaration === undefined || !this.inProject(declaration)) return [[WILDCARD]]
    return this.resolveDeclaration(declaration, seen)
  }

  private resolveDeclaration(declaration: ts.Declaration, seen: Set<ts.Node>): Template[] {
    if (seen.has(declaration)) return [[WILDCARD]]
    if (!ts.isVariableDeclaration(declaration) || declaration.initializer === undefined) {
      return [[WILDCARD]] // a parameter: the message comes from the caller
    }
    const inner = new Set([...seen, declaration])
    const values = this.resolve(declaration.initializer, inner)
    if (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) return values
    // `let`: every assignment is a possible value (`+=` adds a clause: checked on its own).
    const symbol = this.checker.getSymbolAtLocation(declaration.name)
    const scope = declaration.parent.parent.parent
    const walk = (node: ts.Node): void => {
      if (
        ts.isBinaryExpression(node) &&
        (node.operatorToken.kind === ts.SyntaxKind.EqualsToken ||
          node.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) &&
        ts.isIdentifier(node.left) &&
        this.checker.getSymbolAtLocation(node.left) === symbol
      ) {
        values.push(...this.resolve(node.right, inner))
      }
      ts.forEachChild(node, walk)
    }
    walk(scope)
    return values
  }

  /** `TABLE[key]` on a constant object literal: every value of the table. */
  private resolveLookup(e: ts.ElementAccessExpression, seen: Set<ts.Node>): Template[] {
    const target = unwrap(e.expression)
    const declaration = ts.isIdentifier(target) ? this.declarationOf(target) : undefined
    if (
      declaration === undefined ||
      !ts.isVariableDeclaration(declaration) ||
      declaration.initializer === undefined ||
      !ts.isObjectLiteralExpression(unwrap(declaration.initializer))
    ) {
      return [[WILDCARD]]
    }
    const table = unwrap(declaration.initializer) as ts.ObjectLiteralExpression
    const values: Template[] = []
    for (const property of table.properties) {
      if (ts.isPropertyAssignment(property))
        values.push(...this.resolve(property.initializer, seen))
    }
    return values.length > 0 ? values : [[WILDCARD]]
  }

  /** Elements of an array literal (also through a constant or `.filter(…)`), or undefined. */
  private arrayElements(node: ts.Expression): ts.Expression[] | undefined {
    const e = unwrap(node)
    if (ts.isArrayLiteralExpression(e)) return e.elements.filter((x) => !ts.isSpreadElement(x))
    if (
      ts.isCallExpression(e) &&
      ts.isPropertyAccessExpression(e.expression) &&
      e.expression.name.text === 'filter'
    ) {
      return this.arrayElements(e.expression.expression)
    }
    if (ts.isIdentifier(e)) {
      const declaration = this.declarationOf(e)
      if (
        declaration !== undefined &&
        ts.isVariableDeclaration(declaration) &&
        declaration.initializer !== undefined
      ) {
        return this.arrayElements(declaration.initializer)
      }
    }
    return undefined
  }

  private resolveCall(e: ts.CallExpression, seen: Set<ts.Node>): Template[] {
    const callee = e.expression
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'join') {
      // `[sentence, hint, trail].filter(…).join(' ')`: each element is checked on its own.
      const elements = this.arrayElements(callee.expression)
      if (elements === undefined) return [[WILDCARD]]
      return elements.flatMap((element) => this.resolve(element, seen))
    }
    const declaration = this.declarationOf(callee)
    if (
      declaration === undefined ||
      seen.has(declaration) ||
      !this.inProject(declaration) ||
      FORMATTERS.has(ts.getNameOfDeclaration(declaration)?.getText() ?? '') ||
      !(ts.isFunctionLike(declaration) && 'body' in declaration && declaration.body)
    ) {
      return [[WILDCARD]]
    }
    const body = declaration.body as ts.Node
    const inner = new Set([...seen, declaration])
    if (!ts.isBlock(body)) return this.resolve(body as ts.Expression, inner)
    const values: Template[] = []
    const walk = (node: ts.Node): void => {
      if (ts.isReturnStatement(node) && node.expression !== undefined) {
        values.push(...this.resolve(node.expression, inner))
      }
      // Returns of nested functions are not this function's.
      if (!ts.isFunctionLike(node)) ts.forEachChild(node, walk)
    }
    ts.forEachChild(body, walk)
    return values.length > 0 ? values : [[WILDCARD]]
  }
}

/**
 * Every message (and message part) the given files can produce. `root` is the directory the
 * `where` paths are relative to; `options` default to a plain ES2022 setup.
 */
export function extractMessages(
  fileNames: string[],
  root: string,
  options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: []
  }
): ExtractedMessage[] {
  const program = ts.createProgram(fileNames, options)
  const files = new Set(fileNames.map((f) => path.resolve(f)))
  return new Extractor(program, root, files).run()
}

/** How one message fares against a Troubleshooting section. */
export type Verdict = 'listed' | 'missing' | 'short' | 'no-text'

/**
 * `no-text`: only wildcards and punctuation (a forwarder such as `core.error(problem)`);
 * `short`: static text under `minLength` characters (parts: placeholders, not checked);
 * otherwise `listed` or `missing` depending on whether the longest fragment is in `section`.
 */
export function verdict(
  message: ExtractedMessage,
  normalisedSection: string,
  minLength = 12
): Verdict {
  if (!/[A-Za-z]/.test(message.longest)) return 'no-text'
  if (message.longest.length < minLength) return 'short'
  return normalisedSection.includes(message.longest) ? 'listed' : 'missing'
}
