// The workflow run this action is part of, for the job summary. Read from the
// runner's GITHUB_* variables, which is all @actions/github's Context does for
// these fields; importing that package would add Octokit (~140 kB) to a
// bundle whose size and start-up time are budgeted (see README, Benchmark).

export interface RunContext {
  repository?: string
  sha?: string
  ref?: string
  runUrl?: string
  commitUrl?: string
  workflow?: string
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const repository = env.GITHUB_REPOSITORY || undefined
  const sha = env.GITHUB_SHA || undefined
  const runId = env.GITHUB_RUN_ID
  return {
    repository,
    sha,
    ref: env.GITHUB_REF_NAME || env.GITHUB_REF || undefined,
    workflow: env.GITHUB_WORKFLOW || undefined,
    runUrl: repository && runId ? `${server}/${repository}/actions/runs/${runId}` : undefined,
    commitUrl: repository && sha ? `${server}/${repository}/commit/${sha}` : undefined
  }
}
