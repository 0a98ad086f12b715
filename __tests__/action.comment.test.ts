// The bundled action posting its result on a pull request (comment-on-pr), against a loopback
// stand-in of GitHub's REST API: one comment per step, found again by its marker and updated,
// never a failed run, never a secret value in what is sent.
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BUNDLE, runAction, spawnLikeRunner, type ActionRun } from '../tools/run-action.js'
import { startGitHubStandIn, type GitHubStandIn } from '../tools/github-stand-in.js'
import { makeWorkspace, type Workspace } from './helpers/workspace.js'
import { useStandIn } from './helpers/stand-in.js'

// Several tests run the bundle 3 to 7 times; on a loaded 2-core machine one run can take seconds.
jest.setTimeout(180_000)

const GITHUB_TOKEN = 'ghs_standIn0123456789abcdefXYZ'
const NORTHFLANK_TOKEN = 'nf-token-comment-8d2b'
const READ_ONLY_TOKEN = 'ghs_readOnly9876543210fedcbaQRS'
const PR = 7

const CONFIG_YAML = `name: Shared Config
type: config
secrets:
  values:
    LOG_LEVEL: info
`

const northflank = useStandIn({ tokens: [NORTHFLANK_TOKEN] })
let github: GitHubStandIn
let ghe: GitHubStandIn
beforeAll(async () => {
  github = await startGitHubStandIn({ tokens: [GITHUB_TOKEN], readOnlyTokens: [READ_ONLY_TOKEN] })
  ghe = await startGitHubStandIn({ tokens: [GITHUB_TOKEN], basePath: '/api/v3' })
})
afterEach(() => {
  github.reset()
  ghe.reset()
})
afterAll(async () => {
  await github.stop()
  await ghe.stop()
})

let ws: Workspace
afterEach(() => ws?.remove())

/** The runner's GITHUB_* facts of a pull_request run of workflow "Secrets plan", job "plan". */
function pullRequestEnv(
  workspace: Workspace,
  overrides: Record<string, string | undefined> = {}
): Record<string, string | undefined> {
  const eventPath = workspace.write(
    '.event.json',
    JSON.stringify({ action: 'synchronize', number: PR, pull_request: { number: PR } })
  )
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: github.url,
    GITHUB_WORKFLOW: 'Secrets plan',
    GITHUB_JOB: 'plan',
    GITHUB_ACTION: '__your-org_northflank-global-secret-action',
    GITHUB_REF_NAME: `${PR}/merge`,
    ...overrides
  }
}

async function dryRunWithComment(
  inputs: Record<string, string> = {},
  env: Record<string, string | undefined> = {}
): Promise<ActionRun> {
  return runAction(
    {
      file: 'secrets/*.yaml',
      'dry-run': 'true',
      'comment-on-pr': 'true',
      'github-token': GITHUB_TOKEN,
      ...inputs
    },
    { workspace: ws.dir, env: pullRequestEnv(ws, env) }
  )
}

const warnings = (run: ActionRun): string[] =>
  run.annotations.filter((a) => a.level === 'warning').map((a) => a.message)

describe('comment-on-pr (bundled action, GitHub REST stand-in)', () => {
  it('creates one comment, then updates that same comment on the next run', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const first = await dryRunWithComment()
    expect(first.code).toBe(0)
    expect(first.stderr).toBe('')
    expect(warnings(first)).toEqual([])
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 201'])
    const [created] = github.comments()
    expect(created?.body).toMatch(
      /^<!-- northflank-global-secret-action:comment workflow=Secrets%20plan job=plan step=__your-org_northflank-global-secret-action -->\n/
    )
    expect(created?.body).toContain('<code>shared-config</code>')
    expect(created?.body).toContain('Northflank global secrets (dry run)')
    expect(first.stdout).toContain(
      `Posted the comment on pull request #${PR}: ${created?.html_url}`
    )
    // Octokit sends the token as GitHub expects it, and says who is calling.
    expect(github.requests[0]?.authorization).toBe(`token ${GITHUB_TOKEN}`)
    expect(github.requests[0]?.userAgent).toMatch(/^northflank-global-secret-action\/\d/)

    // A second run with a different result: the same comment is edited, none is added.
    ws.write('secrets/more.yaml', CONFIG_YAML.replace('Shared Config', 'More Config'))
    github.requests.length = 0
    const second = await dryRunWithComment()
    expect(second.code).toBe(0)
    expect(warnings(second)).toEqual([])
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'PATCH 200'])
    expect(github.requests[1]?.path).toBe(
      `/repos/acme/platform-config/issues/comments/${created?.id}`
    )
    const after = github.comments()
    expect(after).toHaveLength(1)
    expect(after[0]?.id).toBe(created?.id)
    expect(after[0]?.body).toContain('<code>more-config</code>')
    expect(second.stdout).toContain(`Updated the comment on pull request #${PR}`)

    // The same result again: nothing to edit.
    github.requests.length = 0
    const third = await dryRunWithComment()
    expect(github.requests.map((r) => r.method)).toEqual(['GET'])
    expect(third.stdout).toContain(`Left unchanged the comment on pull request #${PR}`)
  })

  it('finds its comment on a later page, among look-alikes, and never adds a second one', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    await dryRunWithComment()
    const [ours] = github.comments()
    // 250 comments by others after ours (so a newest-first or first-page-only search fails),
    // one of them quoting our marker in the middle of its text.
    github.reset()
    for (let i = 0; i < 120; i++) github.seed(`acme/platform-config#${PR}`, `review comment ${i}`)
    github.seed(`acme/platform-config#${PR}`, `Why does this say\n${ours!.body.split('\n')[0]}\n?`)
    for (let i = 0; i < 129; i++) github.seed(`acme/platform-config#${PR}`, `later comment ${i}`)
    github.seed(`acme/platform-config#${PR}`, ours!.body, {
      login: 'github-actions[bot]',
      type: 'Bot'
    })
    const planted = github.comments().at(-1)!

    ws.write('secrets/more.yaml', CONFIG_YAML.replace('Shared Config', 'More Config'))
    const run = await dryRunWithComment()
    expect(warnings(run)).toEqual([])
    // 251 comments at 100 per page: found on page 3, then one PATCH.
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/acme/platform-config/issues/${PR}/comments?per_page=100`,
      `GET /repos/acme/platform-config/issues/${PR}/comments?per_page=100&page=2`,
      `GET /repos/acme/platform-config/issues/${PR}/comments?per_page=100&page=3`,
      `PATCH /repos/acme/platform-config/issues/comments/${planted.id}`
    ])
    expect(github.comments()).toHaveLength(251)
    expect(github.comments().filter((c) => c.body.includes('more-config'))).toHaveLength(1)
  })

  it('gives another workflow, job or comment-key its own comment', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    await dryRunWithComment()
    await dryRunWithComment({}, { GITHUB_JOB: 'plan-staging' })
    await dryRunWithComment({}, { GITHUB_WORKFLOW: 'Other workflow' })
    await dryRunWithComment({ 'comment-key': 'eu-west' })
    await dryRunWithComment({}, { GITHUB_ACTION: '__your-org_northflank-global-secret-action_2' })
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(5)
    const markers = github.comments().map((c) => c.body.split('\n')[0])
    expect(new Set(markers).size).toBe(5)
    expect(markers).toContainEqual(expect.stringContaining('key=eu-west'))

    // Each of them finds its own again.
    github.requests.length = 0
    ws.write('secrets/more.yaml', CONFIG_YAML.replace('Shared Config', 'More Config'))
    await dryRunWithComment({ 'comment-key': 'eu-west' })
    await dryRunWithComment({}, { GITHUB_JOB: 'plan-staging' })
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2)
    expect(github.comments()).toHaveLength(5)
  })

  it('honours GITHUB_API_URL with a path, as on GitHub Enterprise Server', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const run = await dryRunWithComment({}, { GITHUB_API_URL: ghe.url })
    expect(warnings(run)).toEqual([])
    expect(ghe.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toEqual([
      `GET /api/v3/repos/acme/platform-config/issues/${PR}/comments`,
      `POST /api/v3/repos/acme/platform-config/issues/${PR}/comments`
    ])
    expect(github.requests).toEqual([])
  })

  it('on an event that is not a pull request: no request, a warning naming the fix, success', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const run = await dryRunWithComment({}, { GITHUB_EVENT_NAME: 'push' })
    expect(run.code).toBe(0)
    expect(github.requests).toEqual([])
    expect(warnings(run)).toEqual([
      expect.stringMatching(
        /started by the event "push", not by a pull request.*comment-on-pr: \$\{\{ github\.event_name == 'pull_request' \}\}/
      )
    ])
  })

  it('without a github-token: no request, a warning naming the fix', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const run = await dryRunWithComment({ 'github-token': '' })
    expect(run.code).toBe(0)
    expect(github.requests).toEqual([])
    expect(warnings(run)).toEqual([
      expect.stringMatching(/github-token is empty.*permissions: pull-requests: write/)
    ])
  })

  it('with comment-on-pr false (the default): no request and no warning, also on a pull request', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const run = await dryRunWithComment({ 'comment-on-pr': '' })
    expect(run.code).toBe(0)
    expect(github.requests).toEqual([])
    expect(run.annotations).toEqual([])
  })

  it('a token that may not write: a warning naming permissions: pull-requests: write, exit code unaffected', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const ok = await dryRunWithComment({ 'github-token': READ_ONLY_TOKEN })
    expect(ok.code).toBe(0)
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 403'])
    expect(warnings(ok)).toEqual([
      `The result could not be posted on pull request #${PR}: GitHub answered 403 Resource not accessible by integration: the token may not comment on this pull request. Give the job permissions: pull-requests: write. A pull request from a fork gets a read-only token whatever the workflow asks, so there the result is in the job summary only.`
    ])
    expect(ok.annotations.find((a) => a.level === 'warning')?.title).toBe('Pull-request comment')

    // A failing run stays failing, with its own error, and the comment problem stays a warning.
    ws.write('secrets/bad.yaml', 'name: x\ntype: config\n')
    github.requests.length = 0
    github.setForbidden('Resource not accessible by integration')
    const failing = await dryRunWithComment()
    expect(failing.code).toBe(1)
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 403'])
    expect(warnings(failing)).toEqual([
      expect.stringMatching(
        /may not read the comments of this pull request\. Give the job permissions: pull-requests: write/
      )
    ])
    expect(failing.annotations.filter((a) => a.level === 'error').length).toBeGreaterThan(0)
  })

  it('a refused token (401) and an unreachable API are warnings too', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const refused = await dryRunWithComment({ 'github-token': 'ghs_unknownToken000' })
    expect(refused.code).toBe(0)
    expect(warnings(refused)).toEqual([
      expect.stringMatching(/GitHub refused the github-token \(401 Bad credentials/)
    ])
    expect(refused.everything).not.toContain('ghs_unknownToken000')

    const unreachable = await dryRunWithComment({}, { GITHUB_API_URL: 'http://127.0.0.1:9' })
    expect(unreachable.code).toBe(0)
    expect(warnings(unreachable)).toEqual([
      expect.stringMatching(
        /^The result could not be posted on pull request #7: GitHub's API at http:\/\/127\.0\.0\.1:9 could not be reached/
      )
    ])
  })

  it('never sends a secret value, in any spelling, and escapes outside text', async () => {
    const fileValue = 'Pa55&<w0rd>"x-9f3e'
    const envValue = 'env-value-5c1d7a'
    ws = makeWorkspace({
      'secrets/app.yaml': `name: App Secrets\ntype: secret\nsecrets:\n  values:\n    PASSWORD: '${fileValue}'\n    API_KEY: placeholder\n`,
      // Outside text that would be markup or a mention if not handled.
      'secrets/<b>@octocat|x.yaml': CONFIG_YAML
    })
    // Northflank refuses the secret and its message echoes the values, raw and JSON-escaped.
    northflank().injectFaults({ method: 'POST', path: /secrets$/ }, [
      {
        kind: 'status',
        status: 400,
        body: {
          error: {
            status: 400,
            id: 'err-400-echo',
            message: `Invalid value ${fileValue} / ${JSON.stringify(fileValue)} / ${envValue}`
          }
        }
      }
    ])
    const run = await runAction(
      {
        file: 'secrets/*.yaml',
        'api-token': NORTHFLANK_TOKEN,
        'api-url': northflank().url,
        'values-from-env': 'app-secrets:API_KEY=APP_API_KEY',
        'comment-on-pr': 'true',
        'github-token': GITHUB_TOKEN,
        concurrency: '1'
      },
      { workspace: ws.dir, env: { ...pullRequestEnv(ws), APP_API_KEY: envValue } }
    )
    expect(run.code).toBe(1) // the refused secret fails the step; the comment is still posted
    expect(warnings(run)).toEqual([])
    const posted = github.requests.find((r) => r.method === 'POST')?.body as { body: string }
    const body = posted.body
    expect(body).toContain('err-400-echo') // the failure is in the comment, its values are not
    // Redacted where it was (the summary escapes the `***` it redacts to, like any text).
    expect(body.replace(/&#42;/g, '*')).toContain('Invalid value *** / &#34;***&#34; / ***')
    for (const secret of [fileValue, envValue, GITHUB_TOKEN, NORTHFLANK_TOKEN]) {
      const forms = [
        secret,
        JSON.stringify(secret).slice(1, -1),
        Buffer.from(secret).toString('base64'),
        encodeURIComponent(secret),
        secret.replace(/[&<>"'@|]/g, (c) => `&#${c.charCodeAt(0)};`),
        secret.replace(/[&<>"'@|]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`)
      ]
      for (const form of forms) {
        expect({ form, found: body.includes(form) }).toEqual({ form, found: false })
      }
    }
    // The file name is text, not markup, and mentions nobody.
    expect(body).toContain('&#60;b&#62;&#64;octocat')
    expect(body).not.toContain('<b>')
    expect(body).not.toMatch(/@octocat/)
    // One complete marker line, and balanced tables.
    expect(body.split('\n')[0]).toMatch(/^<!-- [^\n]* -->$/)
    expect(body.match(/<table>/g)?.length).toBe(body.match(/<\/table>/g)?.length)
  })

  it('posts the plan (plan: true): actions and changed paths, never a stored or desired value', async () => {
    const STORED = 'stored-value-Hq83kz1'
    const DESIRED = 'desired-value-Lw55tyx'
    northflank().seed({
      name: 'Keys',
      type: 'secret',
      secrets: { values: { API_KEY: STORED, SAME: 'same-value-Rr71', OLD: 'old-value-Tt22' } }
    })
    ws = makeWorkspace({
      'secrets/keys.yaml': `name: Keys\ntype: secret\nsecrets:\n  values:\n    API_KEY: ${DESIRED}\n    SAME: same-value-Rr71\n`,
      'secrets/new.yaml': CONFIG_YAML
    })
    const run = await runAction(
      {
        file: 'secrets/*.yaml',
        plan: 'true',
        'on-conflict': 'update',
        'api-token': NORTHFLANK_TOKEN,
        'api-url': northflank().url,
        'comment-on-pr': 'true',
        'github-token': GITHUB_TOKEN
      },
      { workspace: ws.dir, env: pullRequestEnv(ws) }
    )
    expect(run.code).toBe(0)
    expect(warnings(run)).toEqual([])
    expect(northflank().requests.filter((r) => r.method !== 'GET')).toEqual([]) // a plan writes nothing
    const [comment] = github.comments()
    const body = comment!.body
    expect(body).toContain('<code>keys</code>')
    expect(body).toContain('<code>shared-config</code>')
    expect(body).toContain('Northflank global secrets (plan)')
    expect(body).toContain(
      '✏️ update</td><td><code>~ secrets.values.API&#95;KEY</code><br><code>- secrets.values.OLD</code>'
    )
    expect(body).toContain('➕ create')
    for (const value of [STORED, DESIRED, 'same-value-Rr71', 'old-value-Tt22', NORTHFLANK_TOKEN]) {
      for (const form of [
        value,
        Buffer.from(value).toString('base64'),
        encodeURIComponent(value)
      ]) {
        expect({ form, found: body.includes(form) }).toEqual({ form, found: false })
      }
    }
  })

  it('shortens a result longer than GitHub takes, closes its table and says so', async () => {
    const documents = Array.from(
      { length: 400 },
      (_, i) =>
        `name: Service Config Number ${String(i).padStart(4, '0')} With A Long Name For Width\ntype: config\n`
    ).join('---\n')
    ws = makeWorkspace({ 'secrets/many.yaml': documents })
    const run = await dryRunWithComment()
    expect(run.code).toBe(0)
    expect(warnings(run)).toEqual([])
    const [comment] = github.comments()
    expect(comment).toBeDefined()
    const body = comment!.body
    expect(body.length).toBeLessThanOrEqual(65_536)
    expect(body.length).toBeGreaterThan(60_000)
    expect(run.summary.length).toBeGreaterThan(65_536)
    expect(body).toContain('<strong>Shortened</strong>')
    expect(body).toMatch(
      /The whole result is in the job summary of <a href="https:\/\/github\.com\/acme\/platform-config\/actions\/runs\/42">this workflow run<\/a>/
    )
    expect(body.match(/<table>/g)?.length).toBe(1)
    expect(body.match(/<\/table>/g)?.length).toBe(1)
    expect(body.match(/<tr>/g)?.length).toBe(body.match(/<\/tr>/g)?.length)
    expect(run.stdout).toMatch(/The comment was shortened to GitHub's limit/)
  })
})

describe('Octokit is loaded only when a comment is posted', () => {
  /** dist/ copied without the named chunks: a run that needed one would fail to load it. */
  function distWithout(predicate: (source: string) => boolean): {
    script: string
    dir: string
    removed: string[]
  } {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-dist-'))
    const source = path.dirname(BUNDLE)
    const removed: string[] = []
    for (const name of readdirSync(source)) {
      const from = path.join(source, name)
      if (/^\d+\.index\.js$/.test(name) && predicate(readFileSync(from, 'utf8'))) removed.push(name)
      else copyFileSync(from, path.join(dir, name))
    }
    return { script: path.join(dir, 'index.js'), dir, removed }
  }
  const isOctokit = (source: string): boolean => source.includes('octokit')
  const isComment = (source: string): boolean =>
    source.includes('northflank-global-secret-action:comment')

  it('the main bundle holds neither Octokit nor the comment code; each is one lazy chunk', () => {
    const main = readFileSync(BUNDLE, 'utf8')
    expect(isOctokit(main)).toBe(false)
    expect(isComment(main)).toBe(false)
    const chunks = readdirSync(path.dirname(BUNDLE)).filter((n) => /^\d+\.index\.js$/.test(n))
    const read = (n: string): string => readFileSync(path.join(path.dirname(BUNDLE), n), 'utf8')
    expect(chunks.filter((n) => isOctokit(read(n)))).toHaveLength(1)
    expect(chunks.filter((n) => isComment(read(n)))).toHaveLength(1)
  })

  it('runs without the Octokit and comment chunks when comment-on-pr is false, or the event is no pull request', async () => {
    ws = makeWorkspace({ 'secrets/shared.yaml': CONFIG_YAML })
    const noOctokit = distWithout(isOctokit)
    const noComment = distWithout((s) => isOctokit(s) || isComment(s))
    try {
      expect(noOctokit.removed).toHaveLength(1)
      expect(noComment.removed).toHaveLength(2)
      const inputs = { file: 'secrets/*.yaml', 'dry-run': 'true', 'github-token': GITHUB_TOKEN }
      const off = await spawnLikeRunner(noComment.script, inputs, {
        workspace: ws.dir,
        env: pullRequestEnv(ws)
      })
      expect({ code: off.code, stderr: off.stderr }).toEqual({ code: 0, stderr: '' })
      expect(off.stdout).not.toMatch(/::warning/)

      const push = await spawnLikeRunner(
        noOctokit.script,
        { ...inputs, 'comment-on-pr': 'true' },
        { workspace: ws.dir, env: pullRequestEnv(ws, { GITHUB_EVENT_NAME: 'push' }) }
      )
      expect(push.code).toBe(0)
      expect(push.stdout).toMatch(
        /::warning title=Pull-request comment::comment-on-pr is true, but this run was started by the event "push"/
      )

      // The control: a pull request does load it (and its absence is only a warning).
      const pr = await spawnLikeRunner(
        noOctokit.script,
        { ...inputs, 'comment-on-pr': 'true' },
        { workspace: ws.dir, env: pullRequestEnv(ws) }
      )
      expect(pr.code).toBe(0)
      expect(pr.stdout).toMatch(
        /::warning title=Pull-request comment::The result could not be posted on pull request #7: the GitHub client could not be loaded/
      )
      expect(github.requests).toEqual([])
    } finally {
      rmSync(noOctokit.dir, { recursive: true, force: true })
      rmSync(noComment.dir, { recursive: true, force: true })
    }
  })
})
