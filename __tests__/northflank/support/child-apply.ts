// Runs applyGlobalSecret in a fresh process, for what only a process start can
// set up (NODE_EXTRA_CA_CERTS) and to see that nothing keeps the process alive.
// Input: NF_CHILD (JSON). Output: one JSON line on stdout, with the time it was
// printed (epoch ms), so the test can tell how long anything kept the process
// alive after it (to its 'exit' event). Never calls process.exit.
import dns from 'node:dns'

interface ChildInput {
  options: { apiUrl: string; token: string; timeoutMs: number; teamId?: string; retry?: object }
  body: Record<string, unknown>
  /** host names to resolve to 127.0.0.1 (stands in for /etc/hosts; the real name does not resolve) */
  mapHosts?: string[]
  /** apply this many times in a row (names get a " 2", " 3"… suffix); default 1 */
  repeat?: number
}

const input = JSON.parse(process.env.NF_CHILD ?? '{}') as ChildInput

if (input.mapHosts && input.mapHosts.length > 0) {
  const mapped = new Set(input.mapHosts)
  const original = dns.lookup
  const patched = (hostname: string, options: unknown, callback?: unknown): void => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void
    const opts = (typeof options === 'object' && options !== null ? options : {}) as {
      all?: boolean
    }
    if (!mapped.has(hostname)) {
      ;(original as (...args: unknown[]) => void)(hostname, options, callback)
      return
    }
    if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }])
    else cb(null, '127.0.0.1', 4)
  }
  ;(dns as { lookup: unknown }).lookup = patched
}

const { applyGlobalSecret } = await import('../../../src/sync.js')
// sync.js loads the client lazily; load it now, and the HTTP stack with it (under tsx, on a busy
// machine, that can take most of a short budget): these tests are about what happens after the
// request is sent. budget-start.test.ts checks that the load counts against the budget.
await import('../../../src/northflank/client.js')
await (await import('../../../src/northflank/transport.js')).loadTransport()
const started = Date.now()
const debug: string[] = []
try {
  const apply = (body: Record<string, unknown>) =>
    applyGlobalSecret(
      { userAgent: 'child-test', debug: (m) => debug.push(m), ...input.options },
      body,
      'fail'
    )
  let result = await apply(input.body)
  for (let i = 2; i <= (input.repeat ?? 1); i++) {
    result = await apply({ ...input.body, name: `${String(input.body.name)} ${i}` })
  }
  console.log(
    JSON.stringify({
      ok: true,
      outcome: result.outcome,
      statuses: result.statuses,
      debug,
      printedAt: Date.now()
    })
  )
} catch (error) {
  const e = error as { kind?: string; code?: string; message?: string; attempts?: number }
  console.log(
    JSON.stringify({
      ok: false,
      kind: e.kind,
      code: e.code,
      message: e.message,
      attempts: e.attempts,
      startedAt: started,
      elapsedMs: Date.now() - started,
      debug,
      printedAt: Date.now()
    })
  )
}
