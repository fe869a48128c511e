/**
 * Token buckets in the manner of Synapse's `rc_*` settings (element-hq/synapse
 * `synapse/api/ratelimiting.py`, `docs/usage/configuration/config_documentation.md` "Ratelimiting"):
 * `burst` actions may happen at once, then one more every `1 / perSecond` seconds.
 */
import { MatrixError } from './errors.js'

export interface RateLimit {
  perSecond: number
  burst: number
}

/** The limited actions. `inviteTarget` counts against the invitee, like Synapse's `rc_invites.per_user`. */
export type RateLimitName = 'login' | 'loginFailed' | 'join' | 'invite' | 'inviteTarget' | 'createRoom' | 'message'

/**
 * How a 429 tells the client when to retry.
 * - `header`: only `Retry-After` (seconds), spec v1.10+ ("servers SHOULD include a Retry-After header").
 * - `body`: only `retry_after_ms` in the JSON body: Synapse 1.67 (fixtures 030-035, 163-164, 211).
 * - `both`: what Synapse sends since 1.103 (MSC4041) and what the spec allows (`retry_after_ms` is deprecated
 *   but still in `definitions/errors/rate_limited.yaml`).
 */
export type RetryAfterStyle = 'header' | 'body' | 'both'

interface Bucket {
  tokens: number
  at: number
}

export class RateLimiter {
  private readonly limits = new Map<RateLimitName, RateLimit>()
  private readonly buckets = new Map<string, Bucket>()
  style: RetryAfterStyle

  /** `now` is the buckets' clock (epoch ms): tests pass one they move themselves, so refills never depend on load. */
  constructor(
    limits: Partial<Record<RateLimitName, RateLimit>>,
    style: RetryAfterStyle,
    private readonly now: () => number = Date.now,
  ) {
    for (const [name, limit] of Object.entries(limits)) if (limit) this.limits.set(name as RateLimitName, limit)
    this.style = style
  }

  set(name: RateLimitName, limit: RateLimit | null): void {
    if (limit) this.limits.set(name, limit)
    else this.limits.delete(name)
    for (const key of [...this.buckets.keys()]) if (key.startsWith(`${name}\0`)) this.buckets.delete(key)
  }

  /** Milliseconds until one action is allowed for `key`, or 0 when it is allowed now. Consumes nothing. */
  peek(name: RateLimitName, key: string, now = this.now()): number {
    const limit = this.limits.get(name)
    if (!limit) return 0
    const bucket = this.refill(name, key, limit, now)
    return bucket.tokens >= 1 ? 0 : Math.ceil(((1 - bucket.tokens) / limit.perSecond) * 1000)
  }

  /** Takes one action for `key`, or throws the 429 `M_LIMIT_EXCEEDED` this server is configured to send. */
  take(name: RateLimitName, key: string, now = this.now()): void {
    const wait = this.peek(name, key, now)
    if (wait > 0) throw this.error(wait)
    const limit = this.limits.get(name)
    if (limit) this.refill(name, key, limit, now).tokens -= 1
  }

  /** Records an action without checking (Synapse's `can_do_action(..., update=True)` after a failure). */
  record(name: RateLimitName, key: string, now = this.now()): void {
    const limit = this.limits.get(name)
    if (limit) this.refill(name, key, limit, now).tokens -= 1
  }

  error(retryAfterMs: number): MatrixError {
    const extra: Record<string, unknown> = {}
    const headers: Record<string, string> = {}
    if (this.style !== 'header') extra.retry_after_ms = retryAfterMs
    // Retry-After is whole seconds (RFC 9110 delay-seconds); round up so a client never retries early.
    if (this.style !== 'body') headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)))
    return new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too Many Requests', extra, headers)
  }

  private refill(name: RateLimitName, key: string, limit: RateLimit, now: number): Bucket {
    const id = `${name}\0${key}`
    let bucket = this.buckets.get(id)
    if (!bucket) {
      bucket = { tokens: limit.burst, at: now }
      this.buckets.set(id, bucket)
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond)
    bucket.at = now
    return bucket
  }
}

/**
 * Synapse 1.67.0's defaults, as the fixtures were recorded with them (README "Rate limits": `rc_message`
 * 0.2/s burst 10, `rc_login` 0.17/s burst 3) plus `rc_joins.local` (0.1/10) and `rc_invites` per room
 * (0.3/10, applied here per inviter) and per user (0.003/5, counted against the invitee) from
 * `docs/usage/configuration/config_documentation.md`. Pass as `rateLimits` to get Synapse's pacing.
 */
export const SYNAPSE_DEFAULT_RATE_LIMITS: Partial<Record<RateLimitName, RateLimit>> = {
  message: { perSecond: 0.2, burst: 10 },
  login: { perSecond: 0.17, burst: 3 },
  loginFailed: { perSecond: 0.17, burst: 3 },
  join: { perSecond: 0.1, burst: 10 },
  invite: { perSecond: 0.3, burst: 10 },
  inviteTarget: { perSecond: 0.003, burst: 5 },
}
