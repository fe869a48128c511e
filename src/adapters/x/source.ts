// X's own data archive as a Lifeboat Source (docs/adapters/x.md): profile and avatar, posts with their media (long
// posts joined with note-tweet.js), deleted tweets marked, likes, following, followers, blocks, mutes (screen names
// recovered from the archive's own tweets), lists, and direct messages (native/x/direct-messages.jsonl, private as the
// whole archive is). Everything is streamed: a file's items one at a time, each media file straight into the writer.
// What the archive lacks (trimmed or missing media) is reported per item; what X never put there is noted.
import type { ExportReport, ItemFailure, Source } from '../adapter.js'
import { X_CAPABILITIES } from './capabilities.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import { nativeMember } from '../../archive/format.js'
import type { AccountRef, MediaRef, PostRecord } from '../../archive/records.js'
import { throwIfAborted } from '../../errors.js'
import type { Output } from '../../output.js'
import type { Account, ArchiveManifest, DmConversation, Like, NoteTweet, Profile, Relation, Tweet, UserDetails, UserListInfo } from './api.js'
import type { XContainer } from './container.js'
import { notXArchive } from './errors.js'
import { assignedArrayItems, readAssignedValue, type ArrayItem } from './js-data.js'
import { findLayout, partsOf, type Layout } from './layout.js'
import { isStub, likeRecord, listRecord, mapTweet, matchNote, mediaOf, namesIn, noteKey, profileRecord, relationRecord, withNote, X_ORIGIN, accountRef, type Me } from './map.js'
import { MediaIndex, mediaUrl, mimeOf, urlBasename } from './media.js'

/** A tweet is a few KB, a long post ~100 KB: an item beyond this is not X's and is skipped unread. */
export const MAX_TWEET_BYTES = 1024 * 1024
/** One DM conversation holds all its messages. */
const MAX_CONVERSATION_BYTES = 64 * 1024 * 1024
const MAX_SMALL_FILE_BYTES = 16 * 1024 * 1024

export interface XIdentity {
  me: Me
  account: AccountRef
  accountJs: Account | null
  userDetails: UserDetails | null
}

export class XArchiveSource implements Source {
  readonly capabilities = X_CAPABILITIES
  readonly layout: Layout
  readonly #names: Set<string>
  #identity: XIdentity | undefined
  #failures: ItemFailure[] = []

  constructor(
    readonly path: string,
    readonly container: XContainer,
    readonly out: Output,
    readonly signal: AbortSignal,
  ) {
    this.layout = findLayout(path, container.names)
    this.#names = new Set(container.names)
  }

  #file(base: string): string | undefined {
    const name = `${this.layout.data}${base}`
    return this.#names.has(name) ? name : undefined
  }

  /** The items of every part of `<base>.js`, unwrapped from `{ "<key>": … }` (or as they are when key is null). */
  async *#items<T>(files: string[], key: string | null, maxItemBytes = MAX_TWEET_BYTES): AsyncGenerator<ArrayItem<T> & { file: string }> {
    for (const file of files) {
      for await (const item of assignedArrayItems<Record<string, unknown>>(await this.container.open(file), file, maxItemBytes)) {
        throwIfAborted(this.signal)
        const value = item.value && key ? (item.value[key] as T | undefined) : (item.value as T | undefined)
        yield { file, index: item.index, ...(item.oversized !== undefined ? { oversized: item.oversized } : {}), ...(item.value ? { value } : {}) }
      }
    }
  }

  async #first<T>(base: string, key: string): Promise<T | null> {
    for await (const item of this.#items<T>(partsOf(this.#names, this.layout.data, base), key)) if (item.value) return item.value
    return null
  }

  async identity(): Promise<XIdentity> {
    if (this.#identity) return this.#identity
    const accountJs = await this.#first<Account>('account', 'account')
    let manifest: ArchiveManifest | null = null
    let details: UserDetails | null = null
    const manifestFile = this.#file('manifest.js')
    if (manifestFile) manifest = await readAssignedValue<ArchiveManifest>(await this.container.open(manifestFile), manifestFile, MAX_SMALL_FILE_BYTES)
    const detailsFile = this.#file('js/user_details.js')
    if (detailsFile) details = await readAssignedValue<UserDetails>(await this.container.open(detailsFile), detailsFile, MAX_SMALL_FILE_BYTES)
    const id = accountJs?.accountId ?? manifest?.userInfo?.accountId ?? (details?.id !== undefined ? String(details.id) : undefined)
    const screenName = accountJs?.username ?? manifest?.userInfo?.userName ?? details?.screen_name
    if (!id || !/^\d+$/.test(id) || !screenName) throw notXArchive(this.path, 'it names no account (data/account.js, data/manifest.js or data/js/user_details.js)')
    const displayName = accountJs?.accountDisplayName ?? manifest?.userInfo?.displayName ?? details?.full_name
    this.#identity = { me: { id, screenName }, account: accountRef(id, screenName, displayName), accountJs, userDetails: details }
    return this.#identity
  }

  async describe(): Promise<{ server: string; account: AccountRef }> {
    return { server: X_ORIGIN, account: (await this.identity()).account }
  }

  async exportTo(writer: ArchiveWriter): Promise<ExportReport> {
    const identity = await this.identity()
    const media = new MediaIndex(this.container.names, this.layout.data)
    this.#failures = []
    writer.note(`X archive, ${this.layout.era} era`)
    await this.#profile(writer, identity, media)
    const names = new Map<string, string>()
    await this.#posts(writer, identity.me, media, names)
    await this.#likes(writer)
    await this.#relations(writer, names)
    await this.#lists(writer)
    await this.#directMessages(writer, media)
    return { counts: {}, failures: this.#failures }
  }

  async #stage(writer: ArchiveWriter, member: string, meta: Parameters<ArchiveWriter['addMedia']>[1]['meta']): Promise<MediaRef | null> {
    try {
      const record = await writer.addMedia(await this.container.open(member), { key: `x:${member}`, meta })
      return { sha256: record.sha256, ...(record.mime ? { mime: record.mime } : {}), ...(record.alt ? { alt: record.alt } : {}) }
    } catch (error) {
      if (this.signal.aborted) throw error
      this.#failures.push({ kind: 'media', item: member, reason: (error as Error).message })
      return null
    }
  }

  async #profile(writer: ArchiveWriter, identity: XIdentity, media: MediaIndex): Promise<void> {
    const profile = await this.#first<Profile>('profile', 'profile')
    const record = profileRecord(identity.account, identity.accountJs, profile, identity.userDetails)
    // When X's names drifted, a lone profile_media file with no header to confuse it with is the avatar.
    const lone = media.profile.length === 1 && !profile?.headerMediaUrl ? media.profile[0] : undefined
    const image = async (url: string | undefined, fallback: boolean): Promise<MediaRef | null> => {
      const member = media.findProfile(identity.me.id, url) ?? (fallback && url ? lone : undefined)
      if (!member) return null
      return this.#stage(writer, member, { mime: mimeOf(member), name: member.split('/').pop() ?? null, source: { url: url ?? null }, attachedTo: [] })
    }
    record.avatar = await image(profile?.avatarMediaUrl || undefined, true)
    record.banner = await image(profile?.headerMediaUrl || undefined, false)
    if (profile?.avatarMediaUrl && !record.avatar) writer.note(`the avatar ${profile.avatarMediaUrl} is not in the archive`)
    await writer.setProfile(record)
  }

  async #loadNotes(): Promise<Map<string, NoteTweet[]>> {
    const notes = new Map<string, NoteTweet[]>()
    for await (const item of this.#items<NoteTweet>(partsOf(this.#names, this.layout.data, 'note-tweet'), 'noteTweet')) {
      if (!item.value?.core?.text) continue
      const key = noteKey(item.value.createdAt ? new Date(item.value.createdAt).toISOString() : null)
      notes.set(key, [...(notes.get(key) ?? []), item.value])
    }
    return notes
  }

  async #posts(writer: ArchiveWriter, me: Me, media: MediaIndex, names: Map<string, string>): Promise<void> {
    writer.declare('posts')
    writer.declare('media')
    // Long posts' full texts, held while the tweets stream by (a few hundred at most in real archives).
    const notes = await this.#loadNotes()
    const usedNotes = new Set<NoteTweet>()
    const progress = this.out.progress('tweets')
    // Ids already written: a tweet in two files (parts, community-tweet.js) becomes one post. ~100 bytes a tweet.
    const seen = new Set<string>()
    let wanted = 0
    let attached = 0
    let missing = 0
    const emit = async (file: string, item: ArrayItem<Tweet>, deleted: boolean): Promise<void> => {
      if (item.oversized !== undefined) {
        const reason = `${item.oversized} bytes, larger than any tweet (${MAX_TWEET_BYTES}); left out`
        this.#failures.push({ kind: 'posts', item: `${file} item ${item.index}`, reason })
        this.out.warn(`${file} item ${item.index}: ${reason}`)
        return
      }
      const tweet = item.value
      if (!tweet || typeof tweet.id_str !== 'string' || !/^\d+$/.test(tweet.id_str)) {
        this.#failures.push({ kind: 'posts', item: `${file} item ${item.index}`, reason: 'not a tweet (no id_str)' })
        return
      }
      if (seen.has(tweet.id_str)) return
      seen.add(tweet.id_str)
      for (const [id, name] of namesIn(tweet)) names.set(id, name)
      let post: PostRecord = mapTweet(tweet, me)
      if (deleted && !post.deletedAt) post.deletedAt = post.createdAt
      // Every tweet claims its note (short posts with media have one too); only a stub takes the note's text.
      const candidates = (notes.get(noteKey(post.createdAt)) ?? []).filter((n) => !usedNotes.has(n))
      const note = candidates.length > 0 ? matchNote(tweet, candidates) : undefined
      if (note) {
        usedNotes.add(note)
        if (isStub(tweet)) post = withNote(post, tweet, note)
      }
      const used = new Set<string>()
      for (const entity of mediaOf(tweet)) {
        wanted++
        const url = mediaUrl(entity)
        const member = media.find(tweet.id_str, entity, used)
        if (!member) {
          if (this.layout.era !== 'grailbird') {
            this.#failures.push({ kind: 'media', item: `${tweet.id_str} ${url ?? entity.id_str ?? '?'}`, reason: 'not in the archive' })
            missing++
          }
          continue
        }
        used.add(member)
        const alt = entity.ext_alt_text ?? null
        const ref = await this.#stage(writer, member, {
          mime: mimeOf(member),
          name: member.split('/').pop() ?? null,
          alt,
          sensitive: post.contentWarning !== undefined,
          source: { url, id: entity.id_str ?? null },
          attachedTo: [post.id],
        })
        if (ref) {
          post.media!.push(ref)
          attached++
        }
      }
      await writer.write('posts', post)
      progress.tick()
    }
    for await (const item of this.#items<Tweet>(this.layout.tweetFiles, this.layout.era === 'grailbird' ? null : 'tweet')) await emit(item.file, item, false)
    // Tweets posted to Communities are not in tweets.js; they have the same shape.
    for await (const item of this.#items<Tweet>(partsOf(this.#names, this.layout.data, 'community-tweet'), 'tweet')) await emit(item.file, item, false)
    const deletedFiles = partsOf(this.#names, this.layout.data, 'deleted-tweets')
    for await (const item of this.#items<Tweet>(deletedFiles, 'tweet')) await emit(item.file, item, true)
    progress.done()
    if (this.layout.era === 'grailbird' && wanted > 0) writer.note(`Grailbird archives hold no media files: ${wanted} photos are known only by their URLs (in each post's native object)`)
    const unmatched = [...notes.values()].flat().length - usedNotes.size
    if (unmatched > 0) writer.note(`${unmatched} long posts in note-tweet.js matched no tweet and were left out`)
    if (wanted > 0) this.out.info(`Media: ${attached} of ${wanted} attached from the archive.`)
    if (missing > 0) this.out.warn(`${missing} media files named by tweets are not in the archive; the new archive's notes list each (lifeboat inspect).`)
  }

  async #likes(writer: ArchiveWriter): Promise<void> {
    const files = partsOf(this.#names, this.layout.data, 'like')
    if (files.length === 0) return
    writer.declare('likes')
    for await (const item of this.#items<Like>(files, 'like')) {
      if (item.value?.tweetId) await writer.write('likes', likeRecord(item.value))
      else this.#failures.push({ kind: 'likes', item: `${item.file} item ${item.index}`, reason: item.oversized !== undefined ? 'too large' : 'no tweetId' })
    }
  }

  async #relations(writer: ArchiveWriter, names: ReadonlyMap<string, string>): Promise<void> {
    let total = 0
    let named = 0
    for (const [base, key, kind] of [['following', 'following', 'following'], ['follower', 'follower', 'followers'], ['block', 'blocking', 'blocks'], ['mute', 'muting', 'mutes']] as const) {
      const files = partsOf(this.#names, this.layout.data, base)
      if (files.length === 0) continue
      writer.declare(kind)
      for await (const item of this.#items<Relation>(files, key)) {
        const relation = item.value
        if (!relation || typeof relation.accountId !== 'string' || !/^\d+$/.test(relation.accountId)) {
          this.#failures.push({ kind, item: `${item.file} item ${item.index}`, reason: 'no numeric accountId' })
          continue
        }
        total++
        if (names.has(relation.accountId)) named++
        await writer.write(kind, relationRecord(relation, names))
      }
    }
    if (total > 0) writer.note(`X names accounts only by number: ${named} of ${total} follows, followers, blocks and mutes were named from the archive's own tweets; the rest keep the id and ${X_ORIGIN}/intent/user?user_id=<id>`)
  }

  async #lists(writer: ArchiveWriter): Promise<void> {
    for (const [base, relation] of [['lists-created', 'created'], ['lists-subscribed', 'subscribed'], ['lists-member', 'member']] as const) {
      const files = partsOf(this.#names, this.layout.data, base)
      if (files.length === 0) continue
      writer.declare('lists')
      for await (const item of this.#items<UserListInfo>(files, 'userListInfo')) {
        if (typeof item.value?.url === 'string') await writer.write('lists', listRecord(item.value, relation))
      }
    }
  }

  /** DMs stay in X's own shape (one conversation a line), with their media files in media/. */
  async #directMessages(writer: ArchiveWriter, media: MediaIndex): Promise<void> {
    const files = [...partsOf(this.#names, this.layout.data, 'direct-messages'), ...partsOf(this.#names, this.layout.data, 'direct-messages-group')]
    if (files.length === 0) return
    let conversations = 0
    const self = this
    async function* lines(): AsyncGenerator<Buffer> {
      for await (const item of self.#items<DmConversation>(files, 'dmConversation', MAX_CONVERSATION_BYTES)) {
        const conversation = item.value
        if (!conversation || !Array.isArray(conversation.messages)) {
          self.#failures.push({ kind: 'direct-messages', item: `${item.file} item ${item.index}`, reason: item.oversized !== undefined ? 'too large' : 'not a conversation' })
          continue
        }
        const mediaRefs: Record<string, MediaRef[]> = {}
        for (const { messageCreate: message } of conversation.messages) {
          for (const url of message?.mediaUrls ?? []) {
            const member = media.findDm(message!.id, url)
            if (!member) {
              self.#failures.push({ kind: 'media', item: `direct message ${message!.id} ${urlBasename(url) ?? url}`, reason: 'not in the archive' })
              continue
            }
            const ref = await self.#stage(writer, member, { mime: mimeOf(member), name: member.split('/').pop() ?? null, source: { url }, attachedTo: [], native: { conversationId: conversation.conversationId, messageId: message!.id } })
            if (ref) (mediaRefs[message!.id] ??= []).push(ref)
          }
        }
        conversations++
        yield Buffer.from(JSON.stringify({ ...conversation, group: item.file.includes('direct-messages-group'), media: mediaRefs }) + '\n')
      }
    }
    await writer.addFile(nativeMember('x', 'direct-messages.jsonl'), lines())
    writer.note(`${conversations} direct message conversations are in ${nativeMember('x', 'direct-messages.jsonl')} (private)`)
  }
}
