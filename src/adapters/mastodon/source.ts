// Mastodon-API Source (Mastodon, GoToSocial, Akkoma/Pleroma): the profile with avatar and header, every status with
// its media, edits and poll results, the social graph, bookmarks, favourites, featured tags, endorsements and
// filters, the compat CSVs, and a cursor file for `--since` (docs/adapters/mastodon.md).
import type { AdapterContext, ExportOptions, ExportReport, ItemFailure, Source } from '../adapter.js'
import { MASTODON_CAPABILITIES } from './capabilities.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import { nativeMember } from '../../archive/format.js'
import { COMPAT_KINDS, writeCompatFiles } from '../../archive/compat-files.js'
import type { AccountRef, MediaRecord, MediaRef } from '../../archive/records.js'
import type { Actor, CredentialAccount } from './api.js'
import type { MastodonClient } from './client.js'
import { exportCollections } from './export-collections.js'
import { exportStatuses } from './export-statuses.js'
import { detectServer, type ServerInfo } from './flavor.js'
import { accountRef, isPlaceholderImage, mapProfile, onServerOrigin } from './map.js'
import { fileName, MediaFetcher, mimeFromName } from './media.js'

/** What `native/mastodon/cursor.json` holds: where a later `--since` run continues. */
export interface MastodonCursor {
  server: string
  accountId: string
  /** Newest status id exported so far. */
  statuses?: string
  favourites?: string
  bookmarks?: string
}

export const CURSOR_MEMBER = nativeMember('mastodon', 'cursor.json')

export interface MastodonSourceOptions {
  mediaConcurrency?: number
}

export class MastodonSource implements Source {
  readonly capabilities = MASTODON_CAPABILITIES
  #me: CredentialAccount | undefined
  #info: ServerInfo | undefined

  constructor(
    readonly context: AdapterContext,
    readonly client: MastodonClient,
    readonly options: MastodonSourceOptions = {},
  ) {}

  /** Reads who the token belongs to and what the server is; called once, before anything else. */
  async connect(): Promise<{ me: CredentialAccount; info: ServerInfo }> {
    if (!this.#me || !this.#info) {
      this.#info = await detectServer(this.client)
      this.#me = await this.client.get<CredentialAccount>('/api/v1/accounts/verify_credentials')
    }
    return { me: this.#me, info: this.#info }
  }

  async describe(): Promise<{ server: string; account: AccountRef }> {
    const { me, info } = await this.connect()
    return { server: this.client.server, account: accountRef(me, info.domain) }
  }

  async exportTo(writer: ArchiveWriter, options: ExportOptions = {}): Promise<ExportReport> {
    const { me, info } = await this.connect()
    const { out } = this.context
    const failures: ItemFailure[] = []
    const since = options.since?.cursor as MastodonCursor | undefined
    const media = new MediaFetcher(this.context, writer, failures, this.options.mediaConcurrency ?? 6, this.client.server)
    out.info(`Exporting @${me.acct}@${info.domain} from ${this.client.server} (${info.software} ${info.version})${since ? ` since ${options.since!.createdAt}` : ''} …`)

    await this.#profile(writer, me, info, media)
    const statuses = await exportStatuses({ client: this.client, writer, media, me, localDomain: info.domain, sinceId: since?.statuses, failures })
    const collections = await exportCollections({ client: this.client, writer, me, localDomain: info.domain, failures, flavor: info.flavor, since: since ? { favourites: since.favourites, bookmarks: since.bookmarks } : undefined })
    if (collections.unimplemented.length > 0) {
      // Said once, as what it is: the server has no such data to give, so nothing was lost and nothing failed.
      out.info(`${this.client.host} (${info.software} ${info.version}) does not implement ${collections.unimplemented.join(', ')}: the archive holds none of those, and that is not a failure.`)
    }
    await media.idle()
    writer.declare('media')
    // Every compat file, each from the records of its kind written above (one the server lacks gets its header only).
    await writeCompatFiles(writer, COMPAT_KINDS)
    const cursor: MastodonCursor = {
      server: this.client.server,
      accountId: me.id,
      statuses: statuses.newestId,
      favourites: collections.cursor.favourites,
      bookmarks: collections.cursor.bookmarks,
    }
    await writer.addFile(CURSOR_MEMBER, JSON.stringify(cursor, null, 2) + '\n')
    out.info(`media: ${media.stored} downloaded${media.reused ? `, ${media.reused} reused from an interrupted run` : ''}`)
    return { counts: { posts: statuses.posts }, failures, cursor }
  }

  /** §4.2 from verify_credentials; aliases from the actor document (Mastodon keeps them nowhere in its REST API). */
  async #profile(writer: ArchiveWriter, me: CredentialAccount, info: ServerInfo, media: MediaFetcher): Promise<void> {
    const stage = async (url: string, key: string): Promise<{ key: string; meta: MediaRecord } | null> => {
      if (isPlaceholderImage(url)) return null
      const meta = await media.stage(key, url, { mime: mimeFromName(url), name: fileName(url), source: { url }, attachedTo: [] })
      return meta ? { key, meta: meta as MediaRecord } : null
    }
    // Staged together, recorded avatar first: media.jsonl does not depend on which download finishes first.
    const staged = await Promise.all([stage(me.avatar, `avatar:${me.avatar}`), stage(me.header, `header:${me.header}`)])
    const images: (MediaRef | null)[] = []
    for (const item of staged) {
      const record = item ? await writer.recordMedia(item) : null
      images.push(record ? { sha256: record.sha256, ...(record.mime ? { mime: record.mime } : {}) } : null)
    }
    const actor = await this.#actor(me)
    if (actor) await writer.addFile(nativeMember('mastodon', 'actor.json'), JSON.stringify(actor, null, 2) + '\n')
    const known = actor?.alsoKnownAs ?? me.source?.also_known_as_uris ?? []
    const aliases = Array.isArray(known) ? known : [known]
    await writer.setProfile(mapProfile(me, info.domain, { avatar: images[0] ?? null, banner: images[1] ?? null }, aliases))
  }

  /** The account's ActivityPub actor, fetched without the token; null when the server will not show it. */
  async #actor(me: CredentialAccount): Promise<Actor | null> {
    const uri = me.uri ?? me.url
    if (!uri) return null
    try {
      return await this.context.http.request(onServerOrigin(uri, this.client.server), { headers: { Accept: 'application/activity+json' } }, async (res) => (res.ok ? ((await res.json()) as Actor) : null))
    } catch (error) {
      if (this.context.signal.aborted) throw error
      return null
    }
  }
}

/** Opens a connected source (used by the export command and tests). */
export async function openMastodonSource(context: AdapterContext, client: MastodonClient, options: MastodonSourceOptions = {}): Promise<MastodonSource> {
  const source = new MastodonSource(context, client, options)
  await source.connect()
  return source
}
