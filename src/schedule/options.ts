// The scheduling options any backup subcommand can add to itself: `--every <interval>`, `--cron <expression>` and
// `--cron-tz <zone>`. Without them the command runs once; with one of them it runs in the foreground on that schedule
// (docs/scheduling.md).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { InterruptedError, UsageError } from '../errors.js'
import { runScheduled, type Clock, type LoopSummary } from './loop.js'
import { describeSchedule, parseCron, parseInterval, type Schedule } from './timing.js'

export interface ScheduleFlags {
  every?: string
  cron?: string
  cronTz?: string
}

/** Adds --every, --cron and --cron-tz to `command` (call before .action()). */
export function addScheduleOptions(command: Command): Command {
  return command
    .option('--every <interval>', 'run now, then again every interval (e.g. 24h, 6h, 30m) until stopped')
    .option('--cron <expression>', 'run on a cron schedule (e.g. "0 3 * * *") until stopped')
    .option('--cron-tz <zone>', 'time zone for --cron (IANA name, e.g. Europe/Berlin)', 'UTC')
}

/** The schedule the flags ask for, or null for a single run. UsageError for both at once or a malformed value. */
export function scheduleFromFlags(flags: ScheduleFlags): Schedule | null {
  if (flags.every !== undefined && flags.cron !== undefined) {
    throw new UsageError('--every and --cron cannot be used together.', { hint: 'Pick one schedule.' })
  }
  if (flags.every !== undefined) return { kind: 'every', everyMs: parseInterval(flags.every), text: flags.every }
  if (flags.cron !== undefined) return parseCron(flags.cron, flags.cronTz ?? 'UTC')
  return null
}

/** What one run reports: machine-readable fields and a human summary line. */
export interface RunReport {
  data: Record<string, unknown>
  human: string
}

export interface ScheduledSeams {
  clock?: Clock
  maxRuns?: number
}

/**
 * Runs `once` a single time (its report, if it returns one, becomes the command's result), or on the schedule the
 * flags ask for (each report becomes a `run-finished` event, and the result, once stopped, counts runs and failures).
 * A `once` that prints its own result returns nothing. Waits and failed
 * runs are reported through context.out. Returns the loop summary, or null for a single run.
 */
export async function runMaybeScheduled(flags: ScheduleFlags, context: CliContext, once: () => Promise<RunReport | void>, deps: ScheduledSeams = {}): Promise<LoopSummary | null> {
  const schedule = scheduleFromFlags(flags)
  if (!schedule) {
    const report = await once()
    if (report) context.out.result({ ok: true, ...report.data }, report.human)
    return null
  }
  const { out } = context
  out.info(`Running ${describeSchedule(schedule)}; press Ctrl-C to stop.`)
  const summary = await runScheduled(
    async (info) => {
      out.event('run-started', { run: info.run, scheduledAt: info.scheduledAt.toISOString() }, `Run ${info.run} started at ${info.startedAt.toISOString()}.`)
      const report = await once()
      if (report) out.event('run-finished', { run: info.run, ...report.data }, report.human)
    },
    {
      schedule,
      signal: context.signal,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.maxRuns !== undefined ? { maxRuns: deps.maxRuns } : {}),
      onWaiting: (next) => out.event('waiting', { next: next.toISOString() }, `Next run at ${next.toISOString()}.`),
      onRunFailed: (error, info) => {
        const e = error as { name?: string; message?: string; hint?: string; exitCode?: number }
        out.event('run-failed', { run: info.run, error: { name: e.name, message: e.message, exitCode: e.exitCode } })
        out.error(`run ${info.run} failed: ${e.message}`)
        if (e.hint) out.error(`hint: ${e.hint}`)
      },
    },
  )
  const stopped = `Stopped after ${summary.runs} run${summary.runs === 1 ? '' : 's'} (${summary.failures} failed).`
  if (context.signal.aborted) {
    // Stopped by Ctrl-C or SIGTERM (a supervisor stopping the service): the run ends as interrupted (130/143), so
    // a supervisor can tell a stop from a clean exit; the counts go to --json only, the signal's line is enough.
    out.event('stopped', { runs: summary.runs, failures: summary.failures })
    throw context.signal.reason instanceof InterruptedError ? context.signal.reason : new InterruptedError('Interrupted.', { hint: stopped })
  }
  out.result({ ok: true, stopped: true, runs: summary.runs, failures: summary.failures }, stopped)
  return summary
}
