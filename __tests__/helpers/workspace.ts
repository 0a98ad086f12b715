// Temporary GITHUB_WORKSPACE directories for tests that run the bundle.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export interface Workspace {
  dir: string
  write(relative: string, content: string | Buffer): string
  remove(): void
}

export function makeWorkspace(files: Record<string, string | Buffer> = {}): Workspace {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'nf-workspace-')))
  const write = (relative: string, content: string | Buffer): string => {
    const target = path.join(dir, relative)
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, content)
    return target
  }
  for (const [relative, content] of Object.entries(files)) write(relative, content)
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
