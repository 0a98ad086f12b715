// The run's result as one comment on the pull request, updated in place on later runs.
// Only this entry point is in the main bundle: the rest (comment-publish.ts, and Octokit
// behind it) is loaded when `comment-on-pr` is true, so other runs start as fast as before.
import * as core from '@actions/core'
import type { PullRequestCommentSettings } from '../inputs.js'
import type { RunReport } from './results.js'

/**
 * Posts the run's result (the job summary's content) on the pull request this run is for, or
 * updates the comment an earlier run of the same step posted. Never throws and never changes
 * the step's result: every problem is one warning.
 */
export async function commentOnPullRequest(
  settings: PullRequestCommentSettings,
  run: RunReport
): Promise<void> {
  if (!settings.enabled) return
  try {
    const { postPullRequestComment } = await import('./comment-publish.js')
    await postPullRequestComment(settings, run)
  } catch (error) {
    // Expected failures are warnings inside; this is a broken bundle or a bug.
    const reason = error instanceof Error ? error.message : String(error)
    core.warning(
      `The result could not be posted on the pull request: ${reason}. This is a bug in the action; please report it with this step's log.`,
      { title: 'Pull-request comment' }
    )
  }
}
