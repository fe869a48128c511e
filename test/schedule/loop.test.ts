// The foreground scheduler: runs on --every / --cron, never overlapping, stopping cleanly on abort
// (src/schedule/loop.ts, docs/scheduling.md). Time is simulated except in the one real-time test.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runScheduled, type Clock } from '../../src/schedule/loop.js'
import { nextSlot, parseCron, parseInterval } from '../../src/schedule/timing.js'
import { runMaybeScheduled, scheduleFromFlags } from '../../src/schedule/options.js'
import { InterruptedError, RemoteError, UsageError } from '../../src/errors.js'
import { captureCli } from '../_util/cli.js'

/** Simulated time: sleeping advances the clock at once; `onSleep` may abort to model Ctrl-C while waiting. */
function fakeClock(start: string, onSleep?: (ms: number) => void): Clock & { t: number; sleeps: number[] } {
  const clock = {
    t: Date.parse(start),
    sleeps: [] as number[],
    now: () => clock.t,
    async sleep(ms: number, signal?: AbortSignal) {
      clock.sleeps.push(ms)
      onSleep?.(ms)
      if (signal?.aborted) return
      clock.t += ms
    },
  }
  return clock
}

const HOUR = 3_600_000
const MIN = 60_000

test('--every runs at once, then on each interval after the previous start', async () => {
  const clock = fakeClock('2026-01-01T00:00:00Z')
  const starts: number[] = []
  const summary = await runScheduled(
    async () => {
      starts.push(clock.t)
      clock.t += 10 * MIN
    },
    { schedule: { kind: 'every', everyMs: HOUR, text: '1h' }, signal: new AbortController().signal, clock, maxRuns: 3, maxSleepMs: 15 * MIN },
  )
  assert.deepEqual(summary, { runs: 3, failures: 0 })
  assert.deepEqual(starts.map((t) => new Date(t).toISOString()), ['2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z'])
  assert.ok(clock.sleeps.every((ms) => ms <= 15 * MIN), 'long waits are cut into chunks so clock jumps are noticed')
})

test('a run longer than the interval delays the next one; runs never overlap', async () => {
  const clock = fakeClock('2026-01-01T00:00:00Z')
  const spans: Array<[number, number]> = []
  let active = 0
  await runScheduled(
    async () => {
      active++
      assert.equal(active, 1, 'only one run at a time')
      const start = clock.t
      await new Promise((resolve) => setImmediate(resolve))
      clock.t += 90 * MIN
      spans.push([start, clock.t])
      active--
    },
    { schedule: { kind: 'every', everyMs: HOUR, text: '1h' }, signal: new AbortController().signal, clock, maxRuns: 3 },
  )
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], `run ${i + 1} starts after run ${i} ends`)
  assert.deepEqual(spans.map(([s]) => (s - spans[0]![0]) / MIN), [0, 90, 180], 'a missed slot runs once, as soon as the previous run ends')
})

test('--cron waits for the first slot and then follows the expression (cron-parser v5)', async () => {
  const clock = fakeClock('2026-03-30T01:17:00Z')
  const scheduled: string[] = []
  await runScheduled(
    async (info) => {
      scheduled.push(info.scheduledAt.toISOString())
      assert.equal(info.startedAt.getTime(), info.scheduledAt.getTime())
      clock.t += 5 * MIN
    },
    { schedule: parseCron('0 3 * * *'), signal: new AbortController().signal, clock, maxRuns: 3 },
  )
  assert.deepEqual(scheduled, ['2026-03-30T03:00:00.000Z', '2026-03-31T03:00:00.000Z', '2026-04-01T03:00:00.000Z'])
  // The time zone moves the slot: 03:00 in Berlin is 01:00 UTC in summer time.
  assert.equal(new Date(nextSlot(parseCron('0 3 * * *', 'Europe/Berlin'), Date.parse('2026-07-01T00:00:00Z'))).toISOString(), '2026-07-01T01:00:00.000Z')
  assert.equal(new Date(nextSlot(parseCron('*/15 * * * *'), Date.parse('2026-07-01T00:07:00Z'))).toISOString(), '2026-07-01T00:15:00.000Z')
})

test('Ctrl-C while waiting stops the loop cleanly between runs', async () => {
  const controller = new AbortController()
  const clock = fakeClock('2026-01-01T00:00:00Z', () => {
    if (clock.sleeps.length === 3) controller.abort(new InterruptedError('Interrupted.'))
  })
  let runs = 0
  const summary = await runScheduled(async () => void runs++, { schedule: { kind: 'every', everyMs: HOUR, text: '1h' }, signal: controller.signal, clock, maxSleepMs: 20 * MIN })
  assert.equal(runs, 1)
  assert.deepEqual(summary, { runs: 1, failures: 0 })
})

test('a failed run is reported and the loop goes on; failures that cannot heal end it', async () => {
  const clock = fakeClock('2026-01-01T00:00:00Z')
  const failed: string[] = []
  let n = 0
  const summary = await runScheduled(
    async () => {
      n++
      if (n === 2) throw new RemoteError('the PDS is down', { status: 503 })
    },
    { schedule: { kind: 'every', everyMs: HOUR, text: '1h' }, signal: new AbortController().signal, clock, maxRuns: 3, onRunFailed: (e) => failed.push((e as Error).message) },
  )
  assert.deepEqual(summary, { runs: 3, failures: 1 })
  assert.deepEqual(failed, ['the PDS is down'])
  await assert.rejects(
    runScheduled(async () => { throw new UsageError('bad flag') }, { schedule: { kind: 'every', everyMs: HOUR, text: '1h' }, signal: new AbortController().signal, clock, maxRuns: 3 }),
    UsageError,
  )
  await assert.rejects(
    runScheduled(async () => { throw new TypeError('a bug') }, { schedule: { kind: 'every', everyMs: HOUR, text: '1h' }, signal: new AbortController().signal, clock, maxRuns: 3 }),
    TypeError,
  )
})

test('real time: --every 25ms through the CLI helper runs N times, one at a time, and stops on abort', async () => {
  const cli = captureCli({ json: true })
  const starts: number[] = []
  const ends: number[] = []
  let active = 0
  let maxActive = 0
  const stopped = runMaybeScheduled({ every: '25ms' }, cli.cli, async () => {
    active++
    maxActive = Math.max(maxActive, active)
    starts.push(Date.now())
    await new Promise((resolve) => setTimeout(resolve, 40))
    ends.push(Date.now())
    active--
    if (starts.length === 3) cli.abort()
    return { data: { n: starts.length }, human: `run ${starts.length}` }
  })
  await assert.rejects(stopped, { name: 'InterruptedError' }, 'a stopped loop ends as interrupted (exit 130/143), not as a success')
  assert.equal(maxActive, 1)
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! >= ends[i - 1]!, 'the next run waits for the previous')
  const events = cli.stdout().trim().split('\n').map((l) => JSON.parse(l))
  assert.deepEqual(events.filter((e) => e.event === 'run-finished').map((e) => e.n), [1, 2, 3])
  assert.deepEqual(events.at(-1), { event: 'stopped', runs: 3, failures: 0 })
})

test('schedule flags: intervals, cron expressions, and their mistakes', () => {
  assert.equal(parseInterval('24h'), 24 * HOUR)
  assert.equal(parseInterval('1h30m'), 90 * MIN)
  assert.equal(parseInterval('1d'), 24 * HOUR)
  assert.equal(parseInterval('250ms'), 250)
  for (const bad of ['', '24', 'daily', '1.5h', '0s', '-1h']) assert.throws(() => parseInterval(bad), UsageError, bad)
  assert.equal(scheduleFromFlags({}), null)
  assert.throws(() => scheduleFromFlags({ every: '1h', cron: '0 3 * * *' }), UsageError)
  assert.throws(() => scheduleFromFlags({ cron: '0 25 * * *' }), UsageError)
  assert.throws(() => scheduleFromFlags({ cron: 'every night' }), UsageError)
  assert.deepEqual(scheduleFromFlags({ cron: '0 3 * * *', cronTz: 'Europe/Berlin' }), { kind: 'cron', expression: '0 3 * * *', timeZone: 'Europe/Berlin' })
})
