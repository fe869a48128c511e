// Reading what servers say about their rate limits, and holding a host until they allow more.
//
// Signals recognised (headers are case-insensitive, so one reader covers every spelling):
// - `Retry-After`: delta seconds or HTTP-date (RFC 9110 §10.2.3). Misskey ≥ 2024.7 on 429 (fixture
//   misskey/v2025.11.1/following_create__ratelimited-429.json); Synapse ≥ 1.103; Sharkey when blocked.
// - `X-RateLimit-Remaining` + `X-RateLimit-Reset`: Mastodon and GoToSocial send Reset as an ISO-8601 timestamp
//   (Mastodon docs api/rate-limits.md; docs.gotosocial.org api/ratelimiting); Sharkey sends fractional seconds to
//   wait (Sharkey misc/rate-limit-utils.ts); other servers send epoch seconds.
// - `RateLimit-Remaining` + `RateLimit-Reset`: IETF draft (delta seconds) and the AT Protocol PDS (epoch seconds,
//   atproto packages/pds rate limits).
// - 429 JSON bodies are network-specific: adapters register how to read them (body-readers.ts), this layer knows none.
// A reset value is read as: a date (ISO-8601 or HTTP-date) → absolute; a number > 1e12 → epoch milliseconds;
// > 1e9 → epoch seconds; otherwise seconds from now.
import { RemoteError } from '../errors.js'
import { interrupted } from './retry.js'

/** Remaining requests at or below this count, with a reset in the future, hold the bucket until the reset. */
export const PACING_RESERVE = 1

/** Server clocks further off than this are not trusted for converting absolute times into waits. */
const MAX_TRUSTED_SKEW_MS = 10 * 60_000

/**
 * What one response said about its rate limit: parsed here once, used for pacing, and handed back to the caller
 * (HttpClient.request's `consume`) so that adapters never parse these headers themselves.
 */
export interface RateLimitInfo {
  /** From Retry-After: how long to wait, in ms from now. */
  retryAfterMs: number | undefined
  /** From (X-)RateLimit-Limit: the window's size. */
  limit?: number | undefined
  /** From (X-)RateLimit-Remaining. */
  remaining: number | undefined
  /** From (X-)RateLimit-Reset: wait in ms from now until the window resets. */
  resetInMs: number | undefined
}

function parseNumber(value: string): number | undefined {
  const text = value.trim()
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined
  return Number(text)
}

/** Absolute time (epoch ms) → wait in ms, never shorter than either clock says (ours, or the server's Date). */
function untilAbsolute(atMs: number, nowMs: number, serverNowMs: number | undefined): number {
  let wait = atMs - nowMs
  if (serverNowMs !== undefined && Math.abs(serverNowMs - nowMs) <= MAX_TRUSTED_SKEW_MS) {
    wait = Math.max(wait, atMs - serverNowMs)
  }
  return Math.max(0, Math.ceil(wait))
}

/** Retry-After: seconds (fractions tolerated) or an HTTP-date; returns ms to wait, undefined when absent or garbage. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number, serverNowMs?: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined
  const seconds = parseNumber(value)
  if (seconds !== undefined) return Math.ceil(seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : untilAbsolute(at, nowMs, serverNowMs)
}

/** A rate-limit reset value (see the heuristic at the top); returns ms to wait from now. */
export function parseResetValue(value: string | null | undefined, nowMs: number, serverNowMs?: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined
  const number = parseNumber(value)
  if (number !== undefined) {
    if (number > 1e12) return untilAbsolute(number, nowMs, serverNowMs)
    if (number > 1e9) return untilAbsolute(number * 1000, nowMs, serverNowMs)
    return Math.ceil(number * 1000)
  }
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : untilAbsolute(at, nowMs, serverNowMs)
}

/** Reads every rate-limit header of a response; `nowMs` is our clock when the headers arrived. */
export function readRateLimitHeaders(headers: Headers, nowMs: number): RateLimitInfo {
  const dateHeader = headers.get('date')
  const serverDate = dateHeader === null ? NaN : Date.parse(dateHeader)
  const serverNowMs = Number.isNaN(serverDate) ? undefined : serverDate
  const remainingText = headers.get('x-ratelimit-remaining') ?? headers.get('ratelimit-remaining')
  const remaining = remainingText === null ? undefined : parseNumber(remainingText)
  const limitText = headers.get('x-ratelimit-limit') ?? headers.get('ratelimit-limit')
  const limit = limitText === null ? undefined : parseNumber(limitText)
  return {
    retryAfterMs: parseRetryAfter(headers.get('retry-after'), nowMs, serverNowMs),
    limit,
    remaining,
    resetInMs: parseResetValue(headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset'), nowMs, serverNowMs),
  }
}

/**
 * The wait the server asked for before the next request, the longest of everything it said, or undefined when it
 * said nothing. On a 429 the window reset counts whatever `remaining` claims; otherwise only when it is used up.
 */
export function serverWait(info: RateLimitInfo, bodyWaitMs: number | undefined, status: number, reserve = PACING_RESERVE): number | undefined {
  const candidates: number[] = []
  if (info.retryAfterMs !== undefined) candidates.push(info.retryAfterMs)
  if (bodyWaitMs !== undefined) candidates.push(bodyWaitMs)
  const exhausted = info.remaining !== undefined && info.remaining <= reserve
  if (info.resetInMs !== undefined && (status === 429 || exhausted)) candidates.push(info.resetInMs)
  return candidates.length === 0 ? undefined : Math.max(...candidates)
}

export interface HostWaitOptions {
  host: string
  signal: AbortSignal | undefined
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  now: () => number
  /** A hold longer than this fails with RemoteError instead of waiting. */
  maxWaitMs: number
}

/**
 * One "do not send before" time, of a host or of one rate-limit bucket on it (bucket-queues.ts). Every request of the
 * host or bucket passes `wait` before it is sent, so a 429's Retry-After or a used-up window holds every request
 * that draws on the same limit, not only the request that learned about it.
 */
export class HostPacing {
  private until = 0
  private why = ''

  /** Holds the host until `untilMs` (epoch ms); never shortens an existing hold. */
  hold(untilMs: number, reason: string): void {
    if (untilMs > this.until) {
      this.until = untilMs
      this.why = reason
    }
  }

  /** Pace before being told: a used-up window (remaining ≤ reserve) with a future reset holds until the reset. */
  observe(info: RateLimitInfo, nowMs: number, reserve = PACING_RESERVE): boolean {
    if (info.remaining === undefined || info.remaining > reserve) return false
    if (info.resetInMs === undefined || info.resetInMs <= 0) return false
    this.hold(nowMs + info.resetInMs, `rate-limit window used up (remaining ${info.remaining})`)
    return true
  }

  get heldUntil(): number {
    return this.until
  }

  /**
   * Resolves when the host may be used; returns how long it waited and why. An injected sleep may not advance the
   * clock, so each hold is slept once and only a later, longer hold causes another sleep.
   */
  async wait(options: HostWaitOptions): Promise<{ waitedMs: number; reason: string }> {
    let waitedMs = 0
    let slept = 0
    let reason = ''
    for (;;) {
      const target = this.until
      const ms = target - options.now()
      if (ms <= 0 || target === slept) return { waitedMs, reason }
      if (ms > options.maxWaitMs) throw tooLongWait(options.host, ms, this.why, target)
      slept = target
      reason = this.why
      waitedMs += ms
      try {
        await options.sleep(ms, options.signal)
      } catch (cause) {
        if (options.signal?.aborted) throw interrupted(cause)
        throw cause
      }
      if (options.signal?.aborted) throw interrupted(undefined)
    }
  }
}

/** The RemoteError for a server that wants us to wait longer than we accept. */
export function tooLongWait(host: string, waitMs: number, reason: string, untilMs: number, status?: number): RemoteError {
  const minutes = Math.ceil(waitMs / 60_000)
  const at = new Date(untilMs).toISOString().replace(/\.\d+Z$/, 'Z')
  return new RemoteError(`${host} asks to wait ${minutes} min before the next request (${reason}).`, {
    status,
    hint: `Try again after ${at}; the server's rate limit is used up.`,
    details: { host, waitMs, retryAt: at },
  })
}
