// Pacing of the rate-limited write endpoints BEFORE the server refuses. Misskey sends no remaining-count header
// (fixture README "Headers"; misskey-dev/misskey#4838), only a 429 with Retry-After once a window is full, and for
// following/create the window is an hour: a 429 there means waiting up to an hour. So calls are spaced client-side
// with the same algorithm the server uses (a sliding log of calls per endpoint and user, upstream
// RateLimiterService), which reaches the limit's floor (N calls take (⌈N/max⌉ − 1) windows) without a single 429.
//
// Limits are upstream's `meta.limit` (following/create 100/h recorded in following_create__ratelimited-429.json;
// the others from misskey packages/backend/src/server/api/endpoints/<name>.ts), scaled by the account's role policy
// `rateLimitFactor` exactly as the server scales them (duration × factor, max ÷ factor; 0 = no limit), which `i`
// returns in `policies` (i__alice.json). A call is logged when its answer arrives, which is never earlier than
// when the server logged it, so the client's window always closes after the server's.
import type { BodyReader } from '../../net/body-readers.js'
import { abortableSleep, interrupted } from '../../net/retry.js'
import { isPermanentFailure } from './errors.js'

export interface Limit {
  /** Window in ms. */
  duration: number
  max: number
}

const HOUR = 3_600_000

export const UPSTREAM_LIMITS: Readonly<Record<string, Limit>> = {
  'following/create': { duration: HOUR, max: 100 },
  'blocking/create': { duration: HOUR, max: 20 },
  'mute/create': { duration: HOUR, max: 20 },
  'renote-mute/create': { duration: HOUR, max: 20 },
  'users/lists/push': { duration: HOUR, max: 30 },
  'ap/show': { duration: HOUR, max: 30 },
  'i/update': { duration: HOUR, max: 20 },
  'i/move': { duration: 24 * HOUR, max: 5 },
}

/** Slack after a window closes, for timer granularity. */
const MARGIN_MS = 25

export interface PacerOptions {
  /** The role's rateLimitFactor (default 1; 0 switches pacing off, as it switches the server's limits off). */
  factor?: number
  /** Multiplies every window (tests and benchmarks whose server runs with the same `timeScale`). */
  timeScale?: number
  /** Replaces limits by endpoint; null removes one. */
  overrides?: Record<string, Limit | null>
  signal?: AbortSignal
  /** Told about every wait, so the user hears why nothing seems to happen. */
  onWait?: (endpoint: string, waitMs: number, limit: Limit) => void
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export class Pacer {
  #logs = new Map<string, number[]>()
  readonly #now: () => number
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>

  constructor(readonly options: PacerOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#sleep = options.sleep ?? abortableSleep
  }

  /** The limit the server applies to this account for `endpoint`, or undefined when it has none. */
  limit(endpoint: string): Limit | undefined {
    const overrides = this.options.overrides ?? {}
    const base = Object.prototype.hasOwnProperty.call(overrides, endpoint) ? overrides[endpoint] : UPSTREAM_LIMITS[endpoint]
    const factor = this.options.factor ?? 1
    if (!base || factor <= 0) return undefined
    return { duration: base.duration * factor * (this.options.timeScale ?? 1), max: Math.max(1, Math.floor(base.max / factor)) }
  }

  /** Runs `call` once one more call of `endpoint` fits its window; logs the call when it has been answered. */
  async run<T>(endpoint: string, call: () => Promise<T>): Promise<T> {
    const limit = this.limit(endpoint)
    if (!limit) return call()
    const log = this.#logs.get(endpoint) ?? []
    this.#logs.set(endpoint, log)
    for (;;) {
      const now = this.#now()
      while (log.length > 0 && log[0]! <= now - limit.duration) log.shift()
      if (log.length < limit.max) break
      const waitMs = log[log.length - limit.max]! + limit.duration - now + MARGIN_MS
      this.options.onWait?.(endpoint, waitMs, limit)
      try {
        await this.#sleep(waitMs, this.options.signal)
      } catch (error) {
        if (this.options.signal?.aborted) throw interrupted(error)
        throw error
      }
    }
    // reserve the slot now (concurrent callers see it), move it to the answer's time when the answer comes
    const slot = this.#now()
    log.push(slot)
    try {
      return await call()
    } finally {
      const at = log.indexOf(slot)
      if (at >= 0) log.splice(at, 1)
      log.push(this.#now())
      log.sort((a, b) => a - b)
    }
  }
}

/**
 * Misskey's error bodies, read for the shared HTTP layer: a 429 `RATE_LIMIT_EXCEEDED` carries the window's end as
 * `error.info.resetMs` (epoch ms; fixture following_create__ratelimited-429.json), besides its Retry-After; and
 * some 500s describe a permanent state rather than a passing failure (errors.ts isPermanentFailure).
 */
export const MISSKEY_BODIES: BodyReader = {
  waitMs(body, nowMs) {
    const resetMs = (errorOf(body)?.info as { resetMs?: unknown } | undefined)?.resetMs
    return typeof resetMs === 'number' && resetMs > 1e12 ? Math.max(0, Math.ceil(resetMs - nowMs)) : undefined
  },
  permanent(status, body) {
    const code = errorOf(body)?.code
    return typeof code === 'string' && isPermanentFailure(status, code)
  },
}

function errorOf(body: unknown): { code?: unknown; info?: unknown } | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const error = (body as { error?: unknown }).error
  return error !== null && typeof error === 'object' ? (error as { code?: unknown; info?: unknown }) : undefined
}
