// Mastodon's daily follow cap: 400 follows (and follow requests) per account per 24 h made through the API, counted
// on success (mastodon `app/lib/rate_limiter.rb`, family `follows`; `app/models/concerns/rate_limitable.rb`). The
// follow endpoint's answers carry that family's X-RateLimit-* headers instead of the request budget's whenever the
// family has fewer left (`override_rate_limit_headers :follow, family: :follows`), and the 401st follow is 429.
//
// Those headers describe one endpoint's day, not the host: follows are sent in a rate-limit bucket of their own
// (FOLLOW_BUCKET), so the HTTP layer holds only further follows once the family is used up, never the rest of the
// server. The cap reads the limits the HTTP layer parsed from each follow answer, and takes them for the family's
// when their reset is further away than any request budget's window (Rack::Attack's longest is 15 min). A refused
// follow's 429 asks for a wait longer than the HTTP layer accepts, so it reports the time to come back, and the
// replay defers the rest of the follows until then.
import type { RateLimitInfo, RequestOptions } from '../../net/http-client.js'

/** The bucket follows are sent in; the family's last follow may be spent (reserve 0), there is no concurrency. */
export const FOLLOW_BUCKET: RequestOptions = { bucket: 'follows', reserve: 0 }

/** Longer than Rack::Attack's longest window (paging, 15 min): a reset this far away is the daily family's. */
const FAMILY_RESET_MIN_MS = 20 * 60_000
export const DAY_MS = 24 * 60 * 60_000

export class FollowCap {
  /** The cap per window, once a follow answer has told it (Mastodon: 400). */
  limit: number | undefined
  remaining: number | undefined
  resetAt: number | undefined

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a follow answer's limits; true when they were the family's (and not a request budget's). */
  observe(limits: RateLimitInfo): boolean {
    const { remaining, limit, resetInMs } = limits
    if (remaining === undefined || resetInMs === undefined || resetInMs < FAMILY_RESET_MIN_MS) return false
    this.remaining = remaining
    this.limit = limit ?? this.limit
    this.resetAt = this.now() + resetInMs
    return true
  }

  /** When the cap is known to be used up, the time it resets; otherwise undefined. */
  exhaustedUntil(): string | undefined {
    if (this.remaining === undefined || this.remaining > 0 || this.resetAt === undefined || this.resetAt <= this.now()) return undefined
    return new Date(this.resetAt).toISOString()
  }
}

export interface FollowPlan {
  /** Follows that can still be made in the current window. */
  today: number
  /** Windows (days) needed after the current one. */
  laterDays: number
  /** When the last follow can be made, at the earliest. */
  finishesAt: Date
}

/** How a follow replay of `pending` accounts spreads over the cap's days, starting `now`. */
export function planFollows(pending: number, cap: { limit?: number; remaining?: number; resetAt?: number }, now: number): FollowPlan {
  const limit = cap.limit ?? 400
  const resetAt = cap.resetAt !== undefined && cap.resetAt > now ? cap.resetAt : undefined
  const today = Math.min(pending, resetAt === undefined ? limit : (cap.remaining ?? limit))
  const rest = pending - today
  const laterDays = Math.ceil(rest / limit)
  const firstReset = resetAt ?? now + DAY_MS
  return { today, laterDays, finishesAt: new Date(laterDays === 0 ? now : firstReset + (laterDays - 1) * DAY_MS) }
}
