// The account's social graph and collections: following, followers, blocks, mutes, renote mutes, user lists with
// members, antennas, clips with their notes, favorites (as bookmarks) and the account's own reactions (as likes),
// plus the compat CSVs other tools import (docs/archive-format.md §6). Each is small next to the notes, so they are
// fetched one after the other while the note chain and the downloads run. Sources per endpoint: fixture
// README "Pagination" (cursors are relation/favorite ids; clips/notes pages by note id), users_lists_list__*.json.
import type { AdapterContext, ItemFailure } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { AccountRef, RelationRecord } from '../../archive/records.js'
import { writeCompatFiles } from '../../archive/compat-files.js'
import type { AccountDirectory } from './accounts.js'
import type { MisskeyCursor } from './api.js'
import { MisskeyApiError, toLifeboatError } from './errors.js'
import { followSettings, mapAntenna, mapClip, mapFavorite, mapList, mapReaction, mapRelation } from './map.js'
import { collect, laterId, paged, type Cursor } from './paging.js'
import type { MisskeySession } from './session.js'

const PAGE = 100

/** Errors that make the whole export pointless (the token): thrown; anything else fails only that collection. */
function isFatal(error: unknown): boolean {
  return !(error instanceof MisskeyApiError) || ['AUTHENTICATION_FAILED', 'CREDENTIAL_REQUIRED', 'PERMISSION_DENIED'].includes(error.code)
}

export interface CollectionsResult {
  failures: ItemFailure[]
  cursor: Pick<MisskeyCursor, 'favorites' | 'reactions'>
}

export class CollectionsExporter {
  readonly failures: ItemFailure[] = []

  constructor(
    readonly session: MisskeySession,
    readonly directory: AccountDirectory,
    readonly context: AdapterContext,
    readonly writer: ArchiveWriter,
  ) {}

  get #client() {
    return this.session.client
  }

  async run(since: Pick<MisskeyCursor, 'favorites' | 'reactions'> = {}): Promise<CollectionsResult> {
    await this.#step('following', () => this.#following())
    await this.#step('followers', () => this.#followers())
    await this.#step('blocks', () => this.#relations('blocks', (c) => this.#client.call('blocking/list', { limit: PAGE, ...c }), (b) => b.blockee, (b) => ({ blockeeId: b.blockeeId }), () => ({})))
    await this.#step('mutes', () => this.#relations('mutes', (c) => this.#client.call('mute/list', { limit: PAGE, ...c }), (m) => m.mutee, (m) => ({ muteeId: m.muteeId }), (m) => ({ expiresAt: m.expiresAt ?? null })))
    await this.#step('renote-mutes', () => this.#relations('renote-mutes', (c) => this.#client.call('renote-mute/list', { limit: PAGE, ...c }), (m) => m.mutee, (m) => ({ muteeId: m.muteeId }), () => ({})))
    await this.#step('lists', () => this.#lists())
    await this.#step('antennas', async () => {
      for (const antenna of await this.#client.call('antennas/list', {})) await this.writer.write('antennas', mapAntenna(antenna))
    })
    await this.#step('clips', () => this.#clips())
    const favorites = await this.#step('bookmarks', () => this.#favorites(since.favorites))
    const reactions = await this.#step('likes', () => this.#reactions(since.reactions))
    // Mastodon's CSVs (which Misskey's importers accept too) and Misskey's own import formats, from the records of
    // each kind written above: a collection that failed part way has the rows of the records it got.
    await writeCompatFiles(this.writer, ['following', 'blocks', 'mutes', 'lists'])
    return { failures: this.failures, cursor: { favorites: laterId(since.favorites, favorites), reactions: laterId(since.reactions, reactions) } }
  }

  /** Runs one collection; a refusal that concerns only it is recorded as a failure and the export goes on. */
  async #step<T>(kind: string, work: () => Promise<T>): Promise<T | undefined> {
    this.writer.declare(kind as Parameters<ArchiveWriter['declare']>[0])
    try {
      return await work()
    } catch (error) {
      if (this.context.signal.aborted || isFatal(error)) throw toLifeboatError(error, this.session.server.origin)
      this.failures.push({ kind, item: (error as MisskeyApiError).endpoint, reason: (error as Error).message })
      this.context.out.warn(`${kind} not exported: ${(error as Error).message}`)
      return undefined
    }
  }

  async #following(): Promise<void> {
    const userId = this.session.me.id
    for await (const page of paged((c) => this.#client.call('users/following', { userId, limit: PAGE, ...c }), { signal: this.context.signal })) {
      for (const f of page) {
        if (!f.followee) continue
        const record = mapRelation(this.directory.remember(f.followee), f, followSettings(f.followee), {
          followeeId: f.followeeId,
          withReplies: (f.followee as { withReplies?: boolean }).withReplies ?? null,
        })
        await this.writer.write('following', record)
      }
    }
  }

  async #followers(): Promise<void> {
    const userId = this.session.me.id
    for await (const page of paged((c) => this.#client.call('users/followers', { userId, limit: PAGE, ...c }), { signal: this.context.signal })) {
      for (const f of page) {
        if (f.follower) await this.writer.write('followers', mapRelation(this.directory.remember(f.follower), f, {}, { followerId: f.followerId }))
      }
    }
  }

  async #relations<T extends { id: string; createdAt: string }>(
    kind: 'blocks' | 'mutes' | 'renote-mutes',
    fetchPage: (cursor: Cursor) => Promise<T[]>,
    user: (item: T) => Parameters<AccountDirectory['remember']>[0],
    native: (item: T) => Record<string, unknown>,
    extra: (item: T) => Partial<RelationRecord>,
  ): Promise<void> {
    for await (const page of paged(fetchPage, { signal: this.context.signal })) {
      for (const item of page) await this.writer.write(kind, mapRelation(this.directory.remember(user(item)), item, extra(item), native(item)))
    }
  }

  async #lists(): Promise<void> {
    for (const list of await this.#client.call('users/lists/list', {})) {
      const ids = list.userIds ?? []
      const accounts = await this.directory.resolve(ids)
      const members = ids.map((id) => accounts.get(id)).filter((a): a is AccountRef => a !== undefined)
      await this.writer.write('lists', mapList(list, members))
    }
  }

  async #clips(): Promise<void> {
    const clips = await collect((c) => this.#client.call('clips/list', { limit: PAGE, ...c }), { signal: this.context.signal })
    for (const clip of clips) {
      const notes = await collect((c) => this.#client.call('clips/notes', { clipId: clip.id, limit: PAGE, ...c }), { signal: this.context.signal })
      await this.writer.write('clips', mapClip(this.session.server, clip, notes))
    }
  }

  async #favorites(sinceId: string | undefined): Promise<string | undefined> {
    let newest: string | undefined
    for await (const page of paged((c) => this.#client.call('i/favorites', { limit: PAGE, ...c }), { sinceId, signal: this.context.signal })) {
      for (const favorite of page) {
        newest = laterId(newest, favorite.id)
        await this.writer.write('bookmarks', mapFavorite(this.session.server, favorite))
      }
    }
    return newest
  }

  async #reactions(sinceId: string | undefined): Promise<string | undefined> {
    let newest: string | undefined
    const userId = this.session.me.id
    for await (const page of paged((c) => this.#client.call('users/reactions', { userId, limit: PAGE, ...c }), { sinceId, signal: this.context.signal })) {
      for (const reaction of page) {
        newest = laterId(newest, reaction.id)
        const record = mapReaction(this.session.server, reaction)
        if (record) await this.writer.write('likes', record)
      }
    }
    return newest
  }
}
