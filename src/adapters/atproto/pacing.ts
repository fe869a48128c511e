// Paces repo writes under a reference PDS's write limits, so that a long replay never meets a 429.
//
// What the PDS does (packages/pds/src/index.ts `rateLimits.shared`, api/com/atproto/repo/applyWrites.ts;
// packages/xrpc-server/src/rate-limiter.ts): writes cost points per DID (create 3, update 2, delete 1) in two buckets,
// 5000 per hour and 35000 per day, charged before the write runs (a refused or failed write still costs). Every
// response carries the headers of the TIGHTEST bucket of the route, the one with the fewest points left, which may
// also be the per-IP global bucket (3000 requests per 5 min): `ratelimit-limit`, `ratelimit-remaining`,
// `ratelimit-reset` (epoch seconds, rounded down) and `ratelimit-policy` (`<limit>;w=<window seconds>`).
//
// So what a response says is a lower bound on the points left in every bucket of the route. The pacer spends up to
// that bound minus a headroom (left for the person's own posting while the replay runs); when the bound is used up
// it waits for that bucket's reset, then probes with a single write, since the next-tightest bucket is unknown until
// a response names it. A reset further away than `maxWaitMs` (the daily bucket) is not waited for: the caller defers.
import { readRateLimitHeaders } from '../../net/rate-limit.js'
import { abortableSleep } from '../../net/retry.js'

export interface RateWindow {
  limit: number
  remaining: number
  /** Epoch ms when this bucket starts afresh. */
  resetAt: number
  windowSeconds: number | null
}

export interface WritePacerOptions {
  /** Fraction of the visible bucket's limit left unused for the account's own activity. Default 0.05. */
  headroom?: number
  /** Longest wait for a reset before giving up with `until` (default 65 min: an hourly window is waited for). */
  maxWaitMs?: number
  /** Added to every reset time: the header is rounded down to whole seconds. Default 1000. */
  marginMs?: number
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  /** Told before every wait, for the user. */
  onWait?: (ms: number, window: RateWindow) => void
}

export type Allowance = { points: number } | { until: number; reason: string }

/** The bucket a response describes, or null when it carries no rate-limit headers (limits off, or a proxy). */
export function readRateWindow(headers: Headers, nowMs: number): RateWindow | null {
  // The headers are parsed by the HTTP layer's one reader (PDS: epoch seconds; IETF draft: seconds from now).
  const { limit, remaining, resetInMs } = readRateLimitHeaders(headers, nowMs)
  if (limit === undefined || remaining === undefined || resetInMs === undefined) return null
  const policy = /;\s*w=(\d+)/.exec(headers.get('ratelimit-policy') ?? '')
  return { limit, remaining, resetAt: nowMs + resetInMs, windowSeconds: policy ? Number(policy[1]) : null }
}

export class WritePacer {
  #bound: RateWindow | null = null
  /** A response came without rate-limit headers: this PDS does not limit writes (PDS_RATE_LIMITS_ENABLED off). */
  #unlimited = false
  readonly #headroom: number
  readonly #maxWaitMs: number
  readonly #marginMs: number
  readonly #now: () => number
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly #onWait: WritePacerOptions['onWait']

  constructor(options: WritePacerOptions = {}) {
    this.#headroom = options.headroom ?? 0.05
    this.#maxWaitMs = options.maxWaitMs ?? 65 * 60_000
    this.#marginMs = options.marginMs ?? 1000
    this.#now = options.now ?? Date.now
    this.#sleep = options.sleep ?? abortableSleep
    this.#onWait = options.onWait
  }

  /** What the last response said, if anything. */
  get window(): RateWindow | null {
    return this.#bound
  }

  /** Feeds the headers of a write's response (success or error: points are charged either way). */
  observe(headers: Headers): void {
    const window = readRateWindow(headers, this.#now())
    this.#bound = window
    this.#unlimited = window === null
  }

  /**
   * How many points may be spent now, a multiple of `unit` and at most `wanted`, after waiting for a reset when
   * nothing is left; or the time to come back when that reset is further than `maxWaitMs`.
   */
  async allow(wanted: number, unit: number, signal?: AbortSignal): Promise<Allowance> {
    for (;;) {
      const bound = this.#bound
      if (!bound && this.#unlimited) return { points: wanted }
      // Unknown bucket: one write finds out what is left.
      if (!bound) return { points: Math.min(wanted, unit) }
      const now = this.#now()
      const resetAt = bound.resetAt + this.#marginMs
      if (now >= resetAt) {
        this.#bound = null
        continue
      }
      const free = bound.remaining - Math.ceil(bound.limit * this.#headroom)
      if (free >= unit) return { points: Math.min(wanted, free - (free % unit)) }
      const wait = resetAt - now
      if (wait > this.#maxWaitMs) {
        const per = bound.windowSeconds ? ` per ${describeWindow(bound.windowSeconds)}` : ''
        return { until: resetAt, reason: `the PDS's write limit (${bound.limit} points${per}) is used up` }
      }
      this.#onWait?.(wait, bound)
      await this.#sleep(wait, signal)
      this.#bound = null
    }
  }
}

export function describeWindow(seconds: number): string {
  if (seconds % 86400 === 0) return seconds === 86400 ? 'day' : `${seconds / 86400} days`
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`
  if (seconds % 60 === 0) return `${seconds / 60} min`
  return `${seconds} s`
}
