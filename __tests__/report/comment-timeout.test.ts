// A GitHub API that accepts the connection and never answers: the comment gives up within its
// time budget with one warning, and leaves nothing running.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { postPullRequestComment } from '../../src/report/comment-publish.js'

let server: Server
const sockets = new Set<Socket>()
let url = ''
const dir = mkdtempSync(path.join(tmpdir(), 'nf-event-'))

beforeAll(async () => {
  server = createServer(() => undefined) // never answers
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})

describe('comment time budget', () => {
  it('a hanging API: one warning after the budget, never an exception', async () => {
    const event = path.join(dir, 'event.json')
    writeFileSync(event, JSON.stringify({ pull_request: { number: 5 } }))
    const written: string[] = []
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk))
        return true
      })
    const started = Date.now()
    try {
      await postPullRequestComment(
        { enabled: true, githubToken: 'ghs_timeoutTest123', key: undefined },
        { results: [], dryRun: true },
        {
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: event,
          GITHUB_REPOSITORY: 'acme/platform-config',
          GITHUB_API_URL: url
        },
        { timeBudgetMs: 800 }
      )
    } finally {
      write.mockRestore()
    }
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(750)
    expect(elapsed).toBeLessThan(800 + 5_000) // the budget, plus an honest margin for a busy machine
    const warnings = written.filter((line) => line.startsWith('::warning'))
    expect(warnings).toEqual([
      expect.stringContaining(
        `The result could not be posted on pull request #5: GitHub's API at ${url} did not answer within 0.8 s.`
      )
    ])
  })
})
