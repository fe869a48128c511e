// The one rate-limit model of the test servers: a bucket per (family, key) whose state is read on an injected Clock.
// `family` is the server's name for what is limited (a route family, an endpoint, a Synapse `rc_*` action), `key` who
// is limited (account, token, IP). Each server decides its 429s here; how a limit is *expressed* on the wire (headers,
// body fields, rounding) stays in the server's own file (misskey/rate-limit.ts, mastodon/rate-limits.ts,
// matrix/rate-limit.ts).
//
// The upstreams count in three ways, and the model has one policy for each, all answering with the same Verdict:
// - `fixed-window`: a counter per epoch-aligned window of `windowMs` (Rack::Attack's `Time.now.to_i / period` and
//   Mastodon's `RateLimiter`);
// - `sliding-log`: the times of the calls in the last `windowMs` (the `ratelimiter` package Misskey uses);
// - `token-bucket`: `burst` calls at once, then `perSecond` more per second (Synapse `api/ratelimiting.py`).
// A call is within budget when fewer than `limit` calls are counted in the window (for a token bucket: when a whole
// token is left).
import { systemClock, type Clock } from './clock.js'

export interface FixedWindow {
  kind: 'fixed-window'
  limit: number
  /** Windows are [k·windowMs, (k+1)·windowMs) from the epoch. */
  windowMs: number
}

export interface SlidingLog {
  kind: 'sliding-log'
  /** May be fractional (Misskey divides by the role factor): a call fits while fewer calls than this are logged. */
  limit: number
  windowMs: number
}

export interface TokenBucket {
  kind: 'token-bucket'
  burst: number
  perSecond: number
}

export type Policy = FixedWindow | SlidingLog | TokenBucket

export interface Verdict {
  /** Whether this call was within budget (for `peek`: whether a call would be). */
  allowed: boolean
  /** The budget: calls per window, or the bucket's burst. */
  limit: number
  /** Calls counted against the budget after the operation (a token bucket: burst − tokens, maybe fractional). */
  used: number
  /** Calls that would be allowed right now, back to back, after the operation. */
  remaining: number
  /** The clock reading the verdict was made at (epoch ms). */
  now: number
  /** Ms from `now` until a further call is allowed; 0 when one is allowed now. */
  retryAfterMs: number
  /**
   * Epoch ms, exact (a dialect rounds it its own way). While the budget is spent: when a further call is allowed.
   * Otherwise when the budget is next restored: the fixed window's end, the expiry of the oldest logged call (`now`
   * when none is), the moment the token bucket is full again.
   */
  resetMs: number
}

type State =
  | { kind: 'fixed-window'; counts: Map<number, number> }
  | { kind: 'sliding-log'; log: number[] }
  | { kind: 'token-bucket'; tokens: number; at: number }

type Op = 'peek' | 'hit' | 'take'

export class RateLimitModel {
  private readonly buckets = new Map<string, State>()

  constructor(readonly clock: Clock = systemClock) {}

  /** The verdict for a call now, counting nothing. */
  peek(family: string, key: string, policy: Policy, now = this.clock.now()): Verdict {
    return this.apply('peek', family, key, policy, now)
  }

  /** Counts the call whether or not it is within budget (Rack::Attack and Misskey count refused calls too). */
  hit(family: string, key: string, policy: Policy, now = this.clock.now()): Verdict {
    return this.apply('hit', family, key, policy, now)
  }

  /** Counts the call only when it is within budget (Mastodon's follow cap, Synapse's `can_do_action`). */
  take(family: string, key: string, policy: Policy, now = this.clock.now()): Verdict {
    return this.apply('take', family, key, policy, now)
  }

  /** Uncounts the newest call (a counted action that then failed). */
  rollback(family: string, key: string, policy: Policy, now = this.clock.now()): void {
    const state = this.state(family, key, policy, now)
    if (state.kind === 'fixed-window') {
      const index = Math.floor(now / (policy as FixedWindow).windowMs)
      state.counts.set(index, Math.max(0, (state.counts.get(index) ?? 0) - 1))
    } else if (state.kind === 'sliding-log') {
      state.log.pop()
    } else {
      state.tokens = Math.min((policy as TokenBucket).burst, state.tokens + 1)
    }
  }

  /** Forgets every bucket of `family`, or every bucket. */
  clear(family?: string): void {
    if (family === undefined) {
      this.buckets.clear()
      return
    }
    const prefix = `${family}\0`
    for (const id of [...this.buckets.keys()]) if (id.startsWith(prefix)) this.buckets.delete(id)
  }

  private apply(op: Op, family: string, key: string, policy: Policy, now: number): Verdict {
    const state = this.state(family, key, policy, now)
    if (state.kind === 'fixed-window') return fixedWindow(op, state.counts, policy as FixedWindow, now)
    if (state.kind === 'sliding-log') return slidingLog(op, state, policy as SlidingLog, now)
    return tokenBucket(op, state, policy as TokenBucket, now)
  }

  /** The bucket of (family, key), new when absent or kept under another policy kind. */
  private state(family: string, key: string, policy: Policy, now: number): State {
    const id = `${family}\0${key}`
    let state = this.buckets.get(id)
    if (state === undefined || state.kind !== policy.kind) {
      state =
        policy.kind === 'fixed-window'
          ? { kind: 'fixed-window', counts: new Map() }
          : policy.kind === 'sliding-log'
            ? { kind: 'sliding-log', log: [] }
            : { kind: 'token-bucket', tokens: policy.burst, at: now }
      this.buckets.set(id, state)
    }
    return state
  }
}

/** Whole calls left while `used` of `limit` are counted (`limit` may be fractional: 2 of 2.5 leaves one). */
function callsLeft(limit: number, used: number): number {
  return Math.max(0, Math.ceil(limit - used))
}

// Counts of past windows are kept, as Rack::Attack's cache keys are, so a clock set back finds them again.
function fixedWindow(op: Op, counts: Map<number, number>, policy: FixedWindow, now: number): Verdict {
  const index = Math.floor(now / policy.windowMs)
  const before = counts.get(index) ?? 0
  const allowed = before < policy.limit
  const used = op === 'hit' || (op === 'take' && allowed) ? before + 1 : before
  if (used !== before) counts.set(index, used)
  const resetMs = (index + 1) * policy.windowMs
  const spent = used >= policy.limit
  return { allowed, limit: policy.limit, used, remaining: callsLeft(policy.limit, used), now, retryAfterMs: spent ? resetMs - now : 0, resetMs }
}

function slidingLog(op: Op, state: { log: number[] }, policy: SlidingLog, now: number): Verdict {
  const log = state.log.filter((t) => t > now - policy.windowMs)
  state.log = log
  const allowed = log.length < policy.limit
  if (op === 'hit' || (op === 'take' && allowed)) log.push(now)
  const used = log.length
  const spent = used >= policy.limit
  // While spent, a further call fits once `used − ceil(limit) + 1` logged calls have left the window: the last of them
  // is the ceil(limit)-th newest.
  const at = spent ? (log[log.length - Math.ceil(policy.limit)] ?? log[0]) : log[0]
  const resetMs = at === undefined ? (spent ? Infinity : now) : at + policy.windowMs
  return { allowed, limit: policy.limit, used, remaining: callsLeft(policy.limit, used), now, retryAfterMs: spent ? resetMs - now : 0, resetMs }
}

function tokenBucket(op: Op, state: { tokens: number; at: number }, policy: TokenBucket, now: number): Verdict {
  state.tokens = Math.min(policy.burst, state.tokens + ((now - state.at) / 1000) * policy.perSecond)
  state.at = now
  const allowed = state.tokens >= 1
  if (op === 'hit' || (op === 'take' && allowed)) state.tokens -= 1
  const tokens = state.tokens
  const retryAfterMs = tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / policy.perSecond) * 1000)
  const refillMs = tokens >= policy.burst ? 0 : Math.ceil(((policy.burst - tokens) / policy.perSecond) * 1000)
  const resetMs = now + (retryAfterMs > 0 ? retryAfterMs : refillMs)
  return { allowed, limit: policy.burst, used: policy.burst - tokens, remaining: Math.max(0, Math.floor(tokens)), now, retryAfterMs, resetMs }
}
