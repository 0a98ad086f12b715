// Orchestration only: inputs → load → validate → observe → plan → apply → report (summary,
// pull-request comment).
import * as core from '@actions/core'
import { readSettings, InputError, type Settings } from './inputs.js'
import { loadDefinitions } from './definition/index.js'
import { prepareDefinitions, type PreparedDefinition } from './definition/prepare.js'
import type { GlobalSecretDefinition } from './definition/secret-definition.js'
import type { Diagnostic } from './definition/types.js'
import {
  addRunFactsAsPublicText,
  registerDecryptedSecrets,
  registerStoredSecrets,
  registerRunSecrets,
  registerSecret,
  inert,
  annotate,
  reportAnnotationOverflow,
  annotateDiagnostics,
  annotateResults,
  logResults,
  writeOutputs,
  writeSummary,
  commentOnPullRequest,
  failureLine,
  notSentResults,
  resultOf,
  unloadedFileResults,
  type DefinitionResult,
  type RunReport
} from './report/index.js'
import type { NorthflankClient } from './northflank/client.js'
import { observeScope } from './observe.js'
import { syncSecret } from './sync.js'
import { mapWithConcurrency } from './pool.js'
import { ACTION_NAME, ACTION_VERSION } from './version.js'

type Checked = PreparedDefinition

function fail(message: string): void {
  annotate('error', message)
  process.exitCode = core.ExitCode.Failure
}

/** Loads, overrides and validates every definition; annotates every problem. */
async function loadAndValidate(settings: Settings): Promise<{
  checked: Checked[]
  errors: number
  problems: Diagnostic[]
  unloaded: DefinitionResult[]
}> {
  const loaded = await loadDefinitions({
    files: settings.files,
    inline: settings.inline,
    workspace: settings.workspace,
    sops: {
      identities: settings.ageIdentities,
      keySource: settings.ageKeySource,
      dryRun: settings.dryRun
    }
  })
  // Mask what the files hold before any diagnostic about them is printed.
  registerRunSecrets({
    documents: loaded.documents,
    nameOverride: settings.overrides.name,
    typeOverride: settings.overrides.type,
    valuesFromEnv: settings.valuesFromEnv,
    publicText: [settings.teamId, settings.apiUrl]
  })
  // Every value decrypted from a SOPS file is a secret too, whatever the definition's type.
  registerDecryptedSecrets(loaded.documents)
  const { prepared, diagnostics } = prepareDefinitions(loaded.documents, settings)
  const all = [...loaded.diagnostics, ...diagnostics]
  annotateDiagnostics(all)
  return {
    checked: prepared,
    errors: all.filter((d) => d.severity === 'error').length,
    problems: all,
    unloaded: unloadedFileResults(loaded.documents, loaded.diagnostics)
  }
}

async function openClient(settings: Settings): Promise<NorthflankClient> {
  // Loaded only when something is sent, so a dry run never pays for the HTTP stack.
  const { NorthflankClient, RateGate } = await import('./northflank/client.js')
  return new NorthflankClient({
    apiUrl: settings.apiUrl,
    token: settings.token,
    teamId: settings.teamId,
    userAgent: `${ACTION_NAME}/${ACTION_VERSION}`,
    timeoutMs: settings.timeoutMs,
    debug: (message) => core.debug(message),
    // Shared by all requests of the run so one exhausted rate limit pauses them all.
    gate: new RateGate()
  })
}

/** Observe (list, then read what the plan needs), plan and, unless planning, apply. */
async function observePlanApply(
  settings: Settings,
  client: NorthflankClient,
  checked: Checked[],
  listing: ReadonlySet<string> | undefined
): Promise<DefinitionResult[]> {
  // Loaded with the client above; Northflank answered nothing and every definition in flight
  // got no answer: stop starting more.
  const { UnreachableBreaker } = await import('./northflank/client.js')
  const breaker = new UnreachableBreaker()
  return mapWithConcurrency(checked, settings.concurrency, async (c) => {
    const result = resultOf(c)
    const notSent = await breaker.admit()
    if (notSent !== undefined) return { ...result, outcome: 'failed' as const, error: notSent }
    const reachability = breaker.enter()
    try {
      const synced = await syncSecret(client, c.definition as GlobalSecretDefinition, {
        policy: settings.onConflict,
        plan: settings.plan,
        listing,
        reachability,
        onRead: (data) => registerStoredSecrets(data, c),
        debug: (message) => core.debug(inert(`${result.id}: ${message}`))
      })
      return {
        ...result,
        outcome: synced.outcome,
        // Changed paths are part of the contract for plans and `update` runs.
        changes: settings.plan || settings.onConflict === 'update' ? synced.changes : undefined,
        data: synced.data,
        attempts: synced.attempts,
        elapsedMs: synced.elapsedMs
      }
    } catch (error) {
      return {
        ...result,
        outcome: 'failed' as const,
        error: (error as Error).message,
        maybeApplied: (error as { maybeApplied?: unknown }).maybeApplied === true
      }
    } finally {
      reachability.leave()
    }
  })
}

/** Everything a run reports; `settings` is absent when the inputs could not be read. */
async function report(run: RunReport, settings?: Settings): Promise<void> {
  // Invalid definitions were annotated where they are wrong; a second error
  // per definition would only repeat that.
  if (!run.notSent) annotateResults(run.results, run.plan)
  logResults(run)
  const reported = { ...run, shortened: writeOutputs(run) }
  await writeSummary(reported)
  if (settings) await commentOnPullRequest(settings.pullRequestComment, reported)
  reportAnnotationOverflow()
}

/** Input errors: one error each, and still `results` (`[]`) and a summary that lists them. */
async function reportInputErrors(problems: readonly string[]): Promise<void> {
  for (const problem of problems) annotate('error', problem)
  await report({
    dryRun: false,
    results: [],
    notSent: 'Nothing was sent to Northflank: fix the inputs named above and run again.',
    problems: problems.map((message) => ({ severity: 'error', message }))
  })
  process.exitCode = core.ExitCode.Failure
}

/** Nothing could be read or sent: one error, every definition failed, nothing half-done. */
async function reportNotSent(
  settings: Settings,
  base: Omit<RunReport, 'results'>,
  checked: Checked[],
  reason: string
): Promise<void> {
  fail(reason)
  const notSent = `Nothing was sent to Northflank: ${reason}`
  await report(
    {
      ...base,
      notSent,
      results: checked.map((c) => ({ ...resultOf(c), outcome: 'failed', error: notSent }))
    },
    settings
  )
}

export async function run(): Promise<void> {
  try {
    addRunFactsAsPublicText()
    const settings = readSettings((value, source) => registerSecret(value, { key: source }))

    const { checked, errors, problems, unloaded } = await loadAndValidate(settings)
    const base: Omit<RunReport, 'results'> = {
      dryRun: settings.dryRun,
      plan: settings.plan,
      teamId: settings.teamId,
      problems
    }

    if (errors > 0 || checked.length === 0) {
      const notSent = settings.dryRun
        ? `${errors} problem${errors === 1 ? '' : 's'} found; fix the annotated lines.`
        : `Nothing was sent to Northflank: ${errors} problem${errors === 1 ? '' : 's'} found; fix the annotated lines and run again.`
      await report(
        {
          ...base,
          notSent,
          results: [...notSentResults(checked, settings.dryRun), ...unloaded]
        },
        settings
      )
      core.info(notSent)
      process.exitCode = core.ExitCode.Failure
      return
    }

    if (settings.dryRun) {
      await report(
        {
          ...base,
          results: checked.map((c) => ({ ...resultOf(c), outcome: 'validated' }))
        },
        settings
      )
      core.info('Dry run: nothing was sent to Northflank.')
      return
    }

    let client: NorthflankClient
    try {
      client = await openClient(settings)
    } catch (error) {
      await reportNotSent(settings, base, checked, (error as Error).message)
      return
    }

    // Two or more definitions: one listing answers "absent" for all of them.
    let listing: ReadonlySet<string> | undefined
    if (checked.length >= 2) {
      try {
        const listed = await observeScope(client)
        listing = listed.ids
        base.listing = {
          secrets: listed.ids.size,
          pages: listed.pages,
          attempts: listed.stats.attempts,
          elapsedMs: listed.stats.elapsedMs
        }
      } catch (error) {
        await reportNotSent(
          settings,
          base,
          checked,
          `the existing secrets could not be listed: ${(error as Error).message}`
        )
        return
      }
    }

    const results = await observePlanApply(settings, client, checked, listing)
    await report({ ...base, results }, settings)
    const failed = results.filter((r) => r.outcome === 'failed').length
    if (settings.plan) core.info('Plan: nothing was changed in Northflank.')
    if (failed > 0) {
      core.info(failureLine(results, settings.plan))
      process.exitCode = core.ExitCode.Failure
    }
  } catch (error) {
    if (error instanceof InputError) {
      await reportInputErrors(error.problems)
    } else {
      // Expected failures are reported where they happen; reaching this is a bug.
      const message = error instanceof Error ? error.message : String(error)
      fail(
        `Unexpected error: ${message}. This is a bug in the action; please report it with this step's log.`
      )
    }
  }
}
