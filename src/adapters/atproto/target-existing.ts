// What the target account already has, so that a replay writes only what is missing even without its journal (a
// second device, a deleted journal, records made by hand). Each collection is read once, on first use, with
// com.atproto.repo.listRecords (100 a page, newest first: pds actor-store/record/reader.ts orders by rkey desc), and
// kept up to date with every record the replay writes.
import type { AdapterContext } from '../adapter.js'
import { throwIfAborted } from '../../errors.js'
import { xrpcCall } from './xrpc.js'
import { COLLECTIONS } from './map.js'

interface ListRecordsPage {
  records: { uri: string; cid: string; value: Record<string, unknown> }[]
  cursor?: string
}

/** The key a record is matched by, per collection: the subject DID, the liked post, the list name, list+member. */
export function recordKey(collection: string, value: Record<string, unknown>): string | null {
  switch (collection) {
    case COLLECTIONS.follow:
    case COLLECTIONS.block:
      return typeof value.subject === 'string' ? value.subject : null
    case COLLECTIONS.like: {
      const uri = (value.subject as { uri?: unknown } | undefined)?.uri
      return typeof uri === 'string' ? uri : null
    }
    case COLLECTIONS.list:
      return typeof value.name === 'string' ? value.name : null
    case COLLECTIONS.listItem:
      return typeof value.list === 'string' && typeof value.subject === 'string' ? `${value.list}\0${value.subject}` : null
    default:
      return null
  }
}

export class ExistingRecords {
  /** collection -> key -> record URI */
  #byCollection = new Map<string, Map<string, string>>()
  #loading = new Map<string, Promise<Map<string, string>>>()

  constructor(
    readonly context: AdapterContext,
    readonly pds: string,
    readonly did: string,
  ) {}

  async #page(collection: string, cursor: string | undefined): Promise<ListRecordsPage> {
    return xrpcCall<ListRecordsPage>(this.context, this.pds, 'com.atproto.repo.listRecords', { params: { repo: this.did, collection, limit: 100, cursor } })
  }

  /** The key -> URI map of a collection, read in full the first time. */
  async of(collection: string): Promise<Map<string, string>> {
    const known = this.#byCollection.get(collection)
    if (known) return known
    let loading = this.#loading.get(collection)
    if (!loading) {
      loading = (async () => {
        const map = new Map<string, string>()
        let cursor: string | undefined
        do {
          throwIfAborted(this.context.signal)
          const page = await this.#page(collection, cursor)
          for (const record of page.records) {
            const key = recordKey(collection, record.value)
            if (key !== null && !map.has(key)) map.set(key, record.uri)
          }
          cursor = page.records.length > 0 ? page.cursor : undefined
        } while (cursor)
        this.#byCollection.set(collection, map)
        return map
      })()
      this.#loading.set(collection, loading)
    }
    return loading
  }

  async has(collection: string, key: string): Promise<string | undefined> {
    return (await this.of(collection)).get(key)
  }

  /** Records a write the replay made (or found). */
  add(collection: string, key: string, uri: string): void {
    const map = this.#byCollection.get(collection)
    if (map && !map.has(key)) map.set(key, uri)
  }

  /**
   * Re-reads the newest `count` records of a collection (after a write whose outcome is unknown: a swap conflict
   * after a lost response) and adds them; returns how many were new to the index.
   */
  async refreshNewest(collection: string, count: number): Promise<number> {
    const map = await this.of(collection)
    let added = 0
    let seen = 0
    let cursor: string | undefined
    do {
      const page = await this.#page(collection, cursor)
      for (const record of page.records) {
        seen++
        const key = recordKey(collection, record.value)
        if (key !== null && !map.has(key)) {
          map.set(key, record.uri)
          added++
        }
      }
      cursor = page.records.length > 0 ? page.cursor : undefined
    } while (cursor && seen < count)
    return added
  }
}
