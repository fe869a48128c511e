// Pacing by Mastodon's own budget headers, before the server has to refuse.
//
// Every /api answer carries `X-RateLimit-Limit`, `-Remaining` and `-Reset` (an ISO-8601 time) of the budget closest to
// exhaustion (mastodon `app/controllers/concerns/api/rate_limit_headers.rb`; mdocs: api/rate-limits.md). Requests
// that page (`max_id`, `min_id`, `since_id`, `page`) also draw on a separate 300 / 15 min budget
// (`config/initializers/rack_attack.rb`), so their answers can show far fewer remaining than other calls: the two
// kinds are tracked apart, and sent in rate-limit buckets of their own (the lane's name), so that the HTTP layer's
// hold on a used-up window stalls only its kind. This gate adds what the HTTP layer cannot know, the requests still
// in flight, so that concurrent calls never overshoot the last known remaining count. It reads the limits the HTTP
// layer parsed (net/rate-limit.ts); no header is parsed here.
import { abortableSleep } from '../../net/retry.js'
import type { RateLimitInfo } from '../../net/rate-limit.js'
import type { Output } from '../../output.js'

/** Requests kept in hand, as the HTTP layer keeps one (net/rate-limit.ts PACING_RESERVE). */
const RESERVE = 1

interface Lane {
  remaining: number | undefined
  resetAtMs: number
  inFlight: number
}

export type BudgetLane = 'paging' | 'plain'

export function isPagingUrl(url: URL): boolean {
  return ['max_id', 'min_id', 'since_id', 'page'].some((key) => (url.searchParams.get(key) ?? '') !== '')
}

export class RateBudget {
  readonly #lanes: Record<BudgetLane, Lane> = {
    paging: { remaining: undefined, resetAtMs: 0, inFlight: 0 },
    plain: { remaining: undefined, resetAtMs: 0, inFlight: 0 },
  }

  constructor(
    private readonly signal: AbortSignal,
    private readonly out: Output,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = abortableSleep,
  ) {}

  /** Waits until the lane may send one more request, then counts it as in flight. */
  async acquire(lane: BudgetLane, host: string): Promise<void> {
    const state = this.#lanes[lane]
    for (;;) {
      const now = this.now()
      if (state.resetAtMs <= now) state.remaining = undefined
      if (state.remaining === undefined || state.remaining - state.inFlight > RESERVE) break
      const waitMs = state.resetAtMs - now
      if (waitMs >= 2000) this.out.info(`pacing requests to ${host}: its ${lane === 'paging' ? 'paging ' : ''}budget is used up until ${new Date(state.resetAtMs).toISOString()} (${Math.ceil(waitMs / 1000)} s)`)
      await this.sleep(waitMs, this.signal)
    }
    state.inFlight++
  }

  /** Records what an answer said about the budget and ends the request's in-flight count. */
  release(lane: BudgetLane, limits: RateLimitInfo | undefined): void {
    const state = this.#lanes[lane]
    state.inFlight = Math.max(0, state.inFlight - 1)
    if (!limits || limits.remaining === undefined || limits.resetInMs === undefined || !Number.isInteger(limits.remaining)) return
    const resetAtMs = this.now() + limits.resetInMs
    const remaining = limits.remaining
    // Answers can arrive out of order: within one window (resets differ only by the sub-second part of the server's
    // clock) the lowest count is the latest truth; a later reset starts a new window.
    if (state.remaining === undefined || resetAtMs > state.resetAtMs + 1000) {
      state.remaining = remaining
      state.resetAtMs = resetAtMs
    } else {
      state.remaining = Math.min(state.remaining, remaining)
      state.resetAtMs = Math.max(state.resetAtMs, resetAtMs)
    }
  }
}
