// One room's whole timeline into events.jsonl, in timeline order, with memory that does not grow with the room.
// Two passes, so that rooms can be fetched side by side and still be written one after another.
//
// Backward pass (collectTimeline): `/messages?dir=b&limit=1000` from the newest event until a page comes back
// without `end` (an empty or short page is not the end: the server drops ignored users' events after applying the
// limit). The next page is requested before the current one is processed, so decryption, checking, spooling and
// queuing media overlap the network; each event is decrypted here (when keys were given), its media queued at once,
// so downloads run while the chain continues, and, if it has no media, made into its checked events.jsonl line
// (event-line.ts). Forward pass (writeTimeline): the spool is read back oldest first; finished lines are copied into
// events.jsonl as bytes, and the few events with media are parsed and written with the sha256 of their media. A room
// that fails leaves nothing in events.jsonl: its first line is written only after its last page arrived.
import type { AdapterContext } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { EventRecord } from '../../archive/records.js'
import { throwIfAborted } from '../../errors.js'
import type { MessagesResponse } from './api.js'
import type { MatrixClient } from './client.js'
import { isEncryptedPayload, type Decryptor } from './decryptor.js'
import { isFinishedLine, spoolText, type PendingEvent } from './event-line.js'
import type { MediaFetcher } from './media-fetcher.js'
import { mediaRefs } from './media-refs.js'
import { linesLastFirst, ReverseSpool } from './spool.js'

/** The most `/messages` gives in one page on Synapse (`synapse/streams/config.py` MAX_LIMIT). */
export const PAGE_LIMIT = 1000

export interface TimelineDeps {
  context: AdapterContext
  client: MatrixClient
  writer: ArchiveWriter
  media: MediaFetcher
  decryptor: Decryptor | null
}

export interface TimelineResult {
  events: number
  undecryptable: number
  media: number
}

/** A room's timeline fetched and spooled (on disk, newest first), waiting for its turn to be written. */
export interface CollectedTimeline {
  spool: ReverseSpool
  /** Encrypted events no key opened. */
  undecryptable: number
  /** The `start` token of the first backward page: where a later `--since` run stops paging. */
  newestToken: string | null
}

/** Backward pass over `roomId`; with `stopAt` (an earlier run's token) only the events after it. */
export async function collectTimeline(deps: TimelineDeps, roomId: string, spoolPath: string, stopAt?: string): Promise<CollectedTimeline> {
  const { client, context } = deps
  const spool = new ReverseSpool(spoolPath)
  const page = (from: string | undefined): Promise<MessagesResponse> => client.messages(roomId, { dir: 'b', from, to: stopAt, limit: PAGE_LIMIT })
  try {
    let from: string | undefined
    let pending: Promise<MessagesResponse> | null = page(undefined)
    let newestToken: string | null = null
    let pages = 0
    let undecryptable = 0
    // A server that hands back a token it gave before, or the page it just served, would loop forever or spool
    // events twice: a repeated token ends the walk, and so does a non-empty page with no event the previous page
    // lacked (only the previous page's ids are kept, so memory stays flat on long rooms).
    const tokens = new Set<string>()
    let previous = new Set<string>()
    while (pending) {
      throwIfAborted(context.signal)
      const current: MessagesResponse = await pending
      newestToken ??= current.start ?? null
      const chunk = (current.chunk ?? []).filter((event) => !previous.has(event.event_id))
      const stale = (current.chunk?.length ?? 0) > 0 && chunk.length === 0
      if (from) tokens.add(from)
      const next = !stale && current.end && !tokens.has(current.end) ? current.end : undefined
      pending = next ? page(next) : null
      // Rejections of the prefetch surface when it is awaited; until then they must not count as unhandled.
      pending?.catch(() => undefined)
      previous = new Set((current.chunk ?? []).map((event) => event.event_id))
      for (const event of chunk) {
        const decrypted = (deps.decryptor && isEncryptedPayload(event) ? await deps.decryptor.decrypt(event, roomId) : null) ?? null
        if (decrypted === null && isEncryptedPayload(event)) undecryptable++
        const refs = mediaRefs(event, decrypted)
        for (const ref of refs) void deps.media.fetch(ref)
        await spool.append(spoolText(deps.writer, roomId, event, decrypted, refs.length > 0))
      }
      if (++pages % 20 === 0) context.out.info(`room ${roomId}: ${spool.count} events so far …`)
      from = next
    }
    await spool.seal()
    return { spool, undecryptable, newestToken }
  } catch (error) {
    await spool.remove()
    throw error
  }
}

/** Forward pass: the spooled events oldest first into events.jsonl, each with the sha256 of its media. */
export async function writeTimeline(deps: TimelineDeps, roomId: string, collected: CollectedTimeline): Promise<TimelineResult> {
  let events = 0
  const stored = new Set<string>()
  // The finished lines of a block, in the order they go into events.jsonl (the reverse of the spool's).
  let out = Buffer.allocUnsafe(0)
  try {
    for await (const block of collected.spool.reversedBlocks()) {
      throwIfAborted(deps.context.signal)
      if (out.length < block.length) out = Buffer.allocUnsafe(block.length)
      let bytes = 0
      let lines = 0
      // The last line appended is the oldest event.
      for (const line of linesLastFirst(block)) {
        if (isFinishedLine(line)) {
          out.set(line, bytes)
          bytes += line.length
          lines++
        } else {
          if (lines > 0) await deps.writer.writeCheckedLines('events', out.subarray(0, bytes), lines)
          bytes = lines = 0
          await writePending(deps, roomId, JSON.parse(line.toString('utf8', 0, line.length - 1)) as PendingEvent, stored)
        }
        events++
      }
      if (lines > 0) await deps.writer.writeCheckedLines('events', out.subarray(0, bytes), lines)
    }
  } finally {
    await collected.spool.remove()
  }
  return { events, undecryptable: collected.undecryptable, media: stored.size }
}

/** An event with media: written once its downloads have ended, with the sha256 of each file that arrived. */
async function writePending(deps: TimelineDeps, roomId: string, { event, decrypted }: PendingEvent, stored: Set<string>): Promise<void> {
  const media: EventRecord['media'] = []
  for (const ref of mediaRefs(event, decrypted)) {
    const outcome = await deps.media.record(ref, event.event_id)
    if ('sha256' in outcome) {
      media.push({ sha256: outcome.sha256, mxc: ref.mxc })
      stored.add(ref.mxc)
    }
  }
  await deps.writer.write('events', { roomId, event, decrypted, media })
}
