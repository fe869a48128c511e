/**
 * Token buckets in the manner of Synapse's `rc_*` settings (element-hq/synapse
 * `synapse/api/ratelimiting.py`, `docs/usage/configuration/config_documentation.md` "Ratelimiting"):
 * `burst` actions may happen at once, then one more every `1 / perSecond` seconds. The buckets are `token-bucket`
 * buckets of the shared model (../common/rate-limit.ts) on the server's clock; this file keeps the Synapse side: the
 * `rc_*` actions and how a 429 says when to retry.
 */
import { toClock, type ClockInput } from '../common/clock.js'
import { RateLimitModel, type TokenBucket } from '../common/rate-limit.js'
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

export class RateLimiter {
  private readonly limits = new Map<RateLimitName, TokenBucket>()
  private readonly model: RateLimitModel
  style: RetryAfterStyle

  /** `clock` is the buckets' clock (epoch ms): tests pass one they move themselves, so refills never depend on load. */
  constructor(limits: Partial<Record<RateLimitName, RateLimit>>, style: RetryAfterStyle, clock?: ClockInput) {
    this.model = new RateLimitModel(toClock(clock))
    for (const [name, limit] of Object.entries(limits)) if (limit) this.limits.set(name as RateLimitName, bucket(limit))
    this.style = style
  }

  set(name: RateLimitName, limit: RateLimit | null): void {
    if (limit) this.limits.set(name, bucket(limit))
    else this.limits.delete(name)
    this.model.clear(name)
  }

  /** Milliseconds until one action is allowed for `key`, or 0 when it is allowed now. Consumes nothing. */
  peek(name: RateLimitName, key: string, now = this.model.clock.now()): number {
    const limit = this.limits.get(name)
    if (!limit) return 0
    return this.model.peek(name, key, limit, now).retryAfterMs
  }

  /** Takes one action for `key`, or throws the 429 `M_LIMIT_EXCEEDED` this server is configured to send. */
  take(name: RateLimitName, key: string, now = this.model.clock.now()): void {
    const limit = this.limits.get(name)
    if (!limit) return
    const verdict = this.model.take(name, key, limit, now)
    if (!verdict.allowed) throw this.error(verdict.retryAfterMs)
  }

  /** Records an action without checking (Synapse's `can_do_action(..., update=True)` after a failure). */
  record(name: RateLimitName, key: string, now = this.model.clock.now()): void {
    const limit = this.limits.get(name)
    if (limit) this.model.hit(name, key, limit, now)
  }

  error(retryAfterMs: number): MatrixError {
    const extra: Record<string, unknown> = {}
    const headers: Record<string, string> = {}
    if (this.style !== 'header') extra.retry_after_ms = retryAfterMs
    // Retry-After is whole seconds (RFC 9110 delay-seconds); round up so a client never retries early.
    if (this.style !== 'body') headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)))
    return new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too Many Requests', extra, headers)
  }
}

function bucket(limit: RateLimit): TokenBucket {
  return { kind: 'token-bucket', burst: limit.burst, perSecond: limit.perSecond }
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
