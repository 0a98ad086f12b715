// Renders the job summary's HTML as terminal text, so the demo shows what a
// person would read on the run page without a browser.
const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: ' ' }

function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&(\w+);/g, (m, name: string) => ENTITY[name] ?? m)
}

function stripTags(html: string): string {
  // A line break inside a table cell (the changed paths) reads as a comma on one line.
  return decode(html.replace(/<br\s*\/?>/g, ', ').replace(/<[^>]+>/g, '')).trim()
}

function renderTable(html: string): string {
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => stripTags(cell[1]!))
  )
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)))
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join(' | ') + ' |'
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|'
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n')
}

export function renderSummary(html: string): string {
  const blocks: string[] = []
  const pattern =
    /<h(\d)>([\s\S]*?)<\/h\1>|<table>([\s\S]*?)<\/table>|<ul>([\s\S]*?)<\/ul>|<p>([\s\S]*?)<\/p>/g
  for (const match of html.matchAll(pattern)) {
    if (match[1]) blocks.push(`${'#'.repeat(Number(match[1]))} ${stripTags(match[2]!)}`)
    else if (match[3] !== undefined) blocks.push(renderTable(match[3]))
    else if (match[4] !== undefined) {
      blocks.push(
        [...match[4].matchAll(/<li>([\s\S]*?)<\/li>/g)]
          .map((li) => `- ${stripTags(li[1]!)}`)
          .join('\n')
      )
    } else blocks.push(stripTags(match[5]!))
  }
  return blocks.join('\n\n')
}
