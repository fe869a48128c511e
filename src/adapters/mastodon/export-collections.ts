// The account's social graph and collections (mdocs: methods/accounts.md, follows via relationships, blocks.md,
// mutes.md, domain_blocks.md, lists.md, bookmarks.md, favourites.md, featured_tags.md, endorsements.md, filters.md,
// followed_tags.md). Most are paged by internal row ids that only the `Link` header reveals, so every walk follows
// Link. Following carries the show-boosts / notify / languages settings and mutes the hide-notifications flag, which
// only `GET /api/v1/accounts/relationships` tells (asked 40 ids at a time).
//
// Bookmarks and favourites are histories: with `--since` only the part newer than the earlier archive's cursor is
// walked (forward along `rel="prev"` from `min_id`). The graph (follows, followers, blocks, mutes, domain blocks,
// lists, featured tags, endorsements, filters) is small and has no history to page by, so every archive holds it
// whole, as it is now: an incremental archive is then replayable on its own.
import type { ItemFailure } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import { nativeMember, type RecordKind } from '../../archive/format.js'
import { throwIfAborted } from '../../errors.js'
import type { Account, CredentialAccount, FeaturedTag, Filter, FilterV1, List, MutedAccount, Relationship, Status, Tag } from './api.js'
import type { MastodonClient } from './client.js'
import { isNotImplemented, isStatus } from './errors.js'
import type { Flavor } from './flavor.js'
import { uniqueItems, uniquePages } from './paging.js'
import { accountRef, featuredTagRecord, filterRecord, followingRecord, listRecord, muteRecord, plainRelation, subjectRecord } from './map.js'

const RELATIONSHIPS_PER_CALL = 40

export interface HistoryCursor {
  favourites?: string
  bookmarks?: string
}

export interface CollectionsJob {
  client: MastodonClient
  writer: ArchiveWriter
  me: CredentialAccount
  localDomain: string
  failures: ItemFailure[]
  since?: HistoryCursor
  /** Decides which failures mean "not implemented here" (errors.ts isNotImplemented). */
  flavor: Flavor
}

export interface CollectionsResult {
  cursor: HistoryCursor
  /** Optional endpoints the server does not implement (named as in the archive notes): not failures. */
  unimplemented: string[]
}

/** The `min_id` (or `since_id`) a `rel="prev"` link continues from. */
export function prevCursor(link: string | undefined): string | undefined {
  if (!link) return undefined
  const url = new URL(link)
  return url.searchParams.get('min_id') ?? url.searchParams.get('since_id') ?? undefined
}

export async function exportCollections(job: CollectionsJob): Promise<CollectionsResult> {
  const { client, writer, me } = job
  const self = encodeURIComponent(me.id)
  const cursor: HistoryCursor = {}
  const unimplemented: string[] = []
  const step = async (kind: RecordKind, path: string, run: () => Promise<void>): Promise<void> => {
    throwIfAborted(client.context.signal)
    try {
      await run()
      // Declared only once read: a kind the server does not offer stays absent rather than "0" (archive-format §2).
      writer.declare(kind)
    } catch (error) {
      if (client.context.signal.aborted) throw error
      if (isNotImplemented(error, job.flavor)) {
        writer.note(`${kind}: ${client.host} does not implement ${path}`)
        unimplemented.push(path)
      } else job.failures.push({ kind, item: path, reason: (error as Error).message })
    }
  }

  await step('following', 'following', async () => {
    for await (const page of uniquePages<Account>(client, `/api/v1/accounts/${self}/following`, { params: { limit: 80 } })) {
      const relationships = await relationshipsOf(client, page.items)
      for (const account of page.items) await writer.write('following', followingRecord(account, relationships.get(account.id), job.localDomain))
    }
  })
  await step('followers', 'followers', async () => {
    for await (const account of uniqueItems<Account>(client, `/api/v1/accounts/${self}/followers`, { params: { limit: 80 } })) await writer.write('followers', plainRelation(account, job.localDomain))
  })
  await step('blocks', 'blocks', async () => {
    for await (const account of uniqueItems<Account>(client, '/api/v1/blocks', { params: { limit: 80 } })) await writer.write('blocks', plainRelation(account, job.localDomain))
  })
  await step('mutes', 'mutes', async () => {
    for await (const page of uniquePages<MutedAccount>(client, '/api/v1/mutes', { params: { limit: 80 } })) {
      const relationships = await relationshipsOf(client, page.items)
      for (const account of page.items) await writer.write('mutes', muteRecord(account, relationships.get(account.id), job.localDomain))
    }
  })
  await step('domain-blocks', 'domain blocks', async () => {
    for await (const domain of uniqueItems<string>(client, '/api/v1/domain_blocks', { params: { limit: 200 } })) await writer.write('domain-blocks', { domain })
  })
  await step('lists', 'lists', async () => {
    for (const list of await client.get<List[]>('/api/v1/lists')) {
      const members: Account[] = []
      for await (const account of uniqueItems<Account>(client, `/api/v1/lists/${encodeURIComponent(list.id)}/accounts`, { params: { limit: 80 } })) members.push(account)
      await writer.write('lists', listRecord(list, members, job.localDomain))
    }
  })
  await step('bookmarks', 'bookmarks', async () => {
    cursor.bookmarks = await walkHistory(client, '/api/v1/bookmarks', job.since?.bookmarks, (status) => writer.write('bookmarks', subjectRecord(status)))
  })
  await step('likes', 'favourites', async () => {
    cursor.favourites = await walkHistory(client, '/api/v1/favourites', job.since?.favourites, (status) => writer.write('likes', subjectRecord(status)))
  })
  await step('featured-tags', 'featured tags', async () => {
    for (const tag of await client.get<FeaturedTag[]>('/api/v1/featured_tags')) await writer.write('featured-tags', featuredTagRecord(tag))
  })
  await step('endorsements', 'endorsements', async () => {
    for await (const account of uniqueItems<Account>(client, '/api/v1/endorsements', { params: { limit: 80 } })) await writer.write('endorsements', accountRef(account, job.localDomain))
  })
  await step('filters', 'filters', async () => {
    for (const filter of await readFilters(client)) await writer.write('filters', filterRecord(filter))
  })
  if (await followedTags(job)) unimplemented.push('followed tags')
  return { cursor, unimplemented }
}

/** Relationship of the exporting account to each of `accounts`, by account id. */
export async function relationshipsOf(client: MastodonClient, accounts: Account[]): Promise<Map<string, Relationship>> {
  const found = new Map<string, Relationship>()
  for (let i = 0; i < accounts.length; i += RELATIONSHIPS_PER_CALL) {
    const ids = accounts.slice(i, i + RELATIONSHIPS_PER_CALL).map((a) => a.id)
    for (const relationship of await client.get<Relationship[]>('/api/v1/accounts/relationships', { id: ids })) found.set(relationship.id, relationship)
  }
  return found
}

/**
 * Walks a status history (bookmarks, favourites) and returns the cursor a later `--since` run continues from: the
 * newest row's `min_id`, which only the `rel="prev"` link of the newest page reveals.
 */
async function walkHistory(client: MastodonClient, path: string, since: string | undefined, each: (status: Status) => Promise<void>): Promise<string | undefined> {
  let newest = since
  const rel = since ? 'prev' : 'next'
  let first = true
  for await (const page of uniquePages<Status>(client, path, { rel, params: since ? { limit: 40, min_id: since } : { limit: 40 } })) {
    if (page.items.length > 0 && (since || first)) newest = prevCursor(page.links.prev) ?? newest
    first = false
    for (const status of page.items) await each(status)
  }
  return newest
}

/** `/api/v2/filters` (4.0+), else the v1 phrases of older servers and GoToSocial. */
async function readFilters(client: MastodonClient): Promise<(Filter | FilterV1)[]> {
  try {
    return await client.get<Filter[]>('/api/v2/filters')
  } catch (error) {
    if (!isStatus(error, 404)) throw error
    return client.get<FilterV1[]>('/api/v1/filters')
  }
}

/** Followed hashtags have no record kind of their own: kept as a native file. True when the server has none to give. */
async function followedTags(job: CollectionsJob): Promise<boolean> {
  const tags: Tag[] = []
  try {
    for await (const tag of uniqueItems<Tag>(job.client, '/api/v1/followed_tags', { params: { limit: 200 }, key: (t) => t.name.toLowerCase() })) tags.push(tag)
  } catch (error) {
    if (job.client.context.signal.aborted) throw error
    if (isNotImplemented(error, job.flavor)) return true
    job.failures.push({ kind: 'followed-tags', item: 'followed_tags', reason: (error as Error).message })
    return false
  }
  await job.writer.addFile(nativeMember('mastodon', 'followed-tags.json'), JSON.stringify(tags, null, 2) + '\n')
  return false
}
