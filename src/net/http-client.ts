/**
 * The one HTTP layer every adapter uses. It knows no network: adapters register how to read their error bodies
 * (body-readers.ts), and name the rate-limit bucket (route family) of a request when it has its own limit.
 *
 * Contract:
 * - Every request passes assertSecureUrl (https, or http to loopback only), on every redirect hop too; redirects are
 *   followed here, and credentials are dropped when a redirect changes origin.
 * - Requests are queued per host (concurrencyPerHost, optional interval cap) and paced per bucket (host-queue.ts): a
 *   429's wait or a response saying the window is used up (remaining ≤ reserve, reset in the future) holds the
 *   request's bucket until then; a 5xx's Retry-After holds the whole host. Waits are the longest of everything the
 *   server said, never shorter. Rate-limit headers are parsed here only, and handed to `request`'s consume.
 * - Retried: 429, transient 5xx (retry.ts) unless a registered body reader calls the body permanent, resets,
 *   refused connections (a few times: server down), timeouts (timeouts.ts: response headers, an idle body), and in
 *   `request` bodies cut off while being consumed. Retries after failures and 5xx stop once the request has spent
 *   `retriesMs` on them. Never retried: other 4xx. Backoff without a server hint: full jitter, baseDelayMs · 2^n
 *   capped by maxDelayMs.
 * - A server wait longer than maxWaitMs fails at once with RemoteError (with the time to try again); such a wait
 *   does not hold the host, since limits like Misskey's are per endpoint and other calls may still go through.
 * - Retries exhausted: `request` throws RemoteError naming the host and what happened; `fetch` returns the last
 *   HTTP response (so SDKs see their own error bodies; a JSON 429 body that was read for its hint is handed back
 *   as a fresh Response) and throws RemoteError only for network-level failures.
 * - A request body that is a stream is not re-sent once anything has read it: such a request gets one attempt.
 * - Aborting `options.signal` or `init.signal` rejects with InterruptedError promptly, also in queues and waits.
 *   Each request listens through a signal of its own (AbortSignal.any), so the run's shared signal carries no
 *   listener per queued request or attempt (no MaxListenersExceededWarning however many requests wait).
 * - Every request carries a User-Agent (`lifeboat/<version>` unless the caller set one); NetEvent URLs and error
 *   messages are redacted (redact.ts) and name hosts, never tokens.
 * - Programming errors (invalid header values, a consume callback's own errors) are rethrown untouched.
 */
import { RemoteError } from '../errors.js'
import {
  canSendBodyAgain,
  discardBody,
  isStreamBody,
  knownBodySize,
  parseJsonBytes,
  PEEK_LIMIT,
  readCapped,
  rebuildResponse,
  tapStream,
  watchIdle,
} from './body.js'
import { bodyWait, isPermanent, type BodyReader } from './body-readers.js'
import { DEFAULT_BUCKET, HostQueues, type HostLane } from './host-queue.js'
import { PACING_RESERVE, readRateLimitHeaders, serverWait, tooLongWait, type HostPacing, type RateLimitInfo } from './rate-limit.js'
import { MAX_REDIRECTS, nextHop, redirectTarget, type Hop } from './redirect.js'
import { redactUrl } from './redact.js'
import { assertSecureUrl } from './secure-url.js'
import { DEFAULT_TIMEOUTS, timeoutsFromEnv } from './timeouts.js'
import { defaultUserAgent } from './user-agent.js'
import {
  abortableSleep,
  backoffDelay,
  classifyFailure,
  describeFailure,
  interrupted,
  isRetryableStatus,
  REFUSED_RETRIES,
  timeoutError,
  type NetworkFailure,
} from './retry.js'

export type { BodyReader } from './body-readers.js'
export type { RateLimitInfo } from './rate-limit.js'

export interface NetEvent {
  type: 'retry' | 'rate-limited' | 'paced'
  /** Redacted. */
  url: string
  status?: number
  waitMs: number
  attempt?: number
  reason?: string
}

export interface HttpClientOptions {
  /** Default `lifeboat/<version>`; a User-Agent set by the caller on a request wins. */
  userAgent?: string
  /** Per attempt, until the response headers (timeouts.ts). Default 30 s, or LIFEBOAT_TIMEOUT_HEADERS. */
  headersTimeoutMs?: number
  /** Longest time without a byte while a response body is read. Default 60 s, or LIFEBOAT_TIMEOUT_IDLE. */
  idleTimeoutMs?: number
  /** Total time one request may spend on retries after failures and 5xx. Default 120 s, or LIFEBOAT_TIMEOUT_RETRIES. */
  retriesTimeoutMs?: number
  /** Where the LIFEBOAT_TIMEOUT_* variables are read. Default process.env. */
  env?: NodeJS.ProcessEnv
  /** Default 6 (so at most 7 attempts); refused connections get at most 3 retries. */
  maxRetries?: number
  /** Default 500: full-jitter exponential backoff when the server gave no hint. */
  baseDelayMs?: number
  /** Cap of one backoff delay. Default 60 s. */
  maxDelayMs?: number
  /** Longest server-requested wait accepted before failing with RemoteError. Default 15 min. */
  maxWaitMs?: number
  /** Default 6. */
  concurrencyPerHost?: number
  intervalCapPerHost?: { intervalMs: number; cap: number }
  /** Aborts everything: waits, queued and in-flight requests → InterruptedError. */
  signal?: AbortSignal
  onEvent?: (event: NetEvent) => void
  /** Injectable for tests; default real timers. Must reject (or resolve promptly) when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** The clock pacing and the retry budget read (epoch ms). Injectable with `sleep`; default Date.now. */
  now?: () => number
  /** Body readers from the start (more can be registered later). */
  bodyReaders?: BodyReader[]
  /** Default globalThis.fetch (undici). */
  fetchImpl?: typeof fetch
}

export interface HttpClient {
  /** Drop-in fetch for SDKs (misskey-js `fetch` option, matrix-js-sdk `fetchFn`, @atproto/api `fetch` handler):
   *  queued per host, paced, retried; returns the final Response (non-retryable statuses are returned, not thrown,
   *  so SDKs see their own error bodies). Bodies that are streams cannot be replayed, so requests with such a body are
   *  not retried after the body has been sent. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /**
   * fetch + consume as one retried unit: a reset, truncation or idle body while reading retries the whole thing.
   * `consume` also gets what the answer said about its rate limit (parsed once, here).
   */
  request<T>(url: string | URL, init: RequestInit, consume: (res: Response, limits: RateLimitInfo) => Promise<T>, options?: RequestOptions): Promise<T>
  /** Adds a reader of the adapter's error bodies (429 waits, permanent 5xx); registering one twice is harmless. */
  registerBodyReader(reader: BodyReader): void
  readonly stats: { requests: number; retries: number; rateLimited: number }
}

export interface RequestOptions {
  /**
   * The rate-limit bucket (route family) the request draws on, e.g. `follows`. A 429 or a used-up window holds only
   * this bucket of the host. Default: the host's bucket of requests that name none.
   */
  bucket?: string
  /** Remaining count at or below which a future reset holds the bucket. Default 1 (PACING_RESERVE). */
  reserve?: number
}

interface Call {
  hop: Hop
  bucket: string
  reserve: number
  /** The caller's other fetch options (cache, credentials, keepalive …). */
  rest: RequestInit
  signal: AbortSignal | undefined
  redirect: RequestRedirect
}

type Outcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'redirect'; target: URL; status: number }
  /** A retryable status; `hold` means the host's lane already holds every request for `delayMs`. */
  | { kind: 'status'; response: Response; waitMs: number | undefined; delayMs: number; hold: boolean }
  | { kind: 'failure'; failure: NetworkFailure }

type Consume<T> = ((res: Response, limits: RateLimitInfo) => Promise<T>) | undefined

const HINT_LATER = 'Check the server is up, or try again later.'

/** Slowest upload we still call progress (bytes/s): a 100 MB body gets ~50 min on top of timeoutMs. */
const MIN_UPLOAD_RATE = 32 * 1024

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const userAgent = options.userAgent ?? defaultUserAgent()
  const fromEnv = timeoutsFromEnv(options.env ?? process.env)
  const timeoutMs = options.headersTimeoutMs ?? fromEnv.headersMs ?? DEFAULT_TIMEOUTS.headersMs
  const idleMs = options.idleTimeoutMs ?? fromEnv.idleMs ?? DEFAULT_TIMEOUTS.idleMs
  const retriesMs = options.retriesTimeoutMs ?? fromEnv.retriesMs ?? DEFAULT_TIMEOUTS.retriesMs
  const maxRetries = options.maxRetries ?? 6
  const baseDelayMs = options.baseDelayMs ?? 500
  const maxDelayMs = options.maxDelayMs ?? 60_000
  const maxWaitMs = options.maxWaitMs ?? 15 * 60_000
  const sleep = options.sleep ?? abortableSleep
  const fetchImpl = options.fetchImpl ?? globalThis.fetch
  const now = options.now ?? Date.now
  const readers = new Set<BodyReader>(options.bodyReaders ?? [])
  const lanes = new HostQueues({ concurrency: options.concurrencyPerHost ?? 6, intervalCap: options.intervalCapPerHost })
  const stats = { requests: 0, retries: 0, rateLimited: 0 }

  function emit(event: NetEvent): void {
    try {
      options.onEvent?.(event)
    } catch {
      // A failing listener must not fail the request it observes.
    }
  }

  function prepare(input: string | URL | Request, init: RequestInit = {}, request: RequestOptions = {}): Call {
    let base: RequestInit = {}
    let target: string | URL
    if (input instanceof Request) {
      target = input.url
      base = { method: input.method, headers: input.headers, body: input.body, signal: input.signal, redirect: input.redirect }
    } else {
      target = input
    }
    const defined = Object.fromEntries(Object.entries(init).filter(([, value]) => value !== undefined)) as RequestInit
    const { method, headers, body, signal, redirect, ...rest } = { ...base, ...defined }
    delete (rest as { duplex?: unknown }).duplex
    const merged = new Headers(headers ?? undefined)
    if (!merged.has('user-agent')) merged.set('user-agent', userAgent)
    const signals = [options.signal, signal ?? undefined].filter((s): s is AbortSignal => s !== undefined)
    return {
      hop: { url: assertSecureUrl(target, 'request URL'), method: (method ?? 'GET').toUpperCase(), headers: merged, body: body ?? undefined },
      bucket: request.bucket ?? DEFAULT_BUCKET,
      reserve: request.reserve ?? PACING_RESERVE,
      rest,
      // A signal of this request's own, even for one source: queues, sleeps and fetch add their listeners to it,
      // never to the run's shared signal (AbortSignal.any adds none to its sources).
      signal: signals.length === 0 ? undefined : AbortSignal.any(signals),
      redirect: redirect ?? 'follow',
    }
  }

  async function run<T>(call: Call, consume: Consume<T>): Promise<T | Response> {
    if (call.signal?.aborted) throw interrupted(call.signal.reason)
    for (let hops = 0; ; hops++) {
      const outcome = await retried(call, consume)
      if (outcome.kind === 'done') return outcome.value
      if (hops >= MAX_REDIRECTS) {
        throw new RemoteError(`${call.hop.url.host} redirected more than ${MAX_REDIRECTS} times.`, {
          hint: 'Check the server address; the server may be misconfigured.',
          details: { url: redactUrl(call.hop.url) },
        })
      }
      call.hop = nextHop(call.hop, outcome.status, assertSecureUrl(outcome.target, 'redirect target'))
    }
  }

  async function retried<T>(call: Call, consume: Consume<T>): Promise<Outcome<T | Response> & { kind: 'done' | 'redirect' }> {
    const lane = lanes.get(call.hop.url.host)
    const url = redactUrl(call.hop.url)
    const started = now()
    /** Whether a retry after `delayMs` still fits the request's retry budget. */
    const inBudget = (delayMs: number): boolean => now() + delayMs - started <= retriesMs
    let quiet = false
    for (let attempt = 0; ; attempt++) {
      let outcome: Outcome<T | Response>
      try {
        outcome = await lane.queue.add(() => attemptOnce(call, lane, url, consume, attempt, quiet), {
          signal: call.signal,
          priority: attempt,
        })
      } catch (error) {
        if (call.signal?.aborted) throw interrupted(error)
        throw error
      }
      if (outcome.kind === 'done' || outcome.kind === 'redirect') return outcome
      const again = canSendBodyAgain(call.hop.body)
      const retry = attempt + 1
      if (outcome.kind === 'status') {
        const { response, waitMs, delayMs, hold } = outcome
        const status = response.status
        if (status === 429) stats.rateLimited++
        if (waitMs !== undefined && waitMs > maxWaitMs) {
          await discardBody(response)
          throw tooLongWait(lane.host, waitMs, status === 429 ? 'rate limited' : `answered ${status}`, now() + waitMs, status)
        }
        if (attempt >= maxRetries || !again || (!hold && !inBudget(delayMs))) {
          if (consume === undefined) return { kind: 'done', value: response }
          await discardBody(response)
          const times = retry === 1 ? '' : ` ${retry} times in a row`
          throw new RemoteError(`${lane.host} answered ${statusLine(response)}${times}.`, {
            status,
            hint: HINT_LATER,
            details: { url, status, attempts: retry },
          })
        }
        await discardBody(response)
        stats.retries++
        const reason = status === 429 ? 'rate limited' : `server answered ${statusLine(response)}`
        emit({ type: status === 429 ? 'rate-limited' : 'retry', url, status, waitMs: delayMs, attempt: retry, reason })
        // A hold is slept by the lane's gate in the next attempt, together with every other request for the host.
        quiet = hold
        if (!hold) await pause(delayMs, call.signal)
        continue
      }
      const { failure } = outcome
      const limit = failure.kind === 'refused' ? Math.min(maxRetries, REFUSED_RETRIES) : maxRetries
      const delay = backoffDelay(attempt, baseDelayMs, maxDelayMs)
      if (!failure.retryable || attempt >= limit || !again || !inBudget(delay)) throw failureError(failure, lane.host, url, retry)
      stats.retries++
      emit({ type: 'retry', url, waitMs: delay, attempt: retry, reason: describeFailure(failure) })
      quiet = false
      await pause(delay, call.signal)
    }
  }

  async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal)
    } catch (error) {
      if (signal?.aborted) throw interrupted(error)
      throw error
    }
    if (signal?.aborted) throw interrupted(signal.reason)
  }

  async function attemptOnce<T>(
    call: Call,
    lane: HostLane,
    url: string,
    consume: Consume<T>,
    attempt: number,
    quiet: boolean,
  ): Promise<Outcome<T | Response>> {
    const bucket = lane.bucket(call.bucket)
    for (const pacing of [lane.pacing, bucket]) {
      const held = await pacing.wait({ host: lane.host, signal: call.signal, sleep, now, maxWaitMs })
      if (held.waitedMs > 0 && !quiet) emit({ type: 'paced', url, waitMs: held.waitedMs, reason: held.reason })
    }
    stats.requests++
    const sent = await sendOnce(call)
    if ('failure' in sent) return { kind: 'failure', failure: sent.failure }
    const { response } = sent
    const info = readRateLimitHeaders(response.headers, now())
    bucket.observe(info, now(), call.reserve)

    const target = call.redirect === 'manual' ? undefined : redirectTarget(response, call.hop.url)
    if (target !== undefined) {
      if (call.redirect === 'error') {
        await discardBody(response)
        throw new RemoteError(`${lane.host} answered with an unexpected redirect (${response.status}).`, {
          status: response.status,
          hint: 'Check the server address.',
          details: { url, location: redactUrl(target) },
        })
      }
      const next = nextHop(call.hop, response.status, target)
      if (next.body === undefined || canSendBodyAgain(next.body)) {
        await discardBody(response)
        return { kind: 'redirect', target, status: response.status }
      }
    }

    let answer = response
    if (isRetryableStatus(response.status)) {
      let bodyWaitMs: number | undefined
      let permanent = false
      if (readers.size > 0 && /json/i.test(response.headers.get('content-type') ?? '')) {
        let bytes: Uint8Array | undefined
        try {
          bytes = await readCapped(response, PEEK_LIMIT)
        } catch (error) {
          if (call.signal?.aborted) throw interrupted(error)
          const failure = classifyFailure(error, true)
          if (failure !== undefined) return { kind: 'failure', failure }
          throw error
        }
        if (bytes !== undefined) {
          const body = parseJsonBytes(bytes)
          bodyWaitMs = bodyWait(readers, body, now())
          permanent = isPermanent(readers, response.status, body)
        }
        answer = rebuildResponse(response, bytes ?? new Uint8Array(0))
      }
      if (!permanent) {
        // Hold here, inside the queue slot, so that no other request of the bucket (or host) slips out before it.
        const status = response.status
        const waitMs = serverWait(info, bodyWaitMs, status, call.reserve)
        const hold = status === 429 || waitMs !== undefined
        const delayMs = waitMs ?? backoffDelay(attempt, baseDelayMs, maxDelayMs)
        if (hold && delayMs <= maxWaitMs) {
          const held: HostPacing = status === 429 ? bucket : lane.pacing
          held.hold(now() + delayMs, status === 429 ? 'rate limited (429)' : `${status} with Retry-After`)
        }
        return { kind: 'status', response: answer, waitMs, delayMs, hold }
      }
    }

    if (consume === undefined) return { kind: 'done', value: answer }
    try {
      return { kind: 'done', value: await consume(answer, info) }
    } catch (error) {
      if (call.signal?.aborted) throw interrupted(error)
      const failure = classifyFailure(error, true)
      if (failure?.retryable) {
        await discardBody(response)
        return { kind: 'failure', failure }
      }
      throw error
    }
  }

  /**
   * One fetch with the per-attempt timeout. The timeout covers sending the request and receiving the headers, so
   * it grows with a known body size (at MIN_UPLOAD_RATE) and restarts on every chunk a stream body yields.
   */
  async function sendOnce(call: Call): Promise<{ response: Response } | { failure: NetworkFailure }> {
    const timeout = new AbortController()
    const signal = call.signal === undefined ? timeout.signal : AbortSignal.any([call.signal, timeout.signal])
    const { url, method, headers, body } = call.hop
    const budget = timeoutMs + (knownBodySize(body) * 1000) / MIN_UPLOAD_RATE
    const expire = (): void => timeout.abort(timeoutError(`no response headers within ${seconds(budget)}`))
    let timer = setTimeout(expire, budget)
    const restart = (): void => {
      clearTimeout(timer)
      timer = setTimeout(expire, timeoutMs)
    }
    try {
      const init: RequestInit & { duplex?: 'half' } = { ...call.rest, method, headers, body, signal, redirect: 'manual' }
      if (isStreamBody(body)) {
        init.duplex = 'half'
        init.body = tapStream(body as unknown as AsyncIterable<Uint8Array>, restart) as unknown as RequestInit['body']
      }
      const response = await fetchImpl(url.href, init)
      return { response: watchIdle(response, idleMs, () => timeoutError(`no data for ${seconds(idleMs)} while reading the answer`)) }
    } catch (error) {
      if (call.signal?.aborted) throw interrupted(error)
      if (timeout.signal.aborted) {
        const failure = classifyFailure(timeout.signal.reason)
        return { failure: failure ?? { kind: 'timeout', retryable: true, code: undefined, cause: error } }
      }
      const failure = classifyFailure(error)
      if (failure !== undefined) return { failure }
      throw error
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    stats,
    async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
      return (await run(prepare(input, init), undefined)) as Response
    },
    async request<T>(url: string | URL, init: RequestInit, consume: (res: Response, limits: RateLimitInfo) => Promise<T>, request?: RequestOptions): Promise<T> {
      return (await run(prepare(url, init, request), consume)) as T
    },
    registerBodyReader(reader: BodyReader): void {
      readers.add(reader)
    },
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`
}

function statusLine(response: Response): string {
  return response.statusText ? `${response.status} ${response.statusText}` : String(response.status)
}

function failureError(failure: NetworkFailure, host: string, url: string, attempts: number): RemoteError {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`
  const details = { url, failure: failure.kind, code: failure.code, attempts }
  switch (failure.kind) {
    case 'refused':
      return new RemoteError(`Cannot reach ${host}: connection refused (${tries}).`, {
        hint: 'Check the server is up and the address is right, or try again later.',
        cause: failure.cause,
        details,
      })
    case 'dns':
      return new RemoteError(`Cannot reach ${host}: host name not found.`, {
        hint: 'Check the server address for typos.',
        cause: failure.cause,
        details,
      })
    case 'tls':
      return new RemoteError(`Cannot talk securely to ${host}: ${describeFailure(failure)}.`, {
        hint: "Check the server's certificate (expired, self-signed, or for another name?).",
        cause: failure.cause,
        details,
      })
    default:
      return new RemoteError(`Request to ${host} failed: ${describeFailure(failure)} (${tries}).`, {
        hint: HINT_LATER,
        cause: failure.cause,
        details,
      })
  }
}
