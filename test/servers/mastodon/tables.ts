// Small in-memory tables keyed like the Postgres unique indexes they stand for, with per-owner rows kept in
// ascending id order so that `paginate.ts` can page them by binary search.

import { insertSorted, removeById, SerialIds } from './ids.js'
import type { Row } from './types.js'

export interface OwnedRow extends Row {
  accountId: bigint
}

/** Rows owned by an account and unique per (owner, key), e.g. blocks (account_id, target_account_id). */
export class OwnedTable<T extends OwnedRow> {
  private readonly ids = new SerialIds(1000)
  private readonly byKey = new Map<string, T>()
  private readonly byOwner = new Map<bigint, T[]>()

  constructor(private readonly keyOf: (row: T) => string) {}

  nextId(): bigint {
    return this.ids.take()
  }

  get(accountId: bigint, key: string): T | undefined {
    return this.byKey.get(`${accountId}:${key}`)
  }

  add(row: T): T {
    const key = `${row.accountId}:${this.keyOf(row)}`
    const existing = this.byKey.get(key)
    if (existing) return existing
    this.byKey.set(key, row)
    let rows = this.byOwner.get(row.accountId)
    if (!rows) this.byOwner.set(row.accountId, (rows = []))
    insertSorted(rows, row)
    return row
  }

  remove(accountId: bigint, key: string): T | undefined {
    const row = this.byKey.get(`${accountId}:${key}`)
    if (!row) return undefined
    this.byKey.delete(`${accountId}:${key}`)
    removeById(this.byOwner.get(accountId) ?? [], row.id)
    return row
  }

  /** The owner's rows, ascending by id. Do not mutate. */
  list(accountId: bigint): readonly T[] {
    return this.byOwner.get(accountId) ?? []
  }

  *all(): Iterable<T> {
    yield* this.byKey.values()
  }
}

export interface EdgeRow extends OwnedRow {
  targetId: bigint
}

/** Account→account edges (follows, follow requests) indexed from both ends. */
export class EdgeTable<T extends EdgeRow> {
  private readonly ids = new SerialIds(1000)
  private readonly byKey = new Map<string, T>()
  private readonly bySource = new Map<bigint, T[]>()
  private readonly byTarget = new Map<bigint, T[]>()

  nextId(): bigint {
    return this.ids.take()
  }

  get(accountId: bigint, targetId: bigint): T | undefined {
    return this.byKey.get(`${accountId}>${targetId}`)
  }

  add(row: T): T {
    const key = `${row.accountId}>${row.targetId}`
    const existing = this.byKey.get(key)
    if (existing) return existing
    this.byKey.set(key, row)
    push(this.bySource, row.accountId, row)
    push(this.byTarget, row.targetId, row)
    return row
  }

  remove(accountId: bigint, targetId: bigint): T | undefined {
    const row = this.byKey.get(`${accountId}>${targetId}`)
    if (!row) return undefined
    this.byKey.delete(`${accountId}>${targetId}`)
    removeById(this.bySource.get(accountId) ?? [], row.id)
    removeById(this.byTarget.get(targetId) ?? [], row.id)
    return row
  }

  /** Edges leaving `accountId`, ascending by edge id. */
  from(accountId: bigint): readonly T[] {
    return this.bySource.get(accountId) ?? []
  }

  /** Edges arriving at `targetId`, ascending by edge id. */
  to(targetId: bigint): readonly T[] {
    return this.byTarget.get(targetId) ?? []
  }
}

function push<T extends Row>(map: Map<bigint, T[]>, key: bigint, row: T): void {
  let rows = map.get(key)
  if (!rows) map.set(key, (rows = []))
  insertSorted(rows, row)
}
