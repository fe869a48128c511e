// The lock of a store in object storage (src/store/backends/object-lock.ts), against a real S3 API: a live lock
// refuses a second writer (exit 11); a lock not refreshed within the staleness limit, or of a dead process on this
// host, is taken over; a held lock is refreshed, so a long run never looks stale. The clock is injected.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { LockedError } from '../../src/errors.js'
import { openS3Backend } from '../../src/store/backends/s3.js'
import { startS3rver, type S3rver } from '../_util/s3rver.js'
import { s3Backend } from './_backends.js'
import { until } from '../_util/wait.js'

let server: S3rver
before(async () => {
  server = await startS3rver()
})
after(async () => {
  await server.stop()
})

const MINUTE = 60_000

test('a live lock refuses; a stale one (not refreshed, or of a dead process here) is taken over; a held one is refreshed', async () => {
  const raw = s3Backend(() => server)
  const location = await raw.fresh()
  let now = Date.parse('2026-12-01T03:00:00Z')
  const clock = () => now
  const open = (host: string, refreshMs = 5 * MINUTE) => openS3Backend(location, server.env, { lock: { now: clock, host, staleMs: 30 * MINUTE, refreshMs } })

  const other = await open('elsewhere')
  const held = await other.lock()
  const me = await open('here')
  await assert.rejects(me.lock(), (e: unknown) => e instanceof LockedError && e.exitCode === 11 && /pid \d+ on elsewhere/.test(e.message))

  // 31 minutes without a refresh: the other host's run is presumed dead.
  now += 31 * MINUTE
  const mine = await me.lock()
  assert.deepEqual((await raw.keys(location)).filter((k) => k.startsWith('locks/')).length, 1, 'the stale lock was deleted')
  await mine.release()
  await held.release()

  // A lock of a process that no longer exists on this same host is stale at once.
  await raw.write(location, 'locks/dead', JSON.stringify({ host: 'here', pid: 2 ** 22 + 12345, since: new Date(now).toISOString(), refreshed: new Date(now).toISOString() }))
  const again = await me.lock()
  assert.equal((await raw.keys(location)).includes('locks/dead'), false)
  await again.release()

  // A held lock is rewritten every refreshMs, so its age never reaches the staleness limit.
  const refreshing = await open('elsewhere', 20)
  const long = await refreshing.lock()
  now += 60 * MINUTE
  const key = (await raw.keys(location)).find((k) => k.startsWith('locks/'))!
  await until(async () => {
    // s3rver does not replace an object atomically: a read may catch a refresh half-written
    const text = (await me.readSmall(key, 4096))?.toString('utf8') ?? ''
    try {
      return Date.parse((JSON.parse(text) as { refreshed: string }).refreshed) === now
    } catch {
      return false
    }
  }, 'a refresh of the held lock')
  await assert.rejects(me.lock(), LockedError)
  await long.release()
  assert.deepEqual((await raw.keys(location)).filter((k) => k.startsWith('locks/')), [])
  for (const b of [other, me, refreshing]) await b.close()
})
