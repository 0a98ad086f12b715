// The pull-request comment's text: marker, redaction in every spelling, safe shortening.
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  buildCommentBody,
  commentMarker,
  cutHtml,
  isOurComment,
  neutraliseMentions,
  redactHtml,
  secretRedactor
} from '../../src/report/comment-body.js'
import { escape } from '../../src/report/summary.js'

const IDENTITY = { workflow: 'Secrets plan', job: 'plan', step: '__acme_action' }

describe('commentMarker', () => {
  it('names workflow, job, step and the optional key, percent-encoded', () => {
    expect(commentMarker(IDENTITY)).toBe(
      '<!-- northflank-global-secret-action:comment workflow=Secrets%20plan job=plan step=__acme_action -->'
    )
    expect(commentMarker({ ...IDENTITY, key: 'eu west' })).toMatch(/ key=eu%20west -->$/)
  })

  it('cannot be ended early, and different identities never share a marker', () => {
    fc.assert(
      fc.property(
        fc.record({ workflow: fc.string(), job: fc.string(), step: fc.string() }),
        fc.record({ workflow: fc.string(), job: fc.string(), step: fc.string() }),
        fc.option(fc.string(), { nil: undefined }),
        (a, b, key) => {
          const marker = commentMarker({ ...a, key })
          expect(marker.indexOf('-->')).toBe(marker.length - 3)
          expect(marker).not.toMatch(/[\r\n]/)
          const same = a.workflow === b.workflow && a.job === b.job && a.step === b.step
          expect(commentMarker({ ...b, key }) === marker).toBe(same)
        }
      )
    )
  })

  it('a comment is ours only when the marker is its whole first line', () => {
    const marker = commentMarker(IDENTITY)
    expect(isOurComment(`${marker}\nbody`, marker)).toBe(true)
    expect(isOurComment(marker, marker)).toBe(true)
    expect(isOurComment(`quoted: ${marker}\n`, marker)).toBe(false)
    expect(isOurComment(`${marker.replace(' -->', ' key=x -->')}\nbody`, marker)).toBe(false)
    expect(isOurComment(null, marker)).toBe(false)
  })
})

describe('secretRedactor', () => {
  it('removes a value as written, as HTML character references, Markdown escapes, percent- and base64-encoded', () => {
    const value = 'p&ss<w@rd>'
    const redact = secretRedactor([value])
    const spellings = [
      value,
      escape(value),
      'p&amp;ss&lt;w&#64;rd&gt;',
      'p&#x26;ss&#X3C;w&#x40;rd&#x3e;',
      'p&#0038;ss\\<w\\@rd\\>',
      encodeURIComponent(value),
      Buffer.from(value).toString('base64')
    ]
    for (const spelling of spellings) expect(redact(`[${spelling}]`)).toBe('[***]')
  })

  it('removes a longer value whole even when it contains a shorter one', () => {
    expect(secretRedactor(['abc', 'xxabcxx'])('-xxabcxx-abc-')).toBe('-***-***-')
  })

  it('leaves text alone when nothing is registered, and ignores blank values', () => {
    expect(secretRedactor([])('a b')).toBe('a b')
    expect(secretRedactor(['', '  '])('a  b')).toBe('a  b')
  })

  it('handles characters outside the BMP and regular-expression syntax', () => {
    const redact = secretRedactor(['🔑(.*)+?', 'a|b'])
    expect(redact('x 🔑(.*)+? y &#128273;(.*)+? a|b ab')).toBe('x *** y *** *** ab')
  })

  it('every registered string is gone from any text that holds it, escaped or not (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.string(),
        (secret, before, after) => {
          // `*` is what a redaction leaves behind, so it is no test of a leak.
          fc.pre(secret.trim() !== '' && !secret.includes('*'))
          const redact = secretRedactor([secret])
          expect(redact(before + secret + after)).not.toContain(secret)
          const escaped = escape(before) + escape(secret) + escape(after)
          expect(redact(escaped)).not.toContain(escape(secret))
        }
      )
    )
  })
})

describe('redactHtml', () => {
  it('redacts text and quoted attribute values, never tag names', () => {
    const redact = secretRedactor(['td', 'https://leak.example'])
    expect(redactHtml('<td><a href="https://leak.example/x">td</a></td>', redact)).toBe(
      '<td><a href="***/x">***</a></td>'
    )
  })
})

describe('neutraliseMentions', () => {
  it('spells @ in text as a character reference, leaving tags alone', () => {
    expect(neutraliseMentions('<a href="https://x/@y">@octocat</a> @org/team')).toBe(
      '<a href="https://x/@y">&#64;octocat</a> &#64;org/team'
    )
  })
})

describe('cutHtml', () => {
  const table = `<h2>T</h2>\n<table><tr><th>a</th></tr>${'<tr><td>row</td></tr>'.repeat(50)}</table>\n<p>end</p>\n`

  it('keeps what fits whole', () => {
    expect(cutHtml(table, table.length)).toBe(table)
  })

  it('cuts after a whole row and closes the table, within the budget', () => {
    for (const budget of [60, 100, 333, 700]) {
      const cut = cutHtml(table, budget)
      expect(cut.length).toBeLessThanOrEqual(budget)
      expect(cut).toMatch(/<\/tr><\/table>$/)
      expect(cut.match(/<tr>/g)?.length).toBe(cut.match(/<\/tr>/g)?.length)
    }
  })

  it('returns nothing rather than broken markup when no boundary fits', () => {
    expect(cutHtml('<p>one long paragraph</p>', 10)).toBe('')
  })
})

describe('buildCommentBody', () => {
  it('puts the marker first and the footer last, and redacts the identity too', () => {
    const { body, marker, shortened } = buildCommentBody({
      content: '<h2>Result</h2>\n<p>ok</p>\n',
      identity: { ...IDENTITY, workflow: 'Plan tok-123' },
      secrets: ['tok-123']
    })
    expect(body.split('\n')[0]).toBe(marker)
    expect(marker).toContain('workflow=Plan%20***')
    expect(body).not.toContain('tok-123')
    expect(body).toMatch(
      /Posted by workflow <code>Plan \*\*\*<\/code>, job <code>plan<\/code>; each run/
    )
    expect(shortened).toBeUndefined()
  })

  it('escapes names it adds itself', () => {
    const { body } = buildCommentBody({
      content: '',
      identity: { workflow: '<img src=x>', job: 'j', step: 's', key: '@team' },
      secrets: []
    })
    expect(body).not.toContain('<img')
    expect(body).toContain('key <code>&#64;team</code>')
  })

  it('stays within the limit, says how much is shown and where the rest is', () => {
    const content = `<table>${'<tr><td>a row of the result</td></tr>\n'.repeat(400)}</table>`
    const { body, shortened } = buildCommentBody({
      content,
      identity: IDENTITY,
      secrets: [],
      runUrl: 'https://github.com/acme/x/actions/runs/1',
      limit: 4_000
    })
    expect(body.length).toBeLessThanOrEqual(4_000)
    expect(body.length).toBeGreaterThan(3_500)
    expect(shortened?.from).toBe(content.length)
    expect(body).toContain(`only the first ${shortened?.to.toLocaleString('en-US')} are shown`)
    expect(body).toContain(
      '<a href="https://github.com/acme/x/actions/runs/1">this workflow run</a>'
    )
    expect(body.match(/<\/table>/g)).toHaveLength(1)
  })
})
