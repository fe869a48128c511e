// Id generation. Statuses, accounts and media get Mastodon snowflake ids: milliseconds since the epoch shifted
// left 16 bits plus a sequence (mastodon `lib/mastodon/snowflake.rb`), so they sort by time and serialize as
// decimal strings (mdocs: api/guidelines.md "Handling and sorting IDs"). Relationship rows (follows, blocks,
// favourites, …) get plain serial ids, as their Postgres tables do; clients never see those except inside
// `Link` headers.

export class SnowflakeIds {
  private readonly issued = new Set<bigint>()

  /** A fresh id for a record created at `ms`; unique even when several records share a millisecond. */
  at(ms: number): bigint {
    let id = BigInt(Math.floor(ms)) << 16n
    while (this.issued.has(id)) id += 1n
    this.issued.add(id)
    return id
  }
}

export class SerialIds {
  private next = 1n

  constructor(start = 1) {
    this.next = BigInt(start)
  }

  take(): bigint {
    return this.next++
  }
}

/** Parses an id parameter the way a Postgres bigint comparison would accept it; anything else is absent. */
export function parseId(value: unknown): bigint | null {
  if (typeof value !== 'string' || !/^\d{1,19}$/.test(value)) return null
  return BigInt(value)
}

/** Index of the first element whose id is >= `id` in an ascending array (binary search). */
export function lowerBound(rows: ReadonlyArray<{ id: bigint }>, id: bigint): number {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (rows[mid]!.id < id) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the first element whose id is > `id` in an ascending array. */
export function upperBound(rows: ReadonlyArray<{ id: bigint }>, id: bigint): number {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (rows[mid]!.id <= id) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Inserts keeping ascending id order; appending in order (the usual seeding pattern) costs O(1). */
export function insertSorted<T extends { id: bigint }>(rows: T[], row: T): void {
  if (rows.length === 0 || rows[rows.length - 1]!.id < row.id) {
    rows.push(row)
    return
  }
  rows.splice(lowerBound(rows, row.id), 0, row)
}

export function removeById<T extends { id: bigint }>(rows: T[], id: bigint): boolean {
  const at = lowerBound(rows, id)
  if (at < rows.length && rows[at]!.id === id) {
    rows.splice(at, 1)
    return true
  }
  return false
}

/** Mastodon's `id_partition` of a snowflake: 3-digit groups (`config/initializers/paperclip.rb`). */
export function idPartition(id: bigint): string {
  const digits = id.toString().padStart(9, '0')
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0')
  return padded.match(/.{3}/g)!.join('/')
}
