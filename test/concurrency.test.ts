import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { forEachOrdered } from '../src/concurrency/ordered-pool.js'

test('work runs concurrently but results arrive in input order, errors included', async () => {
  let running = 0
  let peak = 0
  const delivered: string[] = []
  await forEachOrdered(
    [1, 2, 3, 4, 5, 6, 7, 8],
    { concurrency: 3 },
    async (n) => {
      running++
      peak = Math.max(peak, running)
      await sleep((9 - n) * 3)
      running--
      if (n === 5) throw new Error('five failed')
      return n * 10
    },
    async (n, result) => {
      delivered.push(result.ok ? `${n}:${result.value}` : `${n}:${(result.error as Error).message}`)
    },
  )
  assert.deepEqual(delivered, ['1:10', '2:20', '3:30', '4:40', '5:five failed', '6:60', '7:70', '8:80'])
  assert.equal(peak, 3)
})

test('the look-ahead window bounds how far work runs ahead of delivery', async () => {
  let started = 0
  let maxAhead = 0
  let delivered = 0
  await forEachOrdered(
    Array.from({ length: 50 }, (_, i) => i),
    { concurrency: 4, window: 6 },
    async (i) => {
      started++
      maxAhead = Math.max(maxAhead, started - delivered)
      await sleep(i === 0 ? 20 : 1)
    },
    async () => {
      delivered++
    },
  )
  assert.equal(delivered, 50)
  assert.ok(maxAhead <= 6, `ran ${maxAhead} ahead`)
})

test('an abort while items wait in the queue settles the run: no hang, and nothing starts after it returns', { timeout: 10_000 }, async () => {
  const controller = new AbortController()
  let started = 0
  let startedAfterReturn = 0
  let returned = false
  // Ctrl-C arrives while 2 downloads run and 8 more wait in the queue.
  function* items() {
    for (let i = 0; i < 40; i++) {
      if (i === 10) controller.abort()
      yield i
    }
  }
  const run = forEachOrdered(
    items(),
    { concurrency: 2, window: 16, signal: controller.signal },
    async () => {
      started++
      if (returned) startedAfterReturn++
      // like a download: ends when the run's signal aborts
      await new Promise((_, reject) => {
        if (controller.signal.aborted) reject(new Error('aborted download'))
        controller.signal.addEventListener('abort', () => reject(new Error('aborted download')), { once: true })
      })
    },
    async (_item, result) => {
      if (!result.ok) throw result.error
    },
  )
  await assert.rejects(run, { name: 'InterruptedError' })
  returned = true
  await sleep(20)
  assert.ok(started < 10, `the queued items were dropped (${started} started)`)
  assert.equal(startedAfterReturn, 0)
})
