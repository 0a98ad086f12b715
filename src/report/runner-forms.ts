// The forms the runner derives from every value registered with `::add-mask::` and masks beside
// it (actions/runner: HostContext registers these ValueEncoders with its SecretMasker). One list,
// used by the masking policy (mask.ts: a value is registered only when none of its forms hides
// public text) and by the runner emulation (tools/run-action.ts masks them all), so the two
// cannot drift.

/** One derived form, and a description of it that never shows the value. */
export interface RunnerForm {
  form: string
  /** E.g. `the part after its last &`; for a warning that names the form, not the value. */
  what: string
}

const XML_ESCAPES: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '&': '&amp;'
}

/** PowerShellPreAmpersandEscape / PowerShellPostAmpersandEscape: a section of 6+ characters. */
function powerShellSection(value: string, post: boolean): RunnerForm | undefined {
  if (!value.includes('&')) return undefined
  let section: string
  let what: string
  if (value.includes('&+')) {
    const at = value.indexOf('&+') + 2
    section = post ? (value.length > at + 1 ? value.slice(at + 1) : '') : value.slice(0, at)
    what = post ? 'the part after its first &+ (less one character)' : 'the part up to its first &+'
  } else {
    const at = value.lastIndexOf('&') + 1
    section = post ? value.slice(at) : value.slice(0, at)
    what = post ? 'the part after its last &' : 'the part up to its last &'
  }
  return section.length >= 6 ? { form: section, what } : undefined
}

/**
 * Every form the runner derives from `value` and masks too (the value itself not included;
 * empty forms left out, as the runner skips them). Forms equal to the value are kept: callers
 * that only want the extra ones compare.
 */
export function runnerForms(value: string): RunnerForm[] {
  const bytes = Buffer.from(value, 'utf8')
  const base64 = (shift: number): string =>
    (bytes.length > shift ? bytes.subarray(shift) : bytes).toString('base64')
  const forms: (RunnerForm | undefined)[] = [
    { form: base64(0), what: 'its base64 form' }, // Base64StringEscape
    { form: base64(1), what: 'its base64 form from the second byte' }, // Base64StringEscapeShift1
    { form: base64(2), what: 'its base64 form from the third byte' }, // Base64StringEscapeShift2
    { form: value.replace(/"/g, '\\"'), what: 'its form with " escaped' }, // CommandLineArgumentEscape
    { form: value.replace(/'/g, "''"), what: "its form with ' doubled" }, // ExpressionStringEscape
    { form: JSON.stringify(value).slice(1, -1), what: 'its JSON-escaped form' }, // JsonStringEscape
    {
      // UriDataEscape (Uri.EscapeDataString keeps only RFC 3986 unreserved characters)
      form: encodeURIComponent(value).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
      ),
      what: 'its URI-escaped form'
    },
    { form: value.replace(/[<>"'&]/g, (c) => XML_ESCAPES[c]!), what: 'its XML-escaped form' }, // XmlDataEscape
    value.length > 8 && value.startsWith('"') && value.endsWith('"')
      ? { form: value.slice(1, -1), what: 'the part inside its double quotes' } // TrimDoubleQuotes
      : undefined,
    powerShellSection(value, false),
    powerShellSection(value, true)
  ]
  return forms.filter((f): f is RunnerForm => f !== undefined && f.form !== '')
}

/** The strings of runnerForms(value). */
export function encodedForms(value: string): string[] {
  return runnerForms(value).map((f) => f.form)
}
