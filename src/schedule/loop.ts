// runScheduled: run a task again and again on a schedule, in the foreground (for containers and process supervisors).
// Runs never overlap: the next one is scheduled only after the previous returns. Aborting the signal while waiting
// ends the loop cleanly at once; aborting during a run lets the task's own interruption surface (InterruptedError).
// A failed run is reported and the loop goes on, unless the failure cannot heal by itself (bad flags, a damaged store,
// rejected credentials): those end the loop with their error. Time and sleeping are injectable for tests.
import { setTimeout as sleepFor } from 'node:timers/promises'
import { AuthError, BadArchiveError, UsageError, isLifeboatError } from '../errors.js'
import { nextSlot, type Schedule } from './timing.js'

export interface Clock {
  now(): number
  /** Resolves after `ms` or as soon as `signal` aborts (never rejects on abort). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  async sleep(ms, signal) {
    await sleepFor(ms, undefined, { signal }).catch(() => {})
  },
}

export interface RunInfo {
  /** 1 for the first run. */
  run: number
  scheduledAt: Date
  startedAt: Date
}

export interface ScheduledLoopOptions {
  schedule: Schedule
  signal: AbortSignal
  clock?: Clock
  /** Start with a run instead of waiting for the first slot. Default: true for `every`, false for `cron`. */
  runAtStart?: boolean
  /** Stop after this many runs (tests; unlimited by default). */
  maxRuns?: number
  /** Longest single sleep, so that clock jumps (suspend, NTP) are noticed. Default one minute. */
  maxSleepMs?: number
  onWaiting?: (next: Date) => void
  onRunFailed?: (error: unknown, info: RunInfo) => void
}

export interface LoopSummary {
  runs: number
  failures: number
}

/** Errors that would fail every run the same way: the loop stops instead of retrying forever. */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof UsageError || error instanceof BadArchiveError || error instanceof AuthError
}

export async function runScheduled(task: (info: RunInfo) => Promise<void>, options: ScheduledLoopOptions): Promise<LoopSummary> {
  const clock = options.clock ?? systemClock
  const maxSleep = options.maxSleepMs ?? 60_000
  const runAtStart = options.runAtStart ?? options.schedule.kind === 'every'
  const summary: LoopSummary = { runs: 0, failures: 0 }
  let next = runAtStart ? clock.now() : nextSlot(options.schedule, clock.now())
  while (!options.signal.aborted && (options.maxRuns === undefined || summary.runs < options.maxRuns)) {
    if (clock.now() < next) options.onWaiting?.(new Date(next))
    while (!options.signal.aborted && clock.now() < next) await clock.sleep(Math.min(next - clock.now(), maxSleep), options.signal)
    if (options.signal.aborted) break
    const startedAt = clock.now()
    const info: RunInfo = { run: summary.runs + 1, scheduledAt: new Date(next), startedAt: new Date(startedAt) }
    summary.runs++
    try {
      await task(info)
    } catch (error) {
      if (options.signal.aborted || isPermanentFailure(error) || !isLifeboatError(error)) throw error
      summary.failures++
      options.onRunFailed?.(error, info)
    }
    next = nextSlot(options.schedule, startedAt)
  }
  return summary
}
