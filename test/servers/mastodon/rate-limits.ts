// Request budgets as Mastodon enforces them.
//
// `RackAttack` mirrors mastodon `config/initializers/rack_attack.rb`: fixed windows aligned to the epoch,
// throttles checked in file order, each matching throttle counts the request, and the first whose count
// exceeds its limit rejects it with 429 `{"error":"Too many requests"}` and X-RateLimit-Limit/Remaining(0)/Reset.
// Mastodon safelists 127.0.0.1; this server does not, because it stands in for a remote instance.
//
// `FollowLimiter` mirrors `app/lib/rate_limiter.rb` (family `follows`, 400 per 24 h per account): a follow or
// follow request that would be number limit+1 in the window raises `Mastodon::RateLimitExceededError`, which
// `Api::ErrorHandling` renders as 429 `{"error":"Too many requests"}`; the follow endpoint's response carries the
// family's X-RateLimit-* headers (`override_rate_limit_headers :follow, family: :follows`).
//
// Both count in `fixed-window` buckets of the shared model (../common/rate-limit.ts) on the server's clock; this file
// keeps the Mastodon side: which throttles apply to a request, and how a budget is expressed in X-RateLimit-*.

import { toClock, type ClockInput } from '../common/clock.js'
import { RateLimitModel, type FixedWindow, type Verdict } from '../common/rate-limit.js'
import type { RateLimitOptions, Throttle } from './types.js'

export interface ThrottleData {
  name: string
  limit: number
  periodSeconds: number
  count: number
  /** The model's verdict on this request for this throttle. */
  verdict: Verdict
}

export interface ThrottleSubject {
  path: string
  tokenId: number | null
  userId: bigint | null
  ip: string
  /** Any of page/min_id/max_id/since_id present (`paging_request?`). */
  paging: boolean
}

export interface RateLimitHeaders {
  'X-RateLimit-Limit': string
  'X-RateLimit-Remaining': string
  'X-RateLimit-Reset': string
}

interface ThrottleRule {
  name: string
  throttle: Throttle
  discriminator: (s: ThrottleSubject) => string | null
}

const MINUTE = 60

export function resolveLimits(options: RateLimitOptions | undefined): Required<Omit<RateLimitOptions, 'enabled'>> & { enabled: boolean } {
  return {
    enabled: options?.enabled ?? true,
    perUser: options?.perUser ?? { limit: 1500, periodSeconds: 5 * MINUTE },
    perToken: options?.perToken ?? { limit: 300, periodSeconds: 5 * MINUTE },
    unauthenticated: options?.unauthenticated ?? { limit: 300, periodSeconds: 5 * MINUTE },
    paging: options?.paging ?? { limit: 300, periodSeconds: 15 * MINUTE },
    follows: options?.follows ?? { limit: 400, periodSeconds: 24 * 60 * MINUTE },
  }
}

export class RackAttack {
  private readonly rules: ThrottleRule[]
  private readonly model: RateLimitModel

  constructor(limits: ReturnType<typeof resolveLimits>, clock?: ClockInput) {
    this.model = new RateLimitModel(toClock(clock))
    const api = (s: ThrottleSubject) => s.path.startsWith('/api')
    this.rules = [
      { name: 'throttle_authenticated_api', throttle: limits.perUser, discriminator: (s) => (api(s) && s.userId !== null ? String(s.userId) : null) },
      { name: 'throttle_per_token_api', throttle: limits.perToken, discriminator: (s) => (api(s) && s.tokenId !== null ? String(s.tokenId) : null) },
      { name: 'throttle_unauthenticated_api', throttle: limits.unauthenticated, discriminator: (s) => (api(s) && s.userId === null ? s.ip : null) },
      { name: 'throttle_authenticated_paging', throttle: limits.paging, discriminator: (s) => (s.paging && s.userId !== null ? String(s.userId) : null) },
      { name: 'throttle_unauthenticated_paging', throttle: limits.paging, discriminator: (s) => (s.paging && s.userId === null ? s.ip : null) },
    ]
  }

  /** Counts the request; returns the throttle data seen and the throttle that rejected it, if any. */
  check(subject: ThrottleSubject): { data: ThrottleData[]; throttled: ThrottleData | null } {
    const now = this.model.clock.now()
    const data: ThrottleData[] = []
    for (const rule of this.rules) {
      const discriminator = rule.discriminator(subject)
      if (discriminator === null) continue
      const verdict = this.model.hit(rule.name, discriminator, window(rule.throttle), now)
      const entry = { name: rule.name, limit: rule.throttle.limit, periodSeconds: rule.throttle.periodSeconds, count: verdict.used, verdict }
      data.push(entry)
      if (!verdict.allowed) return { data, throttled: entry }
    }
    return { data, throttled: null }
  }

  /** Headers for the throttle closest to exhaustion (`Api::RateLimitHeaders#api_throttle_data`). */
  headers(data: ThrottleData[]): RateLimitHeaders | null {
    if (data.length === 0) return null
    const most = data.reduce((a, b) => (b.limit - b.count < a.limit - a.count ? b : a))
    return {
      'X-RateLimit-Limit': String(most.limit),
      'X-RateLimit-Remaining': String(Math.max(0, most.limit - most.count)),
      'X-RateLimit-Reset': resetHeader(most.verdict),
    }
  }

  /** The 429 headers of `throttled_responder`: Remaining is always 0. */
  throttledHeaders(hit: ThrottleData): RateLimitHeaders {
    return { 'X-RateLimit-Limit': String(hit.limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': resetHeader(hit.verdict) }
  }

  reset(): void {
    this.model.clear()
  }
}

const FOLLOWS = 'follows'

export class FollowLimiter {
  private readonly model: RateLimitModel
  private readonly policy: FixedWindow

  constructor(
    private readonly throttle: Throttle,
    clock?: ClockInput,
  ) {
    this.model = new RateLimitModel(toClock(clock))
    this.policy = window(throttle)
  }

  /** `record!`: false (and no count) when the account already used the whole window. */
  record(accountId: bigint): boolean {
    return this.model.take(FOLLOWS, String(accountId), this.policy).allowed
  }

  /** `rollback!`, for a follow that failed after being counted. */
  rollback(accountId: bigint): void {
    this.model.rollback(FOLLOWS, String(accountId), this.policy)
  }

  headers(accountId: bigint): RateLimitHeaders {
    const verdict = this.model.peek(FOLLOWS, String(accountId), this.policy)
    return {
      'X-RateLimit-Limit': String(this.throttle.limit),
      'X-RateLimit-Remaining': String(this.throttle.limit - verdict.used),
      'X-RateLimit-Reset': resetHeader(verdict),
    }
  }

  used(accountId: bigint): number {
    return this.model.peek(FOLLOWS, String(accountId), this.policy).used
  }

  reset(): void {
    this.model.clear()
  }
}

/** Epoch-aligned windows of `periodSeconds`, as `Time.now.to_i / period` aligns them. */
function window(throttle: Throttle): FixedWindow {
  return { kind: 'fixed-window', limit: throttle.limit, windowMs: throttle.periodSeconds * 1000 }
}

/**
 * `(now + (period - now.to_i % period)).iso8601(6)`: the window's end plus now's sub-second fraction, six fractional
 * digits.
 */
export function resetHeader(verdict: Verdict): string {
  return new Date(verdict.resetMs + (verdict.now % 1000)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}
