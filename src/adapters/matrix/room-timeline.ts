// One room's whole timeline into events.jsonl, in timeline order, with memory that does not grow with the room.
// Two passes, so that rooms can be fetched side by side and still be written one after another.
//
// Backward pass (collectTimeline): `/messages?dir=b&limit=1000` from the newest event until a page comes back
// without `end` (an empty or short page is not the end: the server drops ignored users' events after applying the
// limit). The next page is requested before the current one is processed, so decryption, spooling and queuing media
// overlap the network; each event is decrypted here (when keys were given) and its media queued at once, so
// downloads run while the chain continues. Forward pass (writeTimeline): the spool is read back oldest first and
// each event written with the sha256 of its media, its line spliced from the spooled text (event-line.ts). A room
// that fails leaves nothing in events.jsonl: its first line is written only after its last page arrived.
import type { AdapterContext } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { EventRecord } from '../../archive/records.js'
import { throwIfAborted } from '../../errors.js'
import type { MessagesResponse } from './api.js'
import type { MatrixClient } from './client.js'
import { isEncryptedPayload, type Decryptor } from './decryptor.js'
import { eventJson, spooledEvent, type SpooledEvent } from './event-line.js'
import type { MediaFetcher } from './media-fetcher.js'
import { mediaRefs } from './media-refs.js'
import { ReverseSpool } from './spool.js'

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
  spool: ReverseSpool<SpooledEvent>
  /** The `start` token of the first backward page: where a later `--since` run stops paging. */
  newestToken: string | null
}

/** Backward pass over `roomId`; with `stopAt` (an earlier run's token) only the events after it. */
export async function collectTimeline(deps: TimelineDeps, roomId: string, spoolPath: string, stopAt?: string): Promise<CollectedTimeline> {
  const { client, context } = deps
  const spool = new ReverseSpool<SpooledEvent>(spoolPath)
  const page = (from: string | undefined): Promise<MessagesResponse> => client.messages(roomId, { dir: 'b', from, to: stopAt, limit: PAGE_LIMIT })
  try {
    let from: string | undefined
    let pending: Promise<MessagesResponse> | null = page(undefined)
    let newestToken: string | null = null
    let pages = 0
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
        const decrypted = deps.decryptor && isEncryptedPayload(event) ? await deps.decryptor.decrypt(event, roomId) : null
        for (const ref of mediaRefs(event, decrypted)) void deps.media.fetch(ref)
        await spool.append(spooledEvent(event, decrypted))
      }
      if (++pages % 20 === 0) context.out.info(`room ${roomId}: ${spool.count} events so far …`)
      from = next
    }
    await spool.seal()
    return { spool, newestToken }
  } catch (error) {
    await spool.remove()
    throw error
  }
}

/** Forward pass: the spooled events oldest first into events.jsonl, each with the sha256 of its media. */
export async function writeTimeline(deps: TimelineDeps, roomId: string, collected: CollectedTimeline): Promise<TimelineResult> {
  let events = 0
  let undecryptable = 0
  const stored = new Set<string>()
  try {
    for await (const texts of collected.spool.reversed()) {
      for (const text of texts) {
        throwIfAborted(deps.context.signal)
        const parsed = collected.spool.parse(text)
        const { event, decrypted } = parsed
        const media: EventRecord['media'] = []
        for (const ref of mediaRefs(event, decrypted)) {
          const outcome = await deps.media.record(ref, event.event_id)
          if ('sha256' in outcome) {
            media.push({ sha256: outcome.sha256, mxc: ref.mxc })
            stored.add(ref.mxc)
          }
        }
        if (decrypted === null && isEncryptedPayload(event)) undecryptable++
        const record: EventRecord = { roomId, event, decrypted, media }
        await deps.writer.writeJson('events', record, eventJson(record, text, parsed))
        events++
      }
    }
  } finally {
    await collected.spool.remove()
  }
  return { events, undecryptable, media: stored.size }
}
