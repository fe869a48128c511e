// When the next scheduled run starts. Two schedules: a fixed interval (`--every 24h`) and a cron expression
// (`--cron "0 3 * * *"`, five or six fields, evaluated with cron-parser v5 in the given time zone, default UTC).
// Rule shared by both: the next run is the first slot after the previous run's start; a slot missed because that run
// was still going starts as soon as it ends, once, however many slots were missed.
import { CronExpressionParser } from 'cron-parser'
import { UsageError } from '../errors.js'

export type Schedule = { kind: 'every'; everyMs: number; text: string } | { kind: 'cron'; expression: string; timeZone: string }

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Parses `90s`, `15m`, `24h`, `1d`, `1h30m`, `1w` into milliseconds. Throws UsageError on anything else. */
export function parseInterval(text: string): number {
  const trimmed = text.trim()
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(trimmed)) {
    throw new UsageError(`--every ${JSON.stringify(text)} is not an interval.`, { hint: 'Use a number with a unit: 30m, 6h, 24h, 1d, 1h30m.' })
  }
  let total = 0
  for (const [, n, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(n) * UNIT_MS[unit!]!
  if (total <= 0) throw new UsageError(`--every ${JSON.stringify(text)} must be longer than zero.`)
  return total
}

/** Validates a cron expression now, so that a typo fails before the first wait. */
export function parseCron(expression: string, timeZone = 'UTC'): Schedule {
  try {
    CronExpressionParser.parse(expression, { tz: timeZone, strict: false }).next()
  } catch (error) {
    throw new UsageError(`--cron ${JSON.stringify(expression)} is not a cron expression: ${(error as Error).message}`, {
      hint: 'Five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *" for 03:00 every day.',
    })
  }
  return { kind: 'cron', expression, timeZone }
}

/** The first slot strictly after `after` (milliseconds since the epoch). */
export function nextSlot(schedule: Schedule, after: number): number {
  if (schedule.kind === 'every') return after + schedule.everyMs
  return CronExpressionParser.parse(schedule.expression, { tz: schedule.timeZone, currentDate: new Date(after) }).next().getTime()
}

export function describeSchedule(schedule: Schedule): string {
  return schedule.kind === 'every' ? `every ${schedule.text}` : `on cron "${schedule.expression}" (${schedule.timeZone})`
}
