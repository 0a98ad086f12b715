export const id = 122;
export const ids = [122];
export const modules = {

/***/ 2122:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  RateGate: () => (/* reexport */ RateGate),
  applyGlobalSecret: () => (/* binding */ applyGlobalSecret)
});

// UNUSED EXPORTS: NorthflankError, RETRY_DEFAULTS, checkApiUrl, formatDetails, sameJson

// EXTERNAL MODULE: ./src/definition/identifier.ts
var identifier = __webpack_require__(7790);
;// CONCATENATED MODULE: ./src/northflank/errors.ts
// Errors of the Northflank client. Messages are shown to users as they are, so
// they never contain the API token, a request body or a secret value.
class NorthflankError extends Error {
    kind;
    /** HTTP status of the response that decided the failure, if any. */
    status;
    /** Northflank's error id (`error.id` of the body), for support requests. */
    errorId;
    /** Northflank's `error.details`, with secret values redacted. */
    details;
    code;
    /** Requests sent for this definition (all methods). */
    attempts;
    elapsedMs;
    /** HTTP statuses received, in order (network failures have none). */
    statuses;
    /** One entry per attempt: a status or a network error code, e.g. `['503', 'ECONNRESET']`. */
    trail;
    constructor(message, init) {
        super(message);
        this.name = 'NorthflankError';
        this.kind = init.kind;
        this.status = init.status;
        this.errorId = init.errorId;
        this.details = init.details;
        this.code = init.code;
        this.attempts = init.attempts ?? 0;
        this.elapsedMs = init.elapsedMs ?? 0;
        this.statuses = init.statuses ?? [];
        this.trail = init.trail ?? [];
    }
}

;// CONCATENATED MODULE: ./src/northflank/rate-gate.ts
// A gate shared by all requests of a batch: once one response says the rate
// limit is spent (429 or `x-ratelimit-remaining: 0`), every request waits for
// the reset instead of spending more of the window on certain rejections.

class RateGate {
    now;
    closedUntil = 0;
    /** `now` is injectable so tests can drive the clock. */
    constructor(now = Date.now) {
        this.now = now;
    }
    /** Epoch ms at which the gate opens again, or undefined while it is open. */
    get reopensAt() {
        return this.closedUntil > this.now() ? this.closedUntil : undefined;
    }
    /** Closes the gate until `untilMs`; an earlier time never shortens a longer closure. */
    close(untilMs) {
        if (Number.isFinite(untilMs) && untilMs > this.closedUntil)
            this.closedUntil = untilMs;
    }
    /**
     * Looks at one response; closes the gate when it says the limit is spent.
     * Returns the wait in ms until the reset, or undefined when the limit is not spent.
     * `fallbackMs` is used when a 429 or an empty window names no reset time.
     */
    observe(status, headers, fallbackMs) {
        const remaining = headerValue(headers, 'x-ratelimit-remaining');
        const spent = status === 429 || (remaining !== undefined && Number(remaining.trim()) === 0);
        if (!spent)
            return undefined;
        const waitMs = resetDelayMs(headers, this.now()) ?? fallbackMs;
        this.close(this.now() + waitMs);
        return waitMs;
    }
    /**
     * Resolves when the gate is open. Throws a `timeout` NorthflankError at once
     * (without waiting) when the gate opens only after `deadline` (epoch ms).
     */
    async waitTurn(deadline, onWait) {
        // Loop: another request may extend the closure while this one sleeps.
        for (;;) {
            const now = this.now();
            if (this.closedUntil <= now)
                return;
            if (this.closedUntil > deadline) {
                throw new NorthflankError(rateLimitBeyondBudgetMessage(this.closedUntil, now, deadline), {
                    kind: 'timeout'
                });
            }
            const waitMs = this.closedUntil - now;
            onWait?.(waitMs);
            await sleep(waitMs);
        }
    }
}
function rateLimitBeyondBudgetMessage(resetAt, now, deadline) {
    return (`The Northflank API rate limit resets at ${new Date(resetAt).toISOString()} ` +
        `(in ${formatDuration(resetAt - now)}), but the time budget for this definition ends ` +
        `in ${formatDuration(Math.max(0, deadline - now))}: not waiting. Rerun after the reset, ` +
        `or raise timeout-seconds`);
}
/**
 * Delay until the server's stated reset: `Retry-After` (seconds or HTTP date)
 * first, then `x-ratelimit-reset` (seconds until the window resets; values that
 * look like epoch seconds are read as such). Undefined when neither is usable.
 */
function resetDelayMs(headers, now) {
    return (parseRetryAfter(headerValue(headers, 'retry-after'), now) ??
        parseRateLimitReset(headerValue(headers, 'x-ratelimit-reset'), now));
}
function parseRetryAfter(value, now) {
    if (value === undefined)
        return undefined;
    const text = value.trim();
    if (text === '')
        return undefined;
    if (/^\d+(\.\d+)?$/.test(text))
        return Math.round(Number(text) * 1000);
    const date = Date.parse(text);
    if (Number.isNaN(date))
        return undefined;
    return Math.max(0, date - now);
}
// Anything above this is an absolute time, not a delay (2001-09-09 in epoch seconds).
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;
function parseRateLimitReset(value, now) {
    if (value === undefined)
        return undefined;
    const text = value.trim();
    if (!/^\d+(\.\d+)?$/.test(text))
        return undefined;
    const n = Number(text);
    if (n >= EPOCH_SECONDS_THRESHOLD)
        return Math.max(0, Math.round(n * 1000) - now);
    return Math.round(n * 1000);
}
function headerValue(headers, name) {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
}
function formatDuration(ms) {
    if (ms < 60_000)
        return `${(ms / 1000).toFixed(1)} s`;
    const minutes = Math.round(ms / 60_000);
    if (minutes < 60)
        return `${minutes} min`;
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

// EXTERNAL MODULE: ./src/northflank/api-url.ts
var api_url = __webpack_require__(7999);
;// CONCATENATED MODULE: ./src/northflank/redact.ts
// Text that came from the server (error messages, details, body snippets) can
// echo what was sent; it passes through here before it reaches a message.
const MASK = '***';
// Shorter values are not credible secrets, and masking them would garble
// messages (a value `1` would mask every digit 1 of an error id).
const MIN_LENGTH = 3;
/** The token and every string or number leaf under `body.secrets` (3 characters or more). */
function sensitiveStrings(token, body) {
    const found = new Set();
    if (token !== '')
        found.add(token);
    const secrets = body.secrets;
    const walk = (value, depth) => {
        if (depth > 64)
            return;
        if (typeof value === 'string') {
            if (value.length >= MIN_LENGTH)
                found.add(value);
        }
        else if (typeof value === 'number' && String(value).length >= MIN_LENGTH) {
            found.add(String(value));
        }
        else if (Array.isArray(value)) {
            for (const item of value)
                walk(item, depth + 1);
        }
        else if (typeof value === 'object' && value !== null) {
            for (const item of Object.values(value))
                walk(item, depth + 1);
        }
    };
    walk(secrets, 0);
    // Longest first, so a value containing another is masked whole.
    return [...found].sort((a, b) => b.length - a.length);
}
function redact(text, sensitive) {
    let out = text;
    for (const s of sensitive) {
        if (out.includes(s))
            out = out.split(s).join(MASK);
    }
    return out;
}
/** A copy of a JSON value with every string redacted (keys too: a value may be a key). */
function redactDeep(value, sensitive, depth = 0) {
    if (depth > 64)
        return MASK;
    if (typeof value === 'string')
        return redact(value, sensitive);
    if (typeof value === 'number')
        return sensitive.includes(String(value)) ? MASK : value;
    if (Array.isArray(value))
        return value.map((v) => redactDeep(v, sensitive, depth + 1));
    if (typeof value === 'object' && value !== null) {
        const out = {};
        for (const [k, v] of Object.entries(value)) {
            Object.defineProperty(out, redact(k, sensitive), {
                value: redactDeep(v, sensitive, depth + 1),
                enumerable: true,
                writable: true,
                configurable: true
            });
        }
        return out;
    }
    return value;
}

;// CONCATENATED MODULE: ./src/northflank/client.ts
// Client for Northflank's "create global secret" call: retries, rate limits,
// a hard time budget, and the 409 policy. Knows nothing about GitHub: the
// caller injects `debug` and turns NorthflankError messages into annotations.







const RETRY_DEFAULTS = {
    baseMs: 500,
    maxMs: 10_000,
    maxAttempts: 6,
    attemptTimeoutMs: 30_000
};
// Statuses worth another try. 500 is included: Northflank's 500s are usually
// transient, and a create it swallowed is caught by the 409 check. 501, 505 and
// other 5xx describe a permanent mismatch and are not retried.
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'ETIMEDOUT',
    'EPIPE',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENETDOWN',
    'EHOSTDOWN',
    'timeout'
]);
// Failures before any byte of the request left: the create cannot have happened.
const NOT_SENT_CODES = new Set([
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH'
]);
const TLS_CODES = new Set([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
    'ERR_TLS_CERT_ALTNAME_INVALID'
]);
// Our own per-attempt timer must fire first; http-client's idle timer (3 minutes
// by default) only has to be pushed out of the way.
const SOCKET_TIMEOUT_SLACK_MS = 1_000;
const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const SNIPPET_CHARS = 200;
const DETAILS_CHARS = 1_000;
// ---------------------------------------------------------------------------
// api-url
function checkApiUrl(apiUrl) {
    const problem = (0,api_url/* apiUrlProblem */.r)(apiUrl);
    if (problem !== undefined)
        throw configError(problem);
}
function configError(message) {
    return new NorthflankError(message, { kind: 'config' });
}
// ---------------------------------------------------------------------------
// apply
async function applyGlobalSecret(options, 
// `object` rather than Record<string, unknown> so typed definitions (interfaces) fit.
body, onConflict) {
    checkApiUrl(options.apiUrl);
    checkOptions(options, onConflict);
    const json = JSON.stringify(body);
    const exchange = new Exchange(options, sensitiveStrings(options.token, body));
    const base = options.apiUrl.replace(/\/+$/, '');
    const team = options.teamId ? `/teams/${encodeURIComponent(options.teamId)}` : '';
    const collection = `${base}/v1${team}/secrets`;
    const post = await exchange.send('POST', collection, json);
    if (isSuccess(post.reply.status))
        return exchange.result('created', dataOf(post.reply));
    if (post.reply.status !== 409)
        throw exchange.httpError('POST', collection, post.reply);
    const name = body.name;
    const id = typeof name === 'string' ? (0,identifier/* deriveSecretId */.h)(name) : undefined;
    let check;
    if (post.answerLost && id !== undefined) {
        check = await verifyOwnCreate(exchange, `${collection}/${encodeURIComponent(id)}`, json);
        // The lost answer was the create: it is ours whatever the policy says.
        if (check.kind === 'ours')
            return exchange.result('created', check.data);
    }
    if (onConflict === 'skip')
        return exchange.result('exists', undefined);
    if (onConflict === 'update') {
        const put = await exchange.send('PUT', collection, json);
        if (isSuccess(put.reply.status))
            return exchange.result('updated', dataOf(put.reply));
        throw exchange.httpError('PUT', collection, put.reply);
    }
    throw exchange.conflictError(post.reply, typeof name === 'string' ? name : undefined, id, check);
}
function checkOptions(options, onConflict) {
    if (!['fail', 'skip', 'update'].includes(onConflict)) {
        throw configError(`on-conflict must be fail, skip or update (got "${String(onConflict)}")`);
    }
    if (typeof options.token !== 'string' || options.token === '') {
        throw configError('The API token is empty: set api-token (or NORTHFLANK_API_TOKEN)');
    }
    // Checked here because Node's own header error would be less clear.
    for (const ch of options.token) {
        const c = ch.charCodeAt(0);
        if (c <= 0x20 || c === 0x7f) {
            throw configError('The API token contains whitespace or control characters (a line break copied with it?)');
        }
    }
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
        throw configError(`The timeout must be a positive number of milliseconds`);
    }
}
/**
 * A POST whose answer was lost may have been stored; its retry then meets our
 * own secret as a 409. Read it back and compare with what was sent.
 */
async function verifyOwnCreate(exchange, url, json) {
    exchange.debug('an earlier POST got no answer and the retry got 409: reading the stored secret');
    let got;
    try {
        got = await exchange.send('GET', url, undefined);
    }
    catch (error) {
        if (!(error instanceof NorthflankError))
            throw error;
        throw new NorthflankError(`While checking whether an earlier POST whose answer was lost had created the secret: ` +
            error.message, { ...errorInitOf(error) });
    }
    if (!isSuccess(got.reply.status)) {
        exchange.debug(`GET answered ${got.reply.status}: cannot tell whether the secret is ours`);
        return { kind: 'unknown' };
    }
    const stored = dataOf(got.reply);
    if (isOwn(JSON.parse(json), stored))
        return { kind: 'ours', data: stored };
    exchange.debug('the stored secret differs from this definition: not ours');
    return { kind: 'differs' };
}
function errorInitOf(e) {
    return {
        kind: e.kind,
        status: e.status,
        errorId: e.errorId,
        details: e.details,
        code: e.code,
        attempts: e.attempts,
        elapsedMs: e.elapsedMs,
        statuses: e.statuses,
        trail: e.trail
    };
}
function isOwn(sent, stored) {
    if (!isPlainObject(stored))
        return false;
    const { createdAt: _c, updatedAt: _u, ...rest } = stored;
    return sameJson(sent, rest);
}
/** Deep equality of JSON values; key order does not matter, array order does. */
function sameJson(a, b) {
    if (a === b)
        return true;
    if (Array.isArray(a) || Array.isArray(b)) {
        return (Array.isArray(a) &&
            Array.isArray(b) &&
            a.length === b.length &&
            a.every((v, i) => sameJson(v, b[i])));
    }
    if (isPlainObject(a) && isPlainObject(b)) {
        const ka = Object.keys(a);
        const kb = Object.keys(b);
        return (ka.length === kb.length &&
            ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k])));
    }
    return false;
}
// ---------------------------------------------------------------------------
// One definition's requests: shared attempt log, budget and messages
class Exchange {
    options;
    sensitive;
    start = Date.now();
    deadline;
    retry;
    gate;
    attempts = 0;
    statuses = [];
    trail = [];
    constructor(options, sensitive) {
        this.options = options;
        this.sensitive = sensitive;
        this.deadline = this.start + options.timeoutMs;
        this.retry = { ...RETRY_DEFAULTS, ...definedOnly(options.retry ?? {}) };
        this.gate = options.gate ?? new RateGate();
    }
    debug(message) {
        this.options.debug?.(redact(message, this.sensitive));
    }
    result(outcome, data) {
        return {
            outcome,
            data,
            attempts: this.attempts,
            elapsedMs: Date.now() - this.start,
            statuses: [...this.statuses]
        };
    }
    /** Sends one step (with retries) and returns its final, non-retryable answer. */
    async send(method, url, data) {
        let tries = 0;
        let answerLost = false;
        let last;
        for (;;) {
            await this.waitGate();
            const remaining = this.deadline - Date.now();
            if (remaining <= 0)
                throw this.givenUp(method, url, last, 'budget');
            tries++;
            this.attempts++;
            const attemptMs = Math.min(remaining, this.retry.attemptTimeoutMs);
            const t0 = Date.now();
            const result = await this.attempt(method, url, data, attemptMs);
            const took = Date.now() - t0;
            let serverDelay;
            if (result.ok) {
                const { reply } = result;
                last = reply;
                this.statuses.push(reply.status);
                this.trail.push(label(method, String(reply.status)));
                this.debug(`${method} ${url} -> ${reply.status} (attempt ${this.attempts}, ${took} ms)`);
                const gateWait = this.gate.observe(reply.status, reply.headers, Math.max(this.retry.baseMs, this.backoff(tries)));
                if (gateWait !== undefined) {
                    this.debug(`rate limit spent: requests wait ${formatDuration(gateWait)} for the reset`);
                }
                if (!RETRYABLE_STATUSES.has(reply.status))
                    return { reply, answerLost };
                if (reply.status !== 429) {
                    // A gateway error or 500 may come after the server stored the create.
                    answerLost = true;
                    serverDelay = parseRetryAfter(headerValue(reply.headers, 'retry-after'), Date.now());
                }
            }
            else {
                const { failure } = result;
                last = failure;
                this.trail.push(label(method, failure.code));
                this.debug(`${method} ${url} -> ${failure.code} (attempt ${this.attempts}, ${took} ms)`);
                if (failure.maybeSent)
                    answerLost = true;
                if (!failure.retryable)
                    throw this.givenUp(method, url, failure, 'final');
            }
            if (tries >= this.retry.maxAttempts)
                throw this.givenUp(method, url, last, 'attempts');
            // A 429 closed the gate: the wait happens in waitGate (or fails there at once).
            if (result.ok && result.reply.status === 429)
                continue;
            const delay = serverDelay ?? this.backoff(tries);
            const now = Date.now();
            if (now + delay >= this.deadline) {
                if (serverDelay !== undefined) {
                    throw new NorthflankError(`The Northflank API asked to retry ${method} ${url} after ` +
                        `${formatDuration(serverDelay)} (Retry-After, at ` +
                        `${new Date(now + serverDelay).toISOString()}), beyond the time budget left ` +
                        `(${formatDuration(Math.max(0, this.deadline - now))}): not waiting. ` +
                        this.failedAfter(), this.init({ kind: 'timeout', status: last.status }));
                }
                throw this.givenUp(method, url, last, 'budget');
            }
            this.debug(`retrying in ${delay} ms`);
            await sleep(delay);
        }
    }
    backoff(tries) {
        const ceiling = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (tries - 1));
        return Math.round(Math.random() * ceiling);
    }
    async waitGate() {
        try {
            await this.gate.waitTurn(this.deadline, (ms) => this.debug(`rate limit: waiting ${formatDuration(ms)} for the reset`));
        }
        catch (error) {
            if (!(error instanceof NorthflankError))
                throw error;
            const lastStatus = this.statuses[this.statuses.length - 1];
            throw new NorthflankError(`${error.message}. ${this.failedAfter()}`, this.init({ kind: 'timeout', status: lastStatus }));
        }
    }
    async attempt(method, url, data, attemptMs) {
        // Loaded here, not at the top: a dry run never needs the HTTP stack.
        const { HttpClient } = await loadHttpClient();
        const controller = new AbortController();
        const signal = controller.signal;
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
        }, attemptMs);
        const handler = {
            prepareRequest(requestOptions) {
                requestOptions.signal = signal;
                // Through a proxy, `tunnel` sends CONNECT as a separate request built
                // from agent.proxyOptions; the signal must reach it too, or a silent
                // proxy would keep the process alive after we gave up.
                const agent = requestOptions.agent;
                if (agent && typeof agent.proxyOptions === 'object' && agent.proxyOptions !== null) {
                    ;
                    agent.proxyOptions.signal = signal;
                }
            },
            canHandleAuthentication: () => false,
            handleAuthentication: () => Promise.reject(new Error('authentication handlers are not used'))
        };
        const client = new HttpClient(this.options.userAgent, [handler], {
            socketTimeout: attemptMs + SOCKET_TIMEOUT_SLACK_MS,
            // A redirect would resend the token and body elsewhere; api-url must be exact.
            allowRedirects: false,
            allowRetries: false,
            keepAlive: false
        });
        const headers = {
            authorization: `Bearer ${this.options.token}`,
            accept: 'application/json'
        };
        try {
            let response;
            if (method === 'GET')
                response = await client.get(url, headers);
            else {
                headers['content-type'] = 'application/json';
                response =
                    method === 'PUT'
                        ? await client.put(url, data ?? '', headers)
                        : await client.post(url, data ?? '', headers);
            }
            const body = await readBody(response.message, signal);
            return {
                ok: true,
                reply: { status: response.message.statusCode ?? 0, headers: response.message.headers, body }
            };
        }
        catch (error) {
            // Tears down whatever is left of the request (socket, proxy CONNECT).
            controller.abort();
            return { ok: false, failure: classify(error, timedOut, attemptMs, this.sensitive) };
        }
        finally {
            clearTimeout(timer);
        }
    }
    // -- messages -------------------------------------------------------------
    /** What was tried, e.g. `Failed after 4 attempts over 12.3 s (503, 503, ECONNRESET, 503).` */
    failedAfter(why = 'final') {
        if (this.attempts === 0)
            return 'No request was sent.';
        const n = this.attempts;
        const tried = `${n} attempt${n === 1 ? '' : 's'} over ${formatSeconds(Date.now() - this.start)} ` +
            `(${this.trail.join(', ')}).`;
        if (why === 'attempts')
            return `Gave up at the attempt limit, after ${tried}`;
        if (why === 'budget') {
            return `The time budget (${formatSeconds(this.options.timeoutMs)}) ran out after ${tried}`;
        }
        return `Failed after ${tried}`;
    }
    init(extra) {
        return {
            attempts: this.attempts,
            elapsedMs: Date.now() - this.start,
            statuses: [...this.statuses],
            trail: [...this.trail],
            ...extra
        };
    }
    givenUp(method, url, last, why) {
        if (last === undefined) {
            return new NorthflankError(`The time budget (${formatSeconds(this.options.timeoutMs)}) ran out before ${method} ` +
                `${url} could be sent. ${this.failedAfter()}`, this.init({ kind: 'timeout' }));
        }
        if ('status' in last)
            return this.httpError(method, url, last, why);
        return this.networkError(method, url, last, why);
    }
    networkError(method, url, f, why) {
        const what = f.code === 'timeout'
            ? f.message
            : f.message.includes(f.code)
                ? f.message
                : `${f.code} (${f.message})`;
        const text = [
            `No answer from the Northflank API for ${method} ${url}: ${what}.`,
            networkHint(f),
            this.failedAfter(why)
        ];
        return new NorthflankError(text.filter((t) => t !== '').join(' '), this.init({ kind: f.code === 'timeout' ? 'timeout' : 'network', code: f.code }));
    }
    httpError(method, url, reply, why = 'final') {
        const parsed = parseErrorBody(reply.body, this.sensitive);
        const status = reply.status;
        let head = `Northflank API answered ${method} ${url} with HTTP ${status} ${statusText(status)}`;
        if (parsed.message)
            head += `: ${parsed.message}`;
        if (parsed.detailsText)
            head += ` (${parsed.detailsText})`;
        else if (parsed.snippet)
            head += `; response body: "${parsed.snippet}"`;
        head += parsed.id ? `. Northflank error id: ${parsed.id}.` : '. The response has no error id.';
        const text = [head, this.httpHint(status, reply), this.failedAfter(why)];
        return new NorthflankError(text.filter((t) => t !== '').join(' '), this.init({ kind: 'http', status, errorId: parsed.id, details: parsed.details }));
    }
    conflictError(reply, name, id, check) {
        const parsed = parseErrorBody(reply.body, this.sensitive);
        const what = id !== undefined
            ? `A global secret with the identifier "${id}" (derived from the name "${name}")`
            : 'A global secret with the same derived identifier';
        const idText = parsed.id ? `, Northflank error id: ${parsed.id}` : '';
        const lost = check?.kind === 'differs'
            ? ' An earlier attempt got no answer, but the stored secret differs from this definition, so this run did not create it.'
            : check?.kind === 'unknown'
                ? ' An earlier attempt got no answer, and the stored secret could not be read to check whether this run created it.'
                : '';
        return new NorthflankError(`${what} already exists (HTTP 409${idText}).${lost} To keep the existing secret, set ` +
            `\`on-conflict: skip\`; to replace it with this definition, set \`on-conflict: update\`. ` +
            this.failedAfter(), this.init({ kind: 'conflict', status: 409, errorId: parsed.id, details: parsed.details }));
    }
    httpHint(status, reply) {
        const teamId = this.options.teamId;
        if (status === 400 || status === 422) {
            return 'The API rejected the definition: fix the fields named above.';
        }
        if (status === 401) {
            return ('The API token was refused: it is missing, expired or malformed. Check the api-token ' +
                'secret (a Northflank API token, without a "Bearer " prefix).');
        }
        if (status === 403) {
            return teamId
                ? `The API token is valid but lacks permission to manage global secrets in team ` +
                    `"${teamId}": check the API role the token was created with.`
                : 'The API token is valid but lacks permission to manage global secrets: check the API ' +
                    'role the token was created with (and set team-id if it is a team token).';
        }
        if (status === 404) {
            return teamId
                ? `Not found: check team-id ("${teamId}": the team must exist and the token must have ` +
                    `access to it) and api-url.`
                : 'Not found: check api-url (the API base URL such as https://api.northflank.com, ' +
                    'without /v1) and team-id.';
        }
        if (status === 429) {
            return ('The rate limit stayed exhausted: run again after it resets, or send fewer ' +
                'definitions at once (concurrency).');
        }
        if (status >= 300 && status < 400) {
            const location = headerValue(reply.headers, 'location');
            let where = '';
            try {
                if (location)
                    where = ` to ${new URL(location, 'https://invalid.invalid').origin}`;
            }
            catch {
                where = '';
            }
            return (`The API redirected${where}; redirects are not followed so the token is never sent ` +
                `elsewhere: check api-url.`);
        }
        if (status >= 500) {
            return ('The Northflank API had a server-side problem: run again later, and quote the error ' +
                'id to Northflank support if it persists.');
        }
        return '';
    }
}
function networkHint(f) {
    if (f.code === 'timeout') {
        return 'The API did not answer in time: run again later, or raise timeout-seconds.';
    }
    if (f.message.startsWith('tunneling socket could not be established')) {
        return 'The proxy (HTTPS_PROXY) could not open a tunnel: check the proxy settings.';
    }
    if (f.code === 'ENOTFOUND' || f.code === 'EAI_AGAIN') {
        return 'The host name did not resolve: check api-url, and HTTPS_PROXY/NO_PROXY if the runner needs a proxy.';
    }
    if (f.code === 'ECONNREFUSED') {
        return 'Nothing accepted the connection: check api-url and the proxy settings (HTTPS_PROXY/NO_PROXY).';
    }
    if (TLS_CODES.has(f.code)) {
        return ("The server's TLS certificate was not accepted: if the runner reaches the API through a " +
            'TLS-inspecting proxy or a private CA, make that CA trusted with NODE_EXTRA_CA_CERTS.');
    }
    return '';
}
function classify(error, timedOut, attemptMs, sensitive) {
    if (timedOut) {
        return {
            code: 'timeout',
            message: `no response within ${formatSeconds(attemptMs)}`,
            retryable: true,
            maybeSent: true
        };
    }
    const e = error;
    const message = redact(typeof e?.message === 'string' ? e.message.slice(0, 300) : String(error).slice(0, 300), sensitive);
    let code = typeof e?.code === 'string' ? e.code : undefined;
    if (code === undefined && message.startsWith('Request timeout')) {
        // http-client's own socket timer (pushed past ours, so only as a fallback).
        return {
            code: 'timeout',
            message: 'the connection went idle',
            retryable: true,
            maybeSent: true
        };
    }
    code ??= 'ERROR';
    const tunnelFailure = message.startsWith('tunneling socket could not be established');
    return {
        code,
        message,
        retryable: RETRYABLE_CODES.has(code),
        maybeSent: !NOT_SENT_CODES.has(code) && !tunnelFailure && !TLS_CODES.has(code)
    };
}
// ---------------------------------------------------------------------------
// helpers
let httpClientModule;
function loadHttpClient() {
    httpClientModule ??= Promise.resolve(/* import() */).then(__webpack_require__.bind(__webpack_require__, 4942));
    return httpClientModule;
}
/** Reads a response body; rejects (never hangs) when the attempt is aborted or the socket dies. */
function readBody(message, signal) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        let settled = false;
        const finish = (error) => {
            if (settled)
                return;
            settled = true;
            signal.removeEventListener('abort', onAbort);
            if (error) {
                message.destroy();
                reject(error);
            }
            else
                resolve(Buffer.concat(chunks).toString('utf8'));
        };
        const onAbort = () => finish(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
        if (signal.aborted)
            return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        message.on('data', (chunk) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
                finish(Object.assign(new Error('response larger than 10 MiB'), { code: 'ETOOBIG' }));
            }
            else
                chunks.push(chunk);
        });
        message.on('end', () => finish(undefined));
        message.on('error', (error) => finish(error));
        message.on('close', () => {
            if (!message.complete) {
                finish(Object.assign(new Error('connection closed before the response was complete'), {
                    code: 'ECONNRESET'
                }));
            }
        });
    });
}
function parseErrorBody(body, sensitive) {
    let json;
    try {
        json = JSON.parse(body);
    }
    catch {
        return { snippet: snippetOf(body, sensitive) };
    }
    const error = isPlainObject(json) ? (isPlainObject(json.error) ? json.error : json) : undefined;
    if (!error)
        return { snippet: snippetOf(body, sensitive) };
    const out = {};
    if (typeof error.message === 'string' && error.message !== '') {
        out.message = clip(oneLine(redact(error.message, sensitive)), 500);
    }
    if (typeof error.id === 'string' || typeof error.id === 'number') {
        out.id = clip(oneLine(redact(String(error.id), sensitive)), 100);
    }
    if (error.details !== undefined && error.details !== null) {
        out.details = redactDeep(error.details, sensitive);
        out.detailsText = formatDetails(out.details);
    }
    if (!out.message && !out.id && !out.detailsText)
        out.snippet = snippetOf(body, sensitive);
    return out;
}
/** Northflank's `details`, as `field: message; field: message`. */
function formatDetails(details) {
    const parts = [];
    const text = (v) => typeof v === 'string'
        ? v
        : isPlainObject(v) && typeof v.message === 'string'
            ? v.message
            : JSON.stringify(v);
    if (Array.isArray(details)) {
        for (const item of details) {
            if (isPlainObject(item)) {
                const rawField = item.path ?? item.field ?? item.property ?? item.key;
                const field = Array.isArray(rawField) ? rawField.join('.') : rawField;
                const msg = text(item.message ?? item.msg ?? item);
                parts.push(typeof field === 'string' && field !== '' ? `${field}: ${msg}` : msg);
            }
            else
                parts.push(text(item));
        }
    }
    else if (isPlainObject(details)) {
        for (const [field, value] of Object.entries(details)) {
            const msg = Array.isArray(value) ? value.map(text).join('; ') : text(value);
            parts.push(field === '' ? msg : `${field}: ${msg}`);
        }
    }
    else if (details !== undefined && details !== null) {
        parts.push(text(details));
    }
    if (parts.length === 0)
        return undefined;
    return clip(oneLine(parts.join('; ')), DETAILS_CHARS);
}
function snippetOf(body, sensitive) {
    // Redact before clipping, so a token cut in half cannot slip through.
    const text = oneLine(redact(body.slice(0, 10_000), sensitive));
    if (text === '')
        return undefined;
    // A page that talks about authorization may be echoing our request headers.
    if (/authorization|bearer/i.test(text))
        return '(omitted: it appears to echo request headers)';
    return clip(text, SNIPPET_CHARS);
}
function oneLine(text) {
    let out = '';
    for (const ch of text) {
        const c = ch.charCodeAt(0);
        out += c < 0x20 || c === 0x7f ? ' ' : ch;
    }
    return out.replace(/\s+/g, ' ').trim();
}
function clip(text, max) {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
function dataOf(reply) {
    try {
        const json = JSON.parse(reply.body);
        return isPlainObject(json) ? json.data : undefined;
    }
    catch {
        return undefined;
    }
}
function isSuccess(status) {
    return status >= 200 && status < 300;
}
function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function label(method, what) {
    return method === 'POST' ? what : `${method} ${what}`;
}
// A short table instead of node:http's STATUS_CODES: this module loads no HTTP
// code until a request is actually sent.
const STATUS_TEXT = {
    301: 'Moved Permanently',
    302: 'Found',
    303: 'See Other',
    307: 'Temporary Redirect',
    308: 'Permanent Redirect',
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    408: 'Request Timeout',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout'
};
function statusText(status) {
    return STATUS_TEXT[status] ?? (status >= 500 ? 'Server Error' : 'Error');
}
function formatSeconds(ms) {
    return `${(ms / 1000).toFixed(1)} s`;
}
function definedOnly(o) {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}


/***/ })

};
