// Cursor paging as Misskey answers it (fixture README "Pagination"): newest first with `untilId` = the last item's
// id, the end being an empty page; with `sinceId` alone the items just after it, OLDEST first, so an incremental
// walk continues with `sinceId` = the last (newest) item's id. The cursor is the listed record's id (relation,
// favorite, file), never the user's. Servers that ignore the cursor (clips/list on 2025.7.0 returns every clip
// whatever `untilId` says, clips_list__limit1.json) would page forever, so items on the wrong side of the cursor are
// dropped and a page that adds nothing ends the walk.
import { throwIfAborted } from '../../errors.js'

export interface Cursor {
  untilId?: string
  sinceId?: string
}

export interface PagingOptions {
  /** Walk upward from this id (incremental); default: from the newest item down. */
  sinceId?: string
  /**
   * Pages to fetch ahead of the caller (default 0: one request at a time, after the caller asks). For sequential
   * chains such as notes, a few pages ahead keep the chain moving while the caller waits on other work.
   */
  prefetch?: number
  signal?: AbortSignal
}

/** Pages of a cursor-paged endpoint; `fetchPage` makes one request for the cursor it is given. */
export async function* paged<T extends { id: string }>(fetchPage: (cursor: Cursor) => Promise<T[]>, options: PagingOptions = {}): AsyncGenerator<T[]> {
  const ascending = options.sinceId !== undefined
  let bound = options.sinceId
  const next = async (): Promise<T[]> => {
    throwIfAborted(options.signal)
    const raw = await fetchPage(bound === undefined ? {} : ascending ? { sinceId: bound } : { untilId: bound })
    const page = bound === undefined ? raw : raw.filter((item) => (ascending ? item.id > bound! : item.id < bound!))
    if (page.length > 0) bound = ascending ? maxId(page) : minId(page)
    return page
  }
  const depth = options.prefetch ?? 0
  if (depth <= 0) {
    for (let page = await next(); page.length > 0; page = await next()) yield page
    return
  }
  yield* ahead(next, depth)
}

/** Runs `next` (one page after the other) up to `depth` pages ahead of the consumer; an empty page ends it. */
async function* ahead<T>(next: () => Promise<T[]>, depth: number): AsyncGenerator<T[]> {
  const buffer: T[][] = []
  let finished = false
  let failure: { error: unknown } | undefined
  let stopped = false
  let wake: (() => void) | undefined
  const signal = () => {
    wake?.()
    wake = undefined
  }
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve))
  const producer = (async () => {
    try {
      while (!stopped) {
        if (buffer.length >= depth) {
          await waitForChange()
          continue
        }
        const page = await next()
        if (page.length === 0) break
        buffer.push(page)
        signal()
      }
    } catch (error) {
      failure = { error }
    } finally {
      finished = true
      signal()
    }
  })()
  try {
    for (;;) {
      if (buffer.length > 0) {
        const page = buffer.shift()!
        signal()
        yield page
      } else if (finished) {
        if (failure) throw failure.error
        return
      } else await waitForChange()
    }
  } finally {
    stopped = true
    signal()
    await producer
  }
}

/** Every item of every page, in the order the server gives them. */
export async function collect<T extends { id: string }>(fetchPage: (cursor: Cursor) => Promise<T[]>, options: PagingOptions = {}): Promise<T[]> {
  const items: T[] = []
  for await (const page of paged(fetchPage, options)) items.push(...page)
  return items
}

export function maxId(items: readonly { id: string }[]): string {
  return items.reduce((max, item) => (item.id > max ? item.id : max), items[0]!.id)
}

function minId(items: readonly { id: string }[]): string {
  return items.reduce((min, item) => (item.id < min ? item.id : min), items[0]!.id)
}

/** The later of two ids (Misskey ids of one server sort by time as strings); undefined only when both are. */
export function laterId(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a > b ? a : b
}
