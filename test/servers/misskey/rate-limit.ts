// Per-endpoint, per-actor rate limiting as misskey packages/backend/src/server/api/RateLimiterService.ts does it with
// the `ratelimiter` package (a sliding log in Redis):
// - key `${actor}:${endpoint}`; actor = user id, or the caller's IP for anonymous calls;
// - signed-in callers: duration × factor, max ÷ factor, where factor is the role policy rateLimitFactor and 0 skips
//   the limiter (README "Rate limiting"; following_create__after-restore-factor0.json); anonymous callers: factor 1;
// - every call is logged, refused ones too, and failed calls count (following_create__ratelimited-429.json: calls
//   1-100 answered 400 ALREADY_FOLLOWING, call 101 got 429);
// - refusal info {remaining: 0, reset (s), resetMs, total: max}, where reset is when the max-th newest logged call
//   leaves the window; that is why two consecutive 429s in the recording differ by a few ms;
// - Retry-After = whole seconds until reset, rounded up (3599 / 3600 / 86400 recorded).
// `minInterval` (e.g. notes/create) is a second log with max 1, checked first.
// The logs are `sliding-log` buckets of the shared model (../common/rate-limit.ts) on the server's clock; this file keeps
// the Misskey side: limits, factor and scale, and how a refusal is expressed (info, Retry-After).
import { toClock, type ClockInput } from '../common/clock.js'
import { RateLimitModel } from '../common/rate-limit.js'

export interface RateLimit {
  /** Window length in ms (upstream `ms('1hour')` etc.). */
  duration?: number
  max?: number
  /** Minimum ms between two calls. */
  minInterval?: number
}

export interface RateLimitOptions {
  /** false switches every limit off (no 429 ever). Default true. */
  enabled?: boolean
  /** Role policy `rateLimitFactor` for signed-in users. 0 disables their limits, as on the recorded servers. Default 1. */
  factor?: number
  /**
   * Multiplies every duration and minInterval, so that tests hit limits in milliseconds (e.g. 1/3600: an hour becomes a
   * second). Retry-After is reported in these scaled seconds. Default 1.
   */
  timeScale?: number
  /** Replaces the upstream limit of an endpoint (by name, e.g. 'following/create'); null removes it. */
  overrides?: Record<string, RateLimit | null>
}

export interface RateLimitInfo {
  remaining: number
  reset: number
  resetMs: number
  total: number
}

export type RateLimitResult = { ok: true } | { ok: false; info: RateLimitInfo; retryAfterSeconds: number }

export class RateLimiter {
  private readonly model: RateLimitModel

  constructor(
    private readonly options: RateLimitOptions,
    clock?: ClockInput,
  ) {
    this.model = new RateLimitModel(toClock(clock))
  }

  /** The limit that applies to `endpoint` after overrides, or undefined. */
  effectiveLimit(endpoint: string, upstream: RateLimit | undefined): RateLimit | undefined {
    const overrides = this.options.overrides ?? {}
    if (Object.prototype.hasOwnProperty.call(overrides, endpoint)) return overrides[endpoint] ?? undefined
    return upstream
  }

  /** Logs one call and says whether it may proceed. `signedIn` selects the role factor (anonymous: 1). */
  hit(endpoint: string, upstream: RateLimit | undefined, actor: string, signedIn: boolean): RateLimitResult {
    if (this.options.enabled === false) return { ok: true }
    const limit = this.effectiveLimit(endpoint, upstream)
    if (limit == null) return { ok: true }
    const factor = signedIn ? (this.options.factor ?? 1) : 1
    if (factor <= 0) return { ok: true }
    const scale = this.options.timeScale ?? 1
    if (limit.minInterval != null) {
      const r = this.slide(`${endpoint}:min`, actor, limit.minInterval * factor * scale, 1)
      if (!r.ok) return r
    }
    if (limit.duration != null && limit.max != null) {
      return this.slide(endpoint, actor, limit.duration * factor * scale, limit.max / factor)
    }
    return { ok: true }
  }

  /** Forgets every log (e.g. between benchmark phases). */
  reset(): void {
    this.model.clear()
  }

  private slide(family: string, actor: string, duration: number, max: number): RateLimitResult {
    const v = this.model.hit(family, actor, { kind: 'sliding-log', limit: max, windowMs: duration })
    if (v.allowed) return { ok: true }
    // The model's reset is when a further call fits: when the max-th newest logged call leaves the window.
    const resetMs = Math.floor(v.resetMs)
    const info = { remaining: v.remaining, reset: Math.floor(resetMs / 1000), resetMs, total: max }
    return { ok: false, info, retryAfterSeconds: Math.max(1, Math.ceil((resetMs - v.now) / 1000)) }
  }
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

/**
 * Upstream `meta.limit` of the endpoints this server implements. Sources: the fixture README ("Production limits",
 * following/create 100/h recorded) and misskey packages/backend/src/server/api/endpoints/<name>.ts.
 */
export const UPSTREAM_LIMITS: Record<string, RateLimit> = {
  'following/create': { duration: HOUR, max: 100 },
  'following/delete': { duration: HOUR, max: 100 },
  'blocking/create': { duration: HOUR, max: 20 },
  'blocking/delete': { duration: HOUR, max: 100 },
  'mute/create': { duration: HOUR, max: 20 },
  'renote-mute/create': { duration: HOUR, max: 20 },
  'users/lists/push': { duration: HOUR, max: 30 },
  'ap/show': { duration: HOUR, max: 30 },
  'i/update': { duration: HOUR, max: 20 },
  'i/move': { duration: DAY, max: 5 },
  'notes/create': { duration: HOUR, max: 300, minInterval: 1000 },
  'drive/files/create': { duration: HOUR, max: 120 },
  'i/export-notes': { duration: DAY, max: 1 },
  'i/export-favorites': { duration: DAY, max: 1 },
  'i/export-clips': { duration: DAY, max: 1 },
  'i/export-following': { duration: HOUR, max: 1 },
  'i/export-blocking': { duration: HOUR, max: 1 },
  'i/export-mute': { duration: HOUR, max: 1 },
  'i/export-antennas': { duration: HOUR, max: 1 },
  'i/export-user-lists': { duration: 60_000, max: 1 },
}
