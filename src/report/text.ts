// Text from outside the action (file names, keys, names, server messages) made inert before it
// reaches stdout, an annotation or the summary. The runner reads stdout line by line (\n, \r
// and \r\n all end a line) and takes a line as a workflow command when, after leading white
// space, it starts with `::`, or when it holds `##[name` anywhere (the legacy form). So no line
// break or other control character passes raw, and `##[` never reaches a log line whole.

// C0 and C1 controls, DEL, the Unicode line/paragraph separators, bidirectional overrides and
// isolates (which can make a line read differently from what it holds), and the BOM.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** One visible line: every unsafe character as a JSON-style escape, `##[` broken up. */
export function inert(text: string): string {
  return text
    .replace(UNSAFE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/##\[/g, '##\\[')
}

/** A whole log line built by the action: inert, and never read as a workflow command. */
export function logLine(text: string): string {
  const line = inert(text)
  // Our lines start with our own words; this guard keeps it so if one ever does not.
  return /^\s*::/.test(line) ? `\\${line.trimStart()}` : line
}
