// Posting the comment: which pull request, the body, and the GitHub API calls. Loaded by
// comment.ts only when `comment-on-pr` is true; Octokit (@actions/github) is imported only
// once a comment is really sent, so a run that is not for a pull request never loads it.
// Nothing here can fail the step: a comment that cannot be posted is one warning saying why
// and what to change.
import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import type { PullRequestCommentSettings } from '../inputs.js'
import { ACTION_NAME, ACTION_VERSION } from '../version.js'
import {
  buildCommentBody,
  isOurComment,
  secretRedactor,
  type CommentIdentity
} from './comment-body.js'
import { registeredSecrets } from './mask.js'
import type { RunReport } from './results.js'
import { readRunContext } from './run-context.js'
import { buildSummaryHtml } from './summary.js'

const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target']
/** All requests of one comment (list pages, create or update) share this budget. */
const TIME_BUDGET_MS = 30_000
export const WARNING_TITLE = 'Pull-request comment'

export interface PullRequestTarget {
  owner: string
  repo: string
  number: number
  /** GITHUB_API_URL: GitHub Enterprise Server has its own (`https://host/api/v3`). */
  apiUrl: string
  identity: CommentIdentity
}

/** Which pull request this run is for, from the runner's GITHUB_* variables and event payload. */
export function readPullRequestTarget(
  env: NodeJS.ProcessEnv,
  key: string | undefined
): { target: PullRequestTarget } | { message: string } {
  const event = env.GITHUB_EVENT_NAME
  if (event === undefined || !PULL_REQUEST_EVENTS.includes(event)) {
    return {
      message: `comment-on-pr is true, but this run was started by the event "${event ?? 'unknown'}", not by a pull request, so no comment was posted. Comments are posted for pull_request and pull_request_target events; to ask only there, set comment-on-pr: \${{ github.event_name == 'pull_request' }}.`
    }
  }
  const unidentified = (reason: string): { message: string } => ({
    message: `comment-on-pr is true, but the pull request could not be identified (${reason}), so no comment was posted.`
  })
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo || rest.length > 0) {
    return unidentified('GITHUB_REPOSITORY is not set as owner/name')
  }
  if (!env.GITHUB_EVENT_PATH) return unidentified('GITHUB_EVENT_PATH is not set')
  let payload: unknown
  try {
    payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    return unidentified('the event payload at GITHUB_EVENT_PATH is not readable JSON')
  }
  const pullRequest = (payload as { pull_request?: { number?: unknown } } | null)?.pull_request
  const number = pullRequest?.number
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) {
    return unidentified('the event payload has no pull_request.number')
  }
  return {
    target: {
      owner,
      repo,
      number,
      apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
      identity: {
        workflow: env.GITHUB_WORKFLOW || '(unnamed workflow)',
        job: env.GITHUB_JOB || '(unknown job)',
        step: env.GITHUB_ACTION || '(unknown step)',
        key
      }
    }
  }
}

/** What an Octokit failure carries that a message needs (RequestError, or a network error). */
interface ApiFailure {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

type Step = 'read' | 'create' | 'update'

/** One line of GitHub's own explanation, redacted and kept short: it is outside text. */
function serverText(failure: ApiFailure, redact: (text: string) => string): string {
  const data = failure.response?.data
  const message =
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { message?: unknown }).message === 'string'
      ? (data as { message: string }).message
      : (failure.message ?? '')
  const line = redact(message.replace(/\s+/g, ' ').trim())
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

function failureReason(
  failure: ApiFailure,
  step: Step,
  apiUrl: string,
  timedOut: boolean,
  budgetMs: number,
  redact: (text: string) => string
): string {
  if (timedOut) {
    return `GitHub's API at ${apiUrl} did not answer within ${budgetMs / 1000} s.`
  }
  const text = serverText(failure, redact)
  if (failure.response === undefined || failure.status === undefined) {
    return `GitHub's API at ${apiUrl} could not be reached (${text || 'no answer'}).`
  }
  const status = failure.status
  const headers = failure.response.headers ?? {}
  const said = text ? `${status} ${text}` : String(status)
  if (
    status === 429 ||
    (status === 403 &&
      (headers['retry-after'] !== undefined || String(headers['x-ratelimit-remaining']) === '0'))
  ) {
    return `GitHub's API rate limit was reached (${said}); the next run posts the comment.`
  }
  if (status === 401) {
    return `GitHub refused the github-token (${said}). Leave github-token at its default (\${{ github.token }}), or pass a token that may write pull-request comments.`
  }
  if (status === 403 || status === 404) {
    const what = step === 'read' ? 'read the comments of' : 'comment on'
    return `GitHub answered ${said}: the token may not ${what} this pull request. Give the job permissions: pull-requests: write. A pull request from a fork gets a read-only token whatever the workflow asks, so there the result is in the job summary only.`
  }
  return `GitHub answered ${said}.`
}

interface Posted {
  action: 'created' | 'updated' | 'unchanged'
  url?: string
}

/** Finds this step's comment (every page) and creates or updates it. */
async function publish(
  target: PullRequestTarget,
  token: string,
  body: string,
  marker: string,
  signal: AbortSignal,
  progress: { step: Step }
): Promise<Posted> {
  const { getOctokit } = await import('@actions/github')
  const octokit = getOctokit(token, {
    baseUrl: target.apiUrl,
    userAgent: `${ACTION_NAME}/${ACTION_VERSION}`,
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => core.debug(`GitHub client: ${message}`),
      error: (message: string) => core.debug(`GitHub client: ${message}`)
    }
  })
  // Per request, not in the constructor: a constructor `request` option would replace
  // @actions/github's proxy-aware fetch. Page requests of paginate() pass through here too.
  octokit.hook.wrap('request', async (request, options) => {
    const started = Date.now()
    const { method, url } = octokit.request.endpoint.parse(options)
    const took = (status: number | string): void =>
      core.debug(`GitHub API: ${method} ${url} → ${status} in ${Date.now() - started} ms`)
    try {
      // Set on the options object itself: a copy passed to request() loses the signal (tested).
      options.request = { ...options.request, signal }
      const response = await request(options)
      took(response.status)
      return response
    } catch (error) {
      took((error as ApiFailure).response ? ((error as ApiFailure).status ?? '?') : 'no answer')
      throw error
    }
  })

  const where = { owner: target.owner, repo: target.repo }
  progress.step = 'read'
  let existing: { id: number; body?: string | null; html_url?: string } | undefined
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
    ...where,
    issue_number: target.number,
    per_page: 100
  })) {
    existing = page.data.find((comment) => isOurComment(comment.body, marker))
    if (existing !== undefined) break
  }

  if (existing === undefined) {
    progress.step = 'create'
    const created = await octokit.rest.issues.createComment({
      ...where,
      issue_number: target.number,
      body
    })
    return { action: 'created', url: created.data.html_url }
  }
  if (existing.body === body) return { action: 'unchanged', url: existing.html_url }
  progress.step = 'update'
  const updated = await octokit.rest.issues.updateComment({
    ...where,
    comment_id: existing.id,
    body
  })
  return { action: 'updated', url: updated.data.html_url }
}

/** See commentOnPullRequest (comment.ts). `timeBudgetMs` is for tests. */
export async function postPullRequestComment(
  settings: PullRequestCommentSettings,
  run: RunReport,
  env: NodeJS.ProcessEnv = process.env,
  { timeBudgetMs = TIME_BUDGET_MS }: { timeBudgetMs?: number } = {}
): Promise<void> {
  const found = readPullRequestTarget(env, settings.key)
  if ('message' in found) {
    core.warning(found.message, { title: WARNING_TITLE })
    return
  }
  const { target } = found
  if (settings.githubToken === '') {
    core.warning(
      `comment-on-pr is true, but input github-token is empty, so no comment was posted on pull request #${target.number}. Leave github-token at its default (\${{ github.token }}) and give the job permissions: pull-requests: write.`,
      { title: WARNING_TITLE }
    )
    return
  }

  const secrets = registeredSecrets()
  const content = buildSummaryHtml(run)
  const { body, marker, shortened } = buildCommentBody({
    content,
    identity: target.identity,
    secrets,
    runUrl: readRunContext(env).runUrl
  })

  const signal = AbortSignal.timeout(timeBudgetMs)
  const progress: { step: Step | 'load' } = { step: 'load' }
  let posted: Posted
  try {
    posted = await publish(
      target,
      settings.githubToken,
      body,
      marker,
      signal,
      progress as { step: Step }
    )
  } catch (error) {
    const redact = secretRedactor(secrets)
    const reason =
      progress.step === 'load'
        ? `the GitHub client could not be loaded (${redact(error instanceof Error ? error.message : String(error))}).`
        : failureReason(
            error as ApiFailure,
            progress.step,
            target.apiUrl,
            signal.aborted,
            timeBudgetMs,
            redact
          )
    core.warning(`The result could not be posted on pull request #${target.number}: ${reason}`, {
      title: WARNING_TITLE
    })
    return
  }
  const verb = { created: 'Posted', updated: 'Updated', unchanged: 'Left unchanged' }[posted.action]
  core.info(
    `${verb} the comment on pull request #${target.number}${posted.url ? `: ${posted.url}` : '.'}`
  )
  if (shortened) {
    core.info(
      `The comment was shortened to GitHub's limit: ${shortened.to} of ${shortened.from} characters of the result are shown; the job summary has all of it.`
    )
  }
}
