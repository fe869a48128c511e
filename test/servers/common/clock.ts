// The one notion of time the test servers share. A server reads `clock.now()` (epoch ms) wherever its answer depends on
// time a test may want to control: rate-limit windows and buckets, ids and `createdAt`, event timestamps, expiries.
// Real waits (a long-poll's timeout, a deferred export) stay on timers: a manual clock does not schedule anything.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

/** What a server's options accept: a Clock, or a bare `() => epochMs` as the servers took before. */
export type ClockInput = Clock | (() => number)

/** Wall time. */
export const systemClock: Clock = { now: () => Date.now() }

/** `input` as a Clock; wall time when absent. */
export function toClock(input?: ClockInput): Clock {
  if (input === undefined) return systemClock
  if (typeof input === 'function') return { now: input }
  return input
}

/**
 * A clock that moves only when a test moves it, so a window is a window however slow the machine is. `now`, `advance`,
 * `set` and `sleep` are bound, so they can be handed around on their own (e.g. `{ now: clock.now, sleep: clock.sleep }`
 * as the pacing of a client under test).
 */
export class ManualClock implements Clock {
  private t: number

  /** `start`: epoch ms or an ISO date; default 2026-01-01T00:00:00.000Z. */
  constructor(start: number | string = '2026-01-01T00:00:00.000Z') {
    this.t = typeof start === 'string' ? Date.parse(start) : start
    if (!Number.isFinite(this.t)) throw new RangeError(`ManualClock: bad start ${String(start)}`)
  }

  readonly now = (): number => this.t

  /** Moves the clock forward by `ms` (never backwards) and returns the new time. */
  readonly advance = (ms: number): number => {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`ManualClock.advance: ${ms} is not a finite ms count >= 0`)
    this.t += ms
    return this.t
  }

  /** Puts the clock at `at` (epoch ms or ISO date), forwards or backwards. */
  readonly set = (at: number | string): number => {
    const t = typeof at === 'string' ? Date.parse(at) : at
    if (!Number.isFinite(t)) throw new RangeError(`ManualClock.set: bad time ${String(at)}`)
    this.t = t
    return this.t
  }

  /** A sleep that returns at once after advancing the clock by `ms` (negative counts as 0). */
  readonly sleep = async (ms: number): Promise<void> => {
    this.advance(Math.max(0, ms))
  }
}
