// Concurrent work with in-order delivery: up to `concurrency` items are worked on at once, and results are handed
// to `deliver` strictly in input order. Memory is bounded by the look-ahead window, not by the number of items, and
// output written from `deliver` is the same whatever order the work finishes in (so a run with injected faults
// writes the same archive as one without).
import PQueue from 'p-queue'
import { InterruptedError, throwIfAborted } from '../errors.js'

export interface OrderedPoolOptions {
  concurrency: number
  /** How many items may be started ahead of the oldest undelivered one (default 4 × concurrency). */
  window?: number
  signal?: AbortSignal
}

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown }

export async function forEachOrdered<T, R>(
  items: AsyncIterable<T> | Iterable<T>,
  options: OrderedPoolOptions,
  work: (item: T) => Promise<R>,
  deliver: (item: T, result: Settled<R>) => Promise<void>,
): Promise<void> {
  const queue = new PQueue({ concurrency: Math.max(1, options.concurrency) })
  const window = Math.max(1, options.window ?? options.concurrency * 4)
  // Each item's result is our own promise, settled by its task: p-queue's clear() drops tasks that have not started,
  // and the promises queue.add() returned for them never settle, so awaiting those would hang the run for good.
  const pending: { item: T; result: Promise<Settled<R>>; drop(): void }[] = []
  const drainOne = async () => {
    const head = pending.shift()!
    const result = await head.result
    // Once the run is stopped, results are not delivered: work cut short by the abort is not an item failure.
    throwIfAborted(options.signal)
    await deliver(head.item, result)
  }
  try {
    for await (const item of items) {
      throwIfAborted(options.signal)
      let settle!: (settled: Settled<R>) => void
      const result = new Promise<Settled<R>>((resolve) => (settle = resolve))
      let started = false
      void queue.add(async () => {
        started = true
        try {
          settle({ ok: true, value: await work(item) })
        } catch (error) {
          settle({ ok: false, error })
        }
      })
      pending.push({ item, result, drop: () => started || settle({ ok: false, error: new InterruptedError('Interrupted.') }) })
      while (pending.length >= window) await drainOne()
    }
    while (pending.length > 0) await drainOne()
  } finally {
    queue.clear()
    // Tasks that never started are settled here; those running are awaited, so nothing writes after we return.
    for (const p of pending) p.drop()
    await Promise.allSettled(pending.map((p) => p.result))
  }
  throwIfAborted(options.signal)
}
