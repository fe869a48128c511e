// The one walk over a Link-paged Mastodon collection (following, followers, blocks, mutes, domain blocks, list
// members, endorsements, followed tags, bookmarks, favourites; the statuses loop applies the same rule to its own
// resumable walk). A page never hands on an item an earlier page already gave (keyed by account id, status id or
// domain), and a page that brings nothing new ends the walk: Sharkey 2025.4.7 answers `following` with
// `Link: <…?max_id=<account id>>; rel="next"` and then serves the same page again for that link (issue 17), and a
// server that ignores its own cursor in any other way would otherwise page forever or write records twice.
import type { MastodonClient, Page, Params } from './client.js'

export interface WalkOptions<T> {
  /** `next` walks back in time (the default), `prev` forward from a `min_id`. */
  rel?: 'next' | 'prev'
  params?: Params
  /** What makes two items the same; default the entity's `id`. */
  key?: (item: T) => string
}

function idOf(item: unknown): string {
  return typeof item === 'string' ? item : String((item as { id?: unknown }).id)
}

/** Pages of `path` holding only items not seen before; ends at the first page without one. */
export async function* uniquePages<T>(client: MastodonClient, path: string, options: WalkOptions<T> = {}): AsyncGenerator<Page<T>> {
  const key = options.key ?? idOf
  const seen = new Set<string>()
  for await (const page of client.pages<T>(path, options.rel ?? 'next', options.params)) {
    const fresh = page.items.filter((item) => {
      const k = key(item)
      if (seen.has(k)) return false
      seen.add(k)
      return true
    })
    if (fresh.length === 0) return
    yield { ...page, items: fresh }
  }
}

/** Every distinct item of a Link-paged collection, in the server's order. */
export async function* uniqueItems<T>(client: MastodonClient, path: string, options: WalkOptions<T> = {}): AsyncGenerator<T> {
  for await (const page of uniquePages(client, path, options)) yield* page.items
}
