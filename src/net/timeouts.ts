// How long the HTTP client waits, phase by phase. Defaults suit slow servers (a big instance answering a heavy page,
// a media proxy) yet bound every wait; each can be changed per run with an environment variable (docs/cli.md).
//
// - headers: from sending a request until its response headers arrive (connecting included; Node's fetch also gives
//   up on a TCP connect after 10 s by itself). Grows with a known request body size, restarts per uploaded chunk.
// - idle: while a response body is being read, the longest time without a single byte. Reset by every chunk, so a
//   large download that keeps flowing never times out, and one that stalls does.
// - retries: the total time one request may spend on retries after failures and 5xx answers (attempts and backoff
//   together); once spent, the next failure is the last. Waits a server asks for (429, Retry-After) do not count:
//   they are bounded by maxWaitMs.
import { UsageError } from '../errors.js'

export interface Timeouts {
  headersMs: number
  idleMs: number
  retriesMs: number
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = { headersMs: 30_000, idleMs: 60_000, retriesMs: 120_000 }

/** Environment variables (seconds, fractions allowed) and the timeout each sets. */
export const TIMEOUT_ENV: Readonly<Record<string, keyof Timeouts>> = {
  LIFEBOAT_TIMEOUT_HEADERS: 'headersMs',
  LIFEBOAT_TIMEOUT_IDLE: 'idleMs',
  LIFEBOAT_TIMEOUT_RETRIES: 'retriesMs',
}

/** The timeouts the environment sets; a value that is not a positive number of seconds is a usage error. */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv): Partial<Timeouts> {
  const out: Partial<Timeouts> = {}
  for (const [name, key] of Object.entries(TIMEOUT_ENV)) {
    const text = env[name]
    if (text === undefined || text.trim() === '') continue
    const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : NaN
    if (!(seconds > 0)) {
      throw new UsageError(`${name} must be a positive number of seconds, not ${JSON.stringify(text.slice(0, 40))}.`, {
        hint: `For example ${name}=60`,
      })
    }
    out[key] = Math.round(seconds * 1000)
  }
  return out
}
