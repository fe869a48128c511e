// Concurrent work with in-order delivery: up to `concurrency` items are worked on at once, and results are handed
// to `deliver` strictly in input order. Memory is bounded by the look-ahead window, not by the number of items, and
// output written from `deliver` is the same whatever order the work finishes in (so a run with injected faults
// writes the same archive as one without).
import PQueue from 'p-queue'
import { throwIfAborted } from '../errors.js'

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
  const pending: { item: T; result: Promise<Settled<R>> }[] = []
  const drainOne = async () => {
    const head = pending.shift()!
    await deliver(head.item, await head.result)
  }
  try {
    for await (const item of items) {
      throwIfAborted(options.signal)
      const result = queue.add(async (): Promise<Settled<R>> => {
        try {
          return { ok: true, value: await work(item) }
        } catch (error) {
          return { ok: false, error }
        }
      }) as Promise<Settled<R>>
      pending.push({ item, result })
      while (pending.length >= window) await drainOne()
    }
    while (pending.length > 0) await drainOne()
  } finally {
    queue.clear()
    await Promise.allSettled(pending.map((p) => p.result))
  }
  throwIfAborted(options.signal)
}
