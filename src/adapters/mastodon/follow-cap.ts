// Mastodon's daily follow cap: 400 follows (and follow requests) per account per 24 h made through the API, counted
// on success (mastodon `app/lib/rate_limiter.rb`, family `follows`; `app/models/concerns/rate_limitable.rb`). The
// follow endpoint's answers carry that family's X-RateLimit-* headers instead of the request budget's whenever the
// family has fewer left (`override_rate_limit_headers :follow, family: :follows`), and the 401st follow is 429.
//
// Those headers describe one endpoint's day, not the host: passed to the shared HTTP layer they would hold every
// request to the server for up to a day once two follows remain. So follows travel on a client of their own, whose
// fetch takes the family's headers off successful answers (after recording them here) when their reset is further
// away than any request budget's window (Rack::Attack's longest is 15 min). A refused follow keeps its headers, so
// the HTTP layer reports the time to come back, and the replay defers the rest of the follows until then.
import type { AdapterContext } from '../adapter.js'
import { createHttpClient, type HttpClient } from '../../net/http-client.js'
import { parseResetValue } from '../../net/rate-limit.js'

/** Longer than Rack::Attack's longest window (paging, 15 min): a reset this far away is the daily family's. */
const FAMILY_RESET_MIN_MS = 20 * 60_000
export const DAY_MS = 24 * 60 * 60_000

export class FollowCap {
  /** The cap per window, once a follow answer has told it (Mastodon: 400). */
  limit: number | undefined
  remaining: number | undefined
  resetAt: number | undefined

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a follow answer's family headers; true when they were the family's (and not a request budget's). */
  observe(headers: Headers): boolean {
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? NaN)
    const limit = Number(headers.get('x-ratelimit-limit') ?? NaN)
    const resetIn = parseResetValue(headers.get('x-ratelimit-reset'), this.now())
    if (!Number.isFinite(remaining) || resetIn === undefined || resetIn < FAMILY_RESET_MIN_MS) return false
    this.remaining = remaining
    this.limit = Number.isFinite(limit) ? limit : this.limit
    this.resetAt = this.now() + resetIn
    return true
  }

  /** When the cap is known to be used up, the time it resets; otherwise undefined. */
  exhaustedUntil(): string | undefined {
    if (this.remaining === undefined || this.remaining > 0 || this.resetAt === undefined || this.resetAt <= this.now()) return undefined
    return new Date(this.resetAt).toISOString()
  }
}

/** Copies a response with its X-RateLimit-* headers removed (bodies are not read). */
function withoutRateLimitHeaders(response: Response): Response {
  const headers = new Headers(response.headers)
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) headers.delete(name)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/** The HTTP client follows are sent through (see above). */
export function followHttpClient(context: AdapterContext, cap: FollowCap, fetchImpl: typeof fetch = globalThis.fetch): HttpClient {
  return createHttpClient({
    signal: context.signal,
    fetchImpl: async (input, init) => {
      const response = await fetchImpl(input, init)
      if (cap.observe(response.headers) && response.ok) return withoutRateLimitHeaders(response)
      return response
    },
    onEvent: (event) => context.out.event(event.type, { url: event.url, status: event.status ?? null, waitMs: event.waitMs }),
  })
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
