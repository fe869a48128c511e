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
  /** Request the next page while the caller works on this one (for sequential chains such as notes). */
  prefetch?: boolean
  signal?: AbortSignal
}

/** Pages of a cursor-paged endpoint; `fetchPage` makes one request for the cursor it is given. */
export async function* paged<T extends { id: string }>(fetchPage: (cursor: Cursor) => Promise<T[]>, options: PagingOptions = {}): AsyncGenerator<T[]> {
  const ascending = options.sinceId !== undefined
  let bound = options.sinceId
  const request = (): Promise<T[]> => fetchPage(bound === undefined ? {} : ascending ? { sinceId: bound } : { untilId: bound })
  let next = request()
  for (;;) {
    throwIfAborted(options.signal)
    const raw = await next
    const page = bound === undefined ? raw : raw.filter((item) => (ascending ? item.id > bound! : item.id < bound!))
    if (page.length === 0) return
    bound = ascending ? maxId(page) : minId(page)
    if (options.prefetch) {
      next = request()
      // the caller may stop early; the prefetched page is then simply dropped
      next.catch(() => undefined)
      yield page
    } else {
      yield page
      next = request()
    }
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
