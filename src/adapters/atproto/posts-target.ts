// Re-creates one archive post on the account's PDS (docs/adapters/atproto.md "Posts"): its parts (posts-map.ts) as
// app.bsky.feed.post records at keys derived from the source post (postRkey), each created only where no record is
// (posts-repo.ts), the later parts replying to the earlier ones; images and video uploaded as blobs; a pure repost
// of an AT Protocol post as an app.bsky.feed.repost. Every write is paced under the PDS's write limits; a limit
// further away than the pacer waits defers the post, and a rerun continues at the part it stopped at.
import type { CreatedPost, PostLink, PostLinks, PostOutcome, PostTarget } from '../adapter.js'
import type { AdapterContext } from '../adapter.js'
import type { MediaRef, PostRecord } from '../../archive/records.js'
import { InterruptedError, AuthError, isLifeboatError, RemoteError } from '../../errors.js'
import { COLLECTIONS } from './map.js'
import { MAX_VIDEO_BYTES, planPost, postRkey, type PlannedPart } from './posts-map.js'
import { prepareImage } from './posts-media.js'
import { PostsRepo, PUT_POINTS, type BlobRef, type StrongRef } from './posts-repo.js'
import type { SubjectChecker } from './target-subjects.js'
import { parsePostUri } from './target-subjects.js'

/** A reference PDS's write buckets (pds src/index.ts `rateLimits.shared`): the floor a plan is computed against. */
export const HOURLY_POINTS = 5000
export const DAILY_POINTS = 35000

class Deferred extends Error {
  constructor(
    readonly until: string,
    readonly reason: string,
  ) {
    super(reason)
  }
}

function ref(value: StrongRef): StrongRef {
  return { uri: value.uri, cid: value.cid }
}

function describeMedia(ref: MediaRef): string {
  return `${ref.mime ?? 'file'} ${ref.sha256.slice(0, 12)}`
}

export function planDuration(points: number, headroom = 0.05): string {
  const hourly = Math.floor(HOURLY_POINTS * (1 - headroom))
  const daily = Math.floor(DAILY_POINTS * (1 - headroom))
  if (points === 0) return 'nothing to write'
  const days = Math.floor(points / daily)
  const hours = Math.ceil((points - days * daily) / hourly)
  if (days === 0) return hours <= 1 ? 'within the hour' : `about ${hours} hours`
  return `${days + 1} days (${daily} points a day; the last day about ${hours} hours)`
}

export class AtprotoPosts implements PostTarget {
  readonly repo: PostsRepo
  #blobs = new Map<string, Promise<{ blob: BlobRef; width?: number; height?: number }>>()

  constructor(
    readonly context: AdapterContext,
    repo: PostsRepo,
    readonly subjects: SubjectChecker,
  ) {
    this.repo = repo
  }

  records(post: PostRecord): number {
    if (post.repostOf && !post.text) return 1
    return Math.max(1, planPost(post).parts.length)
  }

  plan(pending: { posts: number; records: number }): string[] {
    const points = pending.records * PUT_POINTS
    return [
      `${pending.posts} posts to re-create as ${pending.records} records (${points} write points at ${PUT_POINTS} a record).`,
      `Under a Bluesky PDS's limits (${HOURLY_POINTS} points an hour, ${DAILY_POINTS} a day, 5% left for your own use) that takes ${planDuration(points)}; a run stopped by the daily limit says when to run it again.`,
    ]
  }

  /** A strong reference for what a link names: re-created here, or an AT Protocol post that still exists. */
  async #strongRef(link: PostLink, which: 'first' | 'last' | 'root'): Promise<StrongRef | null> {
    if (!link) return null
    if ('created' in link) {
      const c = link.created
      return which === 'first' ? { uri: c.uri, cid: c.cid } : which === 'last' ? { uri: c.lastUri, cid: c.lastCid } : { uri: c.rootUri, cid: c.rootCid }
    }
    const uri = which === 'root' ? (link.root ?? link.foreign) : link.foreign
    if (!parsePostUri(uri)) return null
    const found = await this.subjects.post(uri)
    return 'cid' in found ? { uri, cid: found.cid } : null
  }

  async #blob(ref: MediaRef, links: PostLinks, video: boolean) {
    let upload = this.#blobs.get(ref.sha256)
    if (!upload) {
      upload = (async () => {
        const bytes = await links.media(ref)
        if (video) {
          if (ref.mime !== 'video/mp4') throw new Error(`AT Protocol embeds only MP4 video, not ${ref.mime}`)
          if (bytes.length > MAX_VIDEO_BYTES) throw new Error(`the video is ${bytes.length} bytes, over the ${MAX_VIDEO_BYTES}-byte limit`)
          return { blob: await this.repo.uploadBlob(bytes, 'video/mp4') }
        }
        const image = await prepareImage(bytes, ref.mime)
        return { blob: await this.repo.uploadBlob(image.bytes, image.mime), width: image.width, height: image.height }
      })()
      upload.catch(() => undefined)
      this.#blobs.set(ref.sha256, upload)
    }
    return upload
  }

  /** Uploads a part's media; what the PDS refuses is left out and noted, never fatal for the post. */
  async #embedMedia(part: PlannedPart, links: PostLinks, notes: { subject: string; reason: string }[], subject: string): Promise<Record<string, unknown> | null> {
    const images: Record<string, unknown>[] = []
    for (const image of part.images) {
      try {
        const { blob, width, height } = await this.#blob(image, links, false)
        images.push({ image: blob, alt: image.alt ?? '', ...(width && height ? { aspectRatio: { width, height } } : {}) })
      } catch (error) {
        if (!this.#itemProblem(error)) throw error
        notes.push({ subject: `${subject} image ${describeMedia(image)}`, reason: (error as Error).message })
      }
    }
    if (images.length > 0) return { $type: 'app.bsky.embed.images', images }
    if (part.video) {
      try {
        const { blob } = await this.#blob(part.video, links, true)
        return { $type: 'app.bsky.embed.video', video: blob, ...(part.video.alt ? { alt: part.video.alt.slice(0, 1000) } : {}) }
      } catch (error) {
        if (!this.#itemProblem(error)) throw error
        notes.push({ subject: `${subject} video ${describeMedia(part.video)}`, reason: `not carried: ${(error as Error).message}` })
      }
    }
    return null
  }

  /** Errors that concern one medium (refused by the PDS, unreadable, too large), not the run. */
  #itemProblem(error: unknown): boolean {
    if (error instanceof InterruptedError || error instanceof AuthError) return false
    if (error instanceof RemoteError) return error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 429
    return !isLifeboatError(error) || error.name === 'BadArchiveError'
  }

  async #resolveMentions(part: PlannedPart): Promise<Record<string, unknown>[]> {
    const facets: Record<string, unknown>[] = []
    for (const facet of part.facets) {
      const features = []
      for (const feature of facet.features) {
        if (feature.$type !== 'app.bsky.richtext.facet#mention') features.push(feature)
        else if (feature.did.startsWith('did:')) features.push(feature)
        else {
          const did = await this.repo.resolveHandle(feature.did)
          if (did) features.push({ $type: feature.$type, did })
        }
      }
      if (features.length > 0) facets.push({ index: facet.index, features })
    }
    return facets
  }

  /** Writes one record at its derived key; returns its reference and whether this call created it. */
  async #put(collection: string, rkey: string, record: Record<string, unknown>): Promise<StrongRef & { created: boolean }> {
    const allowance = await this.repo.pacer.allow(PUT_POINTS, PUT_POINTS, this.context.signal)
    if ('until' in allowance) throw new Deferred(new Date(allowance.until).toISOString(), allowance.reason)
    const result = await this.repo.putNew(collection, rkey, record)
    if (result.status !== 'taken') return { uri: result.uri, cid: result.cid, created: result.status === 'created' }
    // Another record holds the key: the same post written earlier in another shape (e.g. a blob re-encoded by
    // another sharp version) counts as this one; anything else is a collision and is never overwritten.
    const found = await this.repo.get(collection, rkey)
    if (found && found.value.createdAt === record.createdAt && found.value.text === record.text && found.value.subject === record.subject) {
      return { uri: found.uri, cid: found.cid, created: false }
    }
    throw new Error(`the record key ${rkey} already holds another record (${found?.uri ?? 'unreadable'})`)
  }

  async create(post: PostRecord, links: PostLinks): Promise<PostOutcome> {
    try {
      if (post.repostOf && !post.text) return await this.#repost(post, links)
      return await this.#post(post, links)
    } catch (error) {
      if (error instanceof Deferred) return { status: 'deferred', until: error.until, reason: error.reason }
      throw error
    }
  }

  async #repost(post: PostRecord, links: PostLinks): Promise<PostOutcome> {
    const subject = await this.#strongRef(links.repost, 'first')
    if (!subject) return { status: 'skipped', reason: 'the reposted post is not an AT Protocol post that still exists' }
    const record = { $type: COLLECTIONS.repost, subject, createdAt: post.createdAt }
    const put = await this.#put(COLLECTIONS.repost, postRkey(post.id, post.createdAt, 0), record)
    const created: CreatedPost = { uri: put.uri, cid: put.cid, lastUri: put.uri, lastCid: put.cid, rootUri: put.uri, rootCid: put.cid }
    return { status: put.created ? 'applied' : 'unchanged', created }
  }

  async #post(post: PostRecord, links: PostLinks): Promise<PostOutcome> {
    const plan = planPost(post, links.sensitive)
    if (plan.refused) return { status: 'skipped', reason: plan.refused }
    const notes: { subject: string; reason: string }[] = plan.unsupported.map((m) => ({ subject: `${post.id} ${describeMedia(m)}`, reason: 'AT Protocol posts cannot embed this kind of file' }))
    const parentRef = await this.#strongRef(links.parent, 'last')
    let root = parentRef ? ((await this.#strongRef(links.parent, 'root')) ?? parentRef) : null
    let parent = parentRef
    const quote = await this.#strongRef(links.quote, 'first')
    let first: StrongRef | null = null
    let anyCreated = false
    for (const [k, part] of plan.parts.entries()) {
      const media = await this.#embedMedia(part, links, notes, post.id)
      let embed = media
      if (k === 0 && quote) embed = media ? { $type: 'app.bsky.embed.recordWithMedia', record: { $type: 'app.bsky.embed.record', record: quote }, media } : { $type: 'app.bsky.embed.record', record: quote }
      else if (k === 0 && !media && post.external?.uri && /^https?:\/\//.test(post.external.uri)) {
        embed = { $type: 'app.bsky.embed.external', external: { uri: post.external.uri, title: (post.external.title ?? '').slice(0, 300), description: (post.external.description ?? '').slice(0, 1000) } }
      }
      const facets = await this.#resolveMentions(part)
      const record: Record<string, unknown> = {
        $type: COLLECTIONS.post,
        text: part.text,
        createdAt: post.createdAt,
        ...(facets.length > 0 ? { facets } : {}),
        ...(plan.langs.length > 0 ? { langs: plan.langs } : {}),
        ...(plan.labels.length > 0 ? { labels: { $type: 'com.atproto.label.defs#selfLabels', values: plan.labels.map((val) => ({ val })) } } : {}),
        ...(parent && root ? { reply: { root: ref(root), parent: ref(parent) } } : {}),
        ...(embed ? { embed } : {}),
      }
      const put = await this.#put(COLLECTIONS.post, postRkey(post.id, post.createdAt, k), record)
      anyCreated ||= put.created
      first ??= ref(put)
      root ??= ref(put)
      parent = ref(put)
    }
    const created: CreatedPost = { uri: first!.uri, cid: first!.cid, lastUri: parent!.uri, lastCid: parent!.cid, rootUri: root!.uri, rootCid: root!.cid }
    return { status: anyCreated ? 'applied' : 'unchanged', created, ...(notes.length > 0 ? { notes } : {}) }
  }
}
