// Which pull request a run is for, from the runner's variables and the event payload.
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { readPullRequestTarget } from '../../src/report/comment-publish.js'

const dir = mkdtempSync(path.join(tmpdir(), 'nf-event-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function payload(name: string, content: string): string {
  const file = path.join(dir, name)
  writeFileSync(file, content)
  return file
}

const BASE = {
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_REPOSITORY: 'acme/platform-config',
  GITHUB_WORKFLOW: 'Secrets plan',
  GITHUB_JOB: 'plan',
  GITHUB_ACTION: '__acme_action'
}

describe('readPullRequestTarget', () => {
  it('reads owner, repository, number, API URL and the step identity', () => {
    const event = payload('pr.json', JSON.stringify({ pull_request: { number: 42 } }))
    expect(
      readPullRequestTarget(
        { ...BASE, GITHUB_EVENT_PATH: event, GITHUB_API_URL: 'https://ghe.example/api/v3/' },
        'eu'
      )
    ).toEqual({
      target: {
        owner: 'acme',
        repo: 'platform-config',
        number: 42,
        apiUrl: 'https://ghe.example/api/v3',
        identity: { workflow: 'Secrets plan', job: 'plan', step: '__acme_action', key: 'eu' }
      }
    })
  })

  it('takes pull_request_target too, and defaults the API URL to api.github.com', () => {
    const event = payload('prt.json', JSON.stringify({ pull_request: { number: 3 } }))
    const found = readPullRequestTarget(
      { ...BASE, GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event },
      undefined
    )
    expect(found).toMatchObject({ target: { number: 3, apiUrl: 'https://api.github.com' } })
  })

  it.each([
    [{ GITHUB_EVENT_NAME: 'push' }, /started by the event "push", not by a pull request/],
    [{ GITHUB_EVENT_NAME: undefined }, /started by the event "unknown"/],
    [{ GITHUB_EVENT_NAME: 'issue_comment' }, /"issue_comment"/],
    [{ GITHUB_REPOSITORY: 'acme' }, /GITHUB_REPOSITORY is not set as owner\/name/],
    [{ GITHUB_EVENT_PATH: undefined }, /GITHUB_EVENT_PATH is not set/],
    [{ GITHUB_EVENT_PATH: '/nonexistent/event.json' }, /not readable JSON/],
    [{ GITHUB_EVENT_PATH: 'broken' }, /not readable JSON/],
    [{ GITHUB_EVENT_PATH: 'no-number' }, /has no pull_request\.number/]
  ])('explains why there is no pull request: %j', (overrides, message) => {
    const files: Record<string, string> = {
      broken: payload('broken.json', '{"pull_request": '),
      'no-number': payload('push.json', JSON.stringify({ ref: 'refs/heads/main' }))
    }
    const env: NodeJS.ProcessEnv = {
      ...BASE,
      GITHUB_EVENT_PATH: payload('ok.json', JSON.stringify({ pull_request: { number: 1 } }))
    }
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete env[name]
      else env[name] = files[value] ?? value
    }
    expect(readPullRequestTarget(env, undefined)).toEqual({
      message: expect.stringMatching(message)
    })
  })
})
