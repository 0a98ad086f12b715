// Reads the action's inputs into one typed settings object. This is the only
// module that calls core.getInput; every check on an input lives here, so a
// wrong value is reported once, naming the input and what it accepts.
import * as core from '@actions/core'
import { apiUrlProblem } from './northflank/api-url.js'
import { readAgeIdentities } from './definition/sops/identities.js'
import { CONFLICT_POLICIES, type ConflictPolicy } from './plan/index.js'

export type { ConflictPolicy } from './plan/index.js'

export interface ValueFromEnv {
  /** Identifier of the one definition this value is for (`id:KEY`); undefined: the only one. */
  target?: string
  /** Key under `secrets.values`. */
  key: string
  /** Environment variable it was read from. */
  variable: string
  value: string
}

/** Where and how the run's result is posted on a pull request (see report/comment.ts). */
export interface PullRequestCommentSettings {
  /** `comment-on-pr`: post (and later update) one comment on the pull request. */
  enabled: boolean
  /** `github-token`; empty when none was passed (the comment is then skipped with a warning). */
  githubToken: string
  /** `comment-key`: tells apart steps that share workflow, job and step (matrix legs). */
  key?: string
}

export interface Settings {
  /** Empty only in a dry run without a token. */
  token: string
  /** Paths or globs from `file`, one per entry. */
  files: string[]
  /** The inline `definition` input, when set (takes precedence over `files`). */
  inline?: string
  overrides: { name?: string; description?: string; type?: string }
  valuesFromEnv: ValueFromEnv[]
  teamId?: string
  onConflict: ConflictPolicy
  dryRun: boolean
  /** Fields Northflank's API does not define are warnings and are sent, not errors. */
  allowUnknownFields: boolean
  /** Read only: report what an apply would do, send no write. */
  plan: boolean
  apiUrl: string
  timeoutMs: number
  concurrency: number
  workspace: string
  /** age identities from `sops-age-key` (or SOPS_AGE_KEY), for SOPS files; may be empty. */
  ageIdentities: string[]
  /** Where they came from, for messages: `Input "sops-age-key"` or `SOPS_AGE_KEY`. */
  ageKeySource: string
  pullRequestComment: PullRequestCommentSettings
}

/** Every problem with the inputs, so the user can fix them in one go. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'InputError'
  }
}

// Northflank team identifiers are slugs; anything else cannot name a team and
// would only produce a confusing 404 after the token was sent.
const TEAM_ID = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9])?$/
const VALUE_KEY = /^[A-Za-z0-9_.-]+$/
// A secret identifier as Northflank derives it from a name (see deriveSecretId).
const SECRET_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const MAX_TIMEOUT_SECONDS = 6 * 60 * 60 // a GitHub-hosted job cannot run longer
const MAX_CONCURRENCY = 32

/** Splits a list input on new lines and commas, dropping blanks and `#` comments. */
export function splitList(raw: string): string[] {
  return raw
    .split(/\r?\n|,/)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'))
}

function readTrimmed(name: string): string {
  return core.getInput(name, { trimWhitespace: true })
}

function parseBoolean(name: string, raw: string, problems: string[]): boolean {
  const value = raw === '' ? 'false' : raw.toLowerCase()
  if (value === 'true') return true
  if (value === 'false') return false
  problems.push(`Input "${name}" is "${raw}"; allowed values: true, false.`)
  return false
}

function parseNumber(
  name: string,
  raw: string,
  fallback: number,
  rule: { integer: boolean; min: number; max: number; allowed: string },
  problems: string[]
): number {
  if (raw === '') return fallback
  const value = Number(raw)
  const wellFormed = rule.integer ? /^\d+$/.test(raw) : /^\d+(\.\d+)?$/.test(raw)
  if (!wellFormed || value < rule.min || value > rule.max) {
    problems.push(`Input "${name}" is "${raw}"; allowed values: ${rule.allowed}.`)
    return fallback
  }
  return value
}

function readValuesFromEnv(
  raw: string,
  env: NodeJS.ProcessEnv,
  problems: string[]
): ValueFromEnv[] {
  const entries: ValueFromEnv[] = []
  const seen = new Set<string>()
  for (const entry of splitList(raw)) {
    const colon = entry.indexOf(':')
    const target = colon === -1 ? undefined : entry.slice(0, colon).trim()
    const item = colon === -1 ? entry : entry.slice(colon + 1)
    const eq = item.indexOf('=')
    const key = (eq === -1 ? item : item.slice(0, eq)).trim()
    const variable = (eq === -1 ? item : item.slice(eq + 1)).trim()
    if (target !== undefined && !SECRET_ID.test(target)) {
      problems.push(
        `Input "values-from-env": "${target}" is not a secret identifier; write the identifier Northflank derives from the name (lower-case, spaces and hyphens as "-"), as in "shared-config:KEY=ENV_VAR".`
      )
      continue
    }
    if (!VALUE_KEY.test(key)) {
      problems.push(
        `Input "values-from-env": "${key}" is not a valid key; use letters, digits, "_", "." or "-" (entries are KEY, KEY=ENV_VAR, or IDENTIFIER:KEY=ENV_VAR).`
      )
      continue
    }
    if (!ENV_NAME.test(variable)) {
      problems.push(
        `Input "values-from-env": "${variable}" (for key "${key}") is not a valid environment variable name; use letters, digits and "_", not starting with a digit.`
      )
      continue
    }
    const scopedKey = `${target ?? ''}:${key}`
    if (seen.has(scopedKey)) {
      problems.push(`Input "values-from-env": key "${key}" is listed twice; list each key once.`)
      continue
    }
    seen.add(scopedKey)
    const value = env[variable]
    if (value === undefined) {
      problems.push(
        `Input "values-from-env": environment variable ${variable} (for key "${key}") is not set; pass it with "env:" on the step, e.g. ${variable}: \${{ secrets.${variable} }}.`
      )
      continue
    }
    if (value === '') {
      // GitHub expands a secret that does not exist to an empty string, so an
      // empty value is almost always a missing secret, never an intended value.
      problems.push(
        `Input "values-from-env": environment variable ${variable} (for key "${key}") is empty; GitHub passes an empty string when the secret it names does not exist. Check the secret's name and that it is available to this workflow.`
      )
      continue
    }
    entries.push({ target, key, variable, value })
  }
  return entries
}

/**
 * The age identities for SOPS files: input `sops-age-key`, else SOPS_AGE_KEY (sops's own name).
 * Every line that is not a comment is masked the moment it is read, before any check on it.
 */
function readAgeKey(
  env: NodeJS.ProcessEnv,
  onSecret: (value: string, source: string) => void
): { identities: string[]; source: string; problems: string[] } {
  const input = core.getInput('sops-age-key', { trimWhitespace: false })
  const fromInput = input.trim() !== ''
  const source = fromInput ? 'Input "sops-age-key"' : 'SOPS_AGE_KEY'
  const reading = readAgeIdentities(fromInput ? input : (env.SOPS_AGE_KEY ?? ''), source)
  const label = fromInput ? 'input "sops-age-key"' : 'environment variable SOPS_AGE_KEY'
  for (const secret of reading.secrets) onSecret(secret, label)
  return { identities: reading.identities, source, problems: reading.problems }
}

/**
 * Reads and checks every input. Throws InputError listing every problem found.
 * `onSecret` receives the tokens (api-token, github-token) and the age key (with where each came from) the moment they
 * are read, so they are masked before any message (even an input error) is printed. Values from `values-from-env` are registered by main.ts
 * once the definitions' names are known (the masking policy keeps masks off public text); no
 * message quotes them before that.
 */
export function readSettings(
  onSecret: (value: string, source: string) => void,
  env: NodeJS.ProcessEnv = process.env
): Settings {
  const problems: string[] = []

  const token = readTrimmed('api-token') || (env.NORTHFLANK_API_TOKEN ?? '').trim()
  if (token !== '') onSecret(token, 'input "api-token"')
  const problemsBefore = problems.length
  const dryRun = parseBoolean('dry-run', readTrimmed('dry-run'), problems)
  const plan = parseBoolean('plan', readTrimmed('plan'), problems)
  if (dryRun && plan) {
    problems.push(
      'Inputs "dry-run" and "plan" are both true; set one: dry-run validates offline without a token, plan reads Northflank with the token and shows what an apply would change.'
    )
  }
  // With an unreadable dry-run there is no telling whether a token is needed.
  if (!dryRun && token === '' && problems.length === problemsBefore) {
    problems.push(
      plan
        ? 'Input "api-token" is empty and NORTHFLANK_API_TOKEN is not set; a plan reads Northflank and needs the token (api-token: ${{ secrets.NORTHFLANK_API_TOKEN }}); set dry-run: true instead to validate without one.'
        : 'Input "api-token" is empty and NORTHFLANK_API_TOKEN is not set; pass the token from a secret (api-token: ${{ secrets.NORTHFLANK_API_TOKEN }}), or set dry-run: true to validate only.'
    )
  }

  const allowUnknownFields = parseBoolean(
    'allow-unknown-fields',
    readTrimmed('allow-unknown-fields'),
    problems
  )

  const inline = core.getInput('definition', { trimWhitespace: false })
  const files = splitList(readTrimmed('file'))
  if (inline.trim() === '' && files.length === 0) {
    problems.push('Neither input "file" nor input "definition" is set; set one of them.')
  }

  const onConflictRaw = readTrimmed('on-conflict') || 'fail'
  const onConflict = onConflictRaw.toLowerCase() as ConflictPolicy
  if (!CONFLICT_POLICIES.includes(onConflict)) {
    problems.push(
      `Input "on-conflict" is "${onConflictRaw}"; allowed values: ${CONFLICT_POLICIES.join(', ')}.`
    )
  }

  const teamIdRaw = readTrimmed('team-id')
  if (teamIdRaw !== '' && !TEAM_ID.test(teamIdRaw)) {
    problems.push(
      `Input "team-id" is "${teamIdRaw}"; a Northflank team id has 1–100 letters, digits, "-" or "_", starting and ending with a letter or digit (find it in the team's URL or settings).`
    )
  }

  const typeRaw = readTrimmed('type')
  if (typeRaw !== '' && typeRaw !== 'secret' && typeRaw !== 'config') {
    problems.push(`Input "type" is "${typeRaw}"; allowed values: secret, config.`)
  }

  const apiUrl = (readTrimmed('api-url') || 'https://api.northflank.com').replace(/\/+$/, '')
  const apiUrlError = apiUrlProblem(apiUrl)
  if (apiUrlError !== undefined) problems.push(`Input "api-url": ${apiUrlError}.`)

  const timeoutSeconds = parseNumber(
    'timeout-seconds',
    readTrimmed('timeout-seconds'),
    60,
    {
      integer: false,
      // Below a second not even one request can be sent and answered reliably.
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
      allowed: `a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}`
    },
    problems
  )
  const concurrency = parseNumber(
    'concurrency',
    readTrimmed('concurrency'),
    4,
    {
      integer: true,
      min: 1,
      max: MAX_CONCURRENCY,
      allowed: `a whole number from 1 to ${MAX_CONCURRENCY}`
    },
    problems
  )

  const valuesFromEnv = readValuesFromEnv(readTrimmed('values-from-env'), env, problems)

  const age = readAgeKey(env, onSecret)
  problems.push(...age.problems)
  // Masked even when no comment is posted: it is a credential wherever it came from.
  const githubToken = readTrimmed('github-token')
  if (githubToken !== '') onSecret(githubToken, 'input "github-token"')
  const commentOnPr = parseBoolean('comment-on-pr', readTrimmed('comment-on-pr'), problems)

  if (problems.length > 0) throw new InputError(problems)

  const optional = (name: string): string | undefined => readTrimmed(name) || undefined
  return {
    token,
    files,
    inline: inline.trim() === '' ? undefined : inline,
    overrides: {
      name: optional('name'),
      description: optional('description'),
      type: typeRaw || undefined
    },
    valuesFromEnv,
    teamId: teamIdRaw || undefined,
    onConflict,
    dryRun,
    allowUnknownFields,
    plan,
    apiUrl,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    concurrency,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    ageIdentities: age.identities,
    ageKeySource: age.source,
    pullRequestComment: {
      enabled: commentOnPr,
      githubToken,
      key: optional('comment-key')
    }
  }
}
