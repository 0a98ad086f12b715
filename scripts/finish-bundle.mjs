// Finishes what `ncc build -m` leaves undone, deterministically (CI rebuilds
// dist/ and diffs it):
// 1. ncc minifies only dist/index.js; the lazily loaded chunks (one per
//    dynamic import) come out unminified, so they are minified here.
// 2. ncc's --license writes one licenses.txt per chunk, each overwriting the
//    last; here one dist/licenses.txt lists every third-party package that the
//    bundle really contains, read from ncc's module stats.
import { readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs'
import path from 'node:path'
import { minify } from 'terser'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const dist = path.join(root, 'dist')
const statsFile = process.argv[2]
if (!statsFile) throw new Error('usage: node scripts/finish-bundle.mjs <ncc stats json>')

for (const name of readdirSync(dist)
  .filter((f) => /^\d+\.index\.js$/.test(f))
  .sort()) {
  const file = path.join(dist, name)
  const result = await minify(readFileSync(file, 'utf8'), {
    module: true,
    compress: { passes: 1 },
    mangle: true,
    format: { comments: false }
  })
  writeFileSync(file, result.code + '\n')
}

// Package directories of every bundled module, e.g. node_modules/@actions/core.
const stats = JSON.parse(readFileSync(statsFile, 'utf8'))
const names = new Set()
const visit = (module) => {
  const id = `${module.name ?? ''} ${module.identifier ?? ''}`
  for (const m of id.matchAll(/node_modules\/((?:@[^/]+\/)?[^/\s!]+)/g)) names.add(m[1])
  for (const inner of module.modules ?? []) visit(inner)
}
for (const module of stats.modules ?? []) visit(module)
for (const chunk of stats.chunks ?? []) for (const module of chunk.modules ?? []) visit(module)

const LICENSE_FILES = /^(licen[cs]e|copying)(\.(md|txt))?$/i
const sections = [...names].sort().map((name) => {
  const dir = path.join(root, 'node_modules', name)
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
  const licenseFile = readdirSync(dir).find((f) => LICENSE_FILES.test(f))
  const text = licenseFile
    ? readFileSync(path.join(dir, licenseFile), 'utf8').trim()
    : '(no licence file in the package)'
  return `${name}@${pkg.version}\n${pkg.license ?? 'UNKNOWN'}\n${text}\n`
})
writeFileSync(
  path.join(dist, 'licenses.txt'),
  `Third-party packages bundled in dist/ and their licences.\n\n${sections.join('\n')}`
)
if (existsSync(statsFile)) rmSync(statsFile)
console.log(`minified chunks; dist/licenses.txt lists ${names.size} packages`)
