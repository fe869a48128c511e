// The posts part of the replay driver (`replay --posts`): chooses which of an archive's posts are re-created, puts
// them in date order (a parent before its reply, a quoted post before its quote, even within one second), and hands
// each to the target with what it refers to: the re-created parent, quoted or reposted post (from this run or from the
// journal, which keeps every re-created post's URIs and CIDs: the ledger from source id to record), or someone
// else's post. The journal line of a post is written after all its records exist; the target's writes are
// idempotent, so a run killed in between redoes nothing twice.
//
// Left out, and said so once per run: posts outside --since/--until; posts the source marks deleted (X's
// deleted-tweets.js: kept in the archive for the record, never published again); posts that were not public
// (followers-only, direct, specified: a PDS publishes everything it holds); replies to other people's posts unless --replies;
// reposts unless --reposts.
import type { CreatedPost, PostLink, PostLinks, PostTarget } from '../adapters/adapter.js'
import type { MediaRef, PostRecord } from '../archive/records.js'
import { mediaMember } from '../archive/format.js'
import { throwIfAborted } from '../errors.js'
import type { ReplayOptions } from './replay.js'
import { endsTheRun } from './ends-run.js'
import type { ReplayReport } from './report.js'

export interface PostSelection {
  /** Replies to other people's posts: AT Protocol replies when the parent is an AT Protocol post, else standalone. */
  replies: boolean
  /** Reposts (boosts, renotes, retweets): AT Protocol reposts when the reposted post is an AT Protocol post. */
  reposts: boolean
  /** Inclusive lower bound on `createdAt` (RFC 3339). */
  since?: string
  /** Exclusive upper bound on `createdAt`. */
  until?: string
}

const PUBLIC = new Set(['public', 'unlisted', undefined])

/** The fields replay uses: the native object and edit history stay in the archive, not in memory. */
function slim(post: PostRecord): PostRecord {
  const { native: _native, html: _html, edits: _edits, reactions: _reactions, ...rest } = post
  return rest
}

type Reason = 'range' | 'deleted' | 'private' | 'reply' | 'repost'
const LEFT_OUT: Record<Reason, string> = {
  range: 'outside --since/--until',
  deleted: 'deleted on their network',
  private: 'not public on their network (a PDS publishes everything it holds)',
  reply: 'replies to other people (--replies re-creates them)',
  repost: 'reposts (--reposts re-creates those of AT Protocol posts)',
}

function createdFromJournal(detail: Record<string, string> | undefined): CreatedPost | null {
  if (!detail?.uri || !detail.cid) return null
  return { uri: detail.uri, cid: detail.cid, lastUri: detail.lastUri ?? detail.uri, lastCid: detail.lastCid ?? detail.cid, rootUri: detail.rootUri ?? detail.uri, rootCid: detail.rootCid ?? detail.cid }
}

/**
 * The posts in date order, except that a reply or quote comes right after the post it refers to when that one is
 * not older: X dates are to the second, and a thread posted within one second would otherwise meet its reply before
 * its parent. A cycle (hostile data) keeps date order.
 */
export function parentsFirst(posts: readonly PostRecord[]): PostRecord[] {
  const pending = new Set(posts.map((p) => p.id))
  const waiting = new Map<string, PostRecord[]>()
  const out: PostRecord[] = []
  const needs = (post: PostRecord) => [post.replyTo?.id, post.quoteOf].find((id) => id && id !== post.id && pending.has(id))
  const emit = (post: PostRecord, force: boolean): void => {
    const stack = [post]
    while (stack.length > 0) {
      const next = stack.pop()!
      if (!pending.has(next.id)) continue
      const need = force ? undefined : needs(next)
      if (need) {
        waiting.set(need, [...(waiting.get(need) ?? []), next])
        continue
      }
      pending.delete(next.id)
      out.push(next)
      const waiters = waiting.get(next.id)
      if (waiters) stack.push(...waiters.reverse())
      waiting.delete(next.id)
    }
  }
  for (const post of posts) emit(post, false)
  for (const post of posts) emit(post, true)
  return out
}

export async function replayPosts(options: ReplayOptions, report: ReplayReport): Promise<void> {
  const { archive, target, journal, dryRun, context } = options
  const posts = target.posts as PostTarget
  const selection: PostSelection = options.posts ?? { replies: false, reposts: false }
  const since = selection.since ? Date.parse(selection.since) : -Infinity
  const until = selection.until ? Date.parse(selection.until) : Infinity

  const own = new Set<string>()
  const all: { post: PostRecord; seq: number; at: number }[] = []
  for await (const post of archive.records('posts')) {
    own.add(post.id)
    all.push({ post: slim(post), seq: all.length, at: Date.parse(post.createdAt) })
  }
  // AT Protocol archives keep reposts apart, as app.bsky.feed.repost subjects (reposts.jsonl).
  if (selection.reposts) {
    for await (const repost of archive.records('reposts')) {
      if (!repost.createdAt) continue
      const id = (repost.native as { uri?: unknown } | undefined)?.uri
      const post: PostRecord = { id: typeof id === 'string' ? id : `repost:${repost.subject}`, createdAt: repost.createdAt, text: '', repostOf: repost.subject, visibility: 'public' }
      all.push({ post, seq: all.length, at: Date.parse(repost.createdAt) })
    }
  }
  all.sort((a, b) => a.at - b.at || a.seq - b.seq)
  const sensitive = new Set<string>()
  for await (const media of archive.records('media')) if (media.sensitive) sensitive.add(media.sha256)

  const leftOut = new Map<Reason, number>()
  const selected: PostRecord[] = []
  for (const { post, at } of all) {
    let reason: Reason | null = null
    if (!(at >= since && at < until)) reason = 'range'
    else if (post.deletedAt) reason = 'deleted'
    else if (!PUBLIC.has(post.visibility)) reason = 'private'
    else if (post.repostOf && !post.text) reason = selection.reposts ? null : 'repost'
    else if (post.replyTo && !own.has(post.replyTo.id)) reason = selection.replies ? null : 'reply'
    if (reason) leftOut.set(reason, (leftOut.get(reason) ?? 0) + 1)
    else selected.push(post)
  }
  const ordered = parentsFirst(selected)
  selected.length = 0
  selected.push(...ordered)
  for (const [reason, n] of leftOut) context.out.event('left-out', { kind: 'posts', reason, count: n }, `Not re-created: ${n} ${n === 1 ? 'post' : 'posts'} ${LEFT_OUT[reason]}.`)

  let pendingRecords = 0
  let pendingPosts = 0
  for (const post of selected) {
    if (journal.isDone('posts', post.id)) continue
    pendingPosts++
    pendingRecords += posts.records(post)
  }
  for (const line of posts.plan({ posts: pendingPosts, records: pendingRecords })) context.out.event('plan', { line }, line)

  const created = new Map<string, CreatedPost>()
  const failed = new Set<string>()
  const progress = dryRun ? null : context.out.progress('posts', pendingPosts)
  const link = (id: string | null | undefined, root?: string | null): PostLink | 'failed' => {
    if (!id) return null
    const mine = created.get(id)
    if (mine) return { created: mine }
    if (failed.has(id)) return 'failed'
    // One's own post that is not re-created (left out by date or visibility): the reply stands alone.
    if (own.has(id)) return null
    return { foreign: id, root: root ?? null }
  }
  const media = async (ref: MediaRef): Promise<Buffer> => {
    const chunks: Buffer[] = []
    for await (const chunk of await archive.openMember(mediaMember(ref.sha256))) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  try {
    for (const [i, post] of selected.entries()) {
      throwIfAborted(context.signal)
      const entry = journal.get('posts', post.id)
      if (entry && journal.isDone('posts', post.id)) {
        const done = createdFromJournal(entry.detail)
        if (done) created.set(post.id, done)
        report.note({ kind: 'posts', subject: post.id, status: 'done-before' })
        continue
      }
      if (dryRun) {
        report.note({ kind: 'posts', subject: post.id, status: 'planned' })
        continue
      }
      const parent = link(post.replyTo?.id, post.replyTo?.root)
      const quote = link(post.quoteOf)
      const repost = link(post.repostOf)
      let outcome
      if (parent === 'failed' || quote === 'failed' || repost === 'failed') {
        outcome = { status: 'failed' as const, reason: 'a post it refers to could not be re-created; the next run tries both again' }
      } else {
        const links: PostLinks = { parent, quote, repost, media, sensitive: (sha) => sensitive.has(sha) }
        try {
          outcome = await posts.create(post, links)
        } catch (error) {
          if (endsTheRun(error, context.signal)) throw error
          outcome = { status: 'failed' as const, reason: (error as Error).message }
        }
      }
      const reason = 'reason' in outcome ? outcome.reason : undefined
      const detail = 'created' in outcome && outcome.created ? { ...outcome.created } : undefined
      await journal.record({ kind: 'posts', key: post.id, status: outcome.status, ...(reason ? { reason } : {}), ...(detail ? { detail, targetId: detail.uri } : {}) })
      report.note({ kind: 'posts', subject: post.id, status: outcome.status, ...(reason ? { reason } : {}) })
      for (const note of ('notes' in outcome && outcome.notes) || []) report.note({ kind: 'posts', subject: note.subject, status: 'skipped', reason: note.reason })
      if (outcome.status === 'deferred') {
        const remaining = selected.slice(i + 1).filter((p) => !journal.isDone('posts', p.id)).length
        report.summary.deferred.push({ kind: 'posts', until: outcome.until, remaining })
        return
      }
      if (detail) created.set(post.id, outcome.created!)
      else if (outcome.status === 'failed') failed.add(post.id)
      progress?.tick()
    }
  } finally {
    progress?.done()
  }
}
