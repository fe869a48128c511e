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

import type { RateLimitOptions, Throttle } from './types.js'

export interface ThrottleData {
  name: string
  limit: number
  periodSeconds: number
  count: number
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
  private readonly counts = new Map<string, number>()

  constructor(
    limits: ReturnType<typeof resolveLimits>,
    private readonly now: () => number,
  ) {
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
    const nowSeconds = Math.floor(this.now() / 1000)
    const data: ThrottleData[] = []
    for (const rule of this.rules) {
      const discriminator = rule.discriminator(subject)
      if (discriminator === null) continue
      const window = Math.floor(nowSeconds / rule.throttle.periodSeconds)
      const key = `${rule.name}:${window}:${discriminator}`
      const count = (this.counts.get(key) ?? 0) + 1
      this.counts.set(key, count)
      const entry = { name: rule.name, limit: rule.throttle.limit, periodSeconds: rule.throttle.periodSeconds, count }
      data.push(entry)
      if (count > rule.throttle.limit) return { data, throttled: entry }
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
      'X-RateLimit-Reset': resetAt(this.now(), most.periodSeconds),
    }
  }

  /** The 429 headers of `throttled_responder`: Remaining is always 0. */
  throttledHeaders(hit: ThrottleData): RateLimitHeaders {
    return { 'X-RateLimit-Limit': String(hit.limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': resetAt(this.now(), hit.periodSeconds) }
  }

  reset(): void {
    this.counts.clear()
  }
}

export class FollowLimiter {
  private readonly counts = new Map<string, number>()

  constructor(
    private readonly throttle: Throttle,
    private readonly now: () => number,
  ) {}

  /** `record!`: false (and no count) when the account already used the whole window. */
  record(accountId: bigint): boolean {
    const key = this.key(accountId)
    const count = this.counts.get(key) ?? 0
    if (count >= this.throttle.limit) return false
    this.counts.set(key, count + 1)
    return true
  }

  /** `rollback!`, for a follow that failed after being counted. */
  rollback(accountId: bigint): void {
    const key = this.key(accountId)
    this.counts.set(key, Math.max(0, (this.counts.get(key) ?? 0) - 1))
  }

  headers(accountId: bigint): RateLimitHeaders {
    const used = this.counts.get(this.key(accountId)) ?? 0
    return {
      'X-RateLimit-Limit': String(this.throttle.limit),
      'X-RateLimit-Remaining': String(this.throttle.limit - used),
      'X-RateLimit-Reset': resetAt(this.now(), this.throttle.periodSeconds),
    }
  }

  used(accountId: bigint): number {
    return this.counts.get(this.key(accountId)) ?? 0
  }

  reset(): void {
    this.counts.clear()
  }

  private key(accountId: bigint): string {
    const window = Math.floor(Math.floor(this.now() / 1000) / this.throttle.periodSeconds)
    return `${accountId}:${window}`
  }
}

/** `(now + (period - now.to_i % period)).iso8601(6)`: keeps now's fraction, six fractional digits. */
export function resetAt(nowMs: number, periodSeconds: number): string {
  const nowSeconds = Math.floor(nowMs / 1000)
  const at = nowMs + (periodSeconds - (nowSeconds % periodSeconds)) * 1000
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}
