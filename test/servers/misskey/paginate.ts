// Cursor paging as misskey packages/backend/src/core/QueryService.ts makePaginationQuery does it, and as the
// recordings show (users_notes__page1/page2/page3, users_notes__sinceId-limit10, sinceId-untilId-limit10,
// sinceDate-limit5, drive_files__root-sinceId-limit2):
// - sinceId and untilId: sinceId < id < untilId, newest first;
// - sinceId alone: the `limit` OLDEST items newer than sinceId, oldest first (ascending);
// - untilId alone or nothing: id < untilId, newest first;
// - sinceDate/untilDate (epoch ms) likewise by creation time; a falsy date (0) counts as absent, as upstream.
// The cursor is the id of the listed record (relation id, favorite id, ...), never the user's.
import { idToTime } from './ids.js'

export interface PageParams {
  limit: number
  sinceId?: string
  untilId?: string
  sinceDate?: number
  untilDate?: number
}

export function pageParams(ps: Record<string, unknown>): PageParams {
  return {
    limit: ps.limit as number,
    sinceId: typeof ps.sinceId === 'string' ? ps.sinceId : undefined,
    untilId: typeof ps.untilId === 'string' ? ps.untilId : undefined,
    sinceDate: typeof ps.sinceDate === 'number' && ps.sinceDate !== 0 ? ps.sinceDate : undefined,
    untilDate: typeof ps.untilDate === 'number' && ps.untilDate !== 0 ? ps.untilDate : undefined,
  }
}

/** One page of `items` (any order in), ordered and cut as upstream. `idOf` picks the cursor id. */
export function paginate<T>(items: Iterable<T>, params: PageParams, idOf: (item: T) => string): T[] {
  const { sinceId, untilId, sinceDate, untilDate } = params
  let ascending = false
  let keep: (id: string) => boolean = () => true
  if (sinceId != null && untilId != null) {
    keep = (id) => id > sinceId && id < untilId
  } else if (sinceId != null) {
    keep = (id) => id > sinceId
    ascending = true
  } else if (untilId != null) {
    keep = (id) => id < untilId
  } else if (sinceDate != null && untilDate != null) {
    keep = (id) => idToTime(id) > sinceDate && idToTime(id) < untilDate
  } else if (sinceDate != null) {
    keep = (id) => idToTime(id) > sinceDate
    ascending = true
  } else if (untilDate != null) {
    keep = (id) => idToTime(id) < untilDate
  }
  const kept: T[] = []
  for (const item of items) if (keep(idOf(item))) kept.push(item)
  kept.sort((a, b) => {
    const x = idOf(a)
    const y = idOf(b)
    const cmp = x < y ? -1 : x > y ? 1 : 0
    return ascending ? cmp : -cmp
  })
  return kept.slice(0, params.limit)
}
