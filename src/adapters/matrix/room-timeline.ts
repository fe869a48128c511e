// One room's whole timeline into events.jsonl, in timeline order, with memory that does not grow with the room.
//
// Backward pass: `/messages?dir=b&limit=1000` from the newest event until a page comes back without `end` (an empty
// or short page is not the end: the server drops ignored users' events after applying the limit). The request for
// the next page is sent before the current one is processed, so decryption, spooling and queuing media overlap the
// network. Each event is decrypted here (when keys were given) and its media queued at once, so downloads run
// while the chain continues. Forward pass: the spool is read back oldest first and each event written with the
// sha256 of its media. A room that fails leaves nothing in events.jsonl: the first line is written only after the
// last page arrived.
import type { AdapterContext } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { EventRecord } from '../../archive/records.js'
import { throwIfAborted } from '../../errors.js'
import type { ClientEvent, MessagesResponse } from './api.js'
import type { MatrixClient } from './client.js'
import { isEncryptedPayload, type Decryptor } from './decryptor.js'
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
  /** The `start` token of the first backward page: where a later `--since` run stops paging. */
  newestToken: string | null
}

interface Spooled {
  event: ClientEvent
  decrypted: Record<string, unknown> | null
}

/** Exports the timeline of `roomId`; with `stopAt` (an earlier run's token) only the events after it. */
export async function exportTimeline(deps: TimelineDeps, roomId: string, spoolPath: string, stopAt?: string): Promise<TimelineResult> {
  const { client, context } = deps
  const spool = new ReverseSpool<Spooled>(spoolPath)
  const page = (from: string | undefined): Promise<MessagesResponse> => client.messages(roomId, { dir: 'b', from, to: stopAt, limit: PAGE_LIMIT })
  try {
    let from: string | undefined
    let pending: Promise<MessagesResponse> | null = page(undefined)
    let newestToken: string | null = null
    let pages = 0
    while (pending) {
      throwIfAborted(context.signal)
      const current: MessagesResponse = await pending
      newestToken ??= current.start ?? null
      // A server that hands back the token it was given would loop forever; that is an end too.
      const next = current.end && current.end !== from ? current.end : undefined
      pending = next ? page(next) : null
      // Rejections of the prefetch surface when it is awaited; until then they must not count as unhandled.
      pending?.catch(() => undefined)
      for (const event of current.chunk ?? []) {
        const decrypted = deps.decryptor && isEncryptedPayload(event) ? await deps.decryptor.decrypt(event, roomId) : null
        for (const ref of mediaRefs(event, decrypted)) void deps.media.fetch(ref, event.event_id)
        await spool.append({ event, decrypted })
      }
      if (++pages % 20 === 0) context.out.info(`room ${roomId}: ${spool.count} events so far …`)
      from = next
    }
    return { ...(await writeForward(deps, roomId, spool)), newestToken }
  } finally {
    await spool.remove()
  }
}

async function writeForward(deps: TimelineDeps, roomId: string, spool: ReverseSpool<Spooled>): Promise<Omit<TimelineResult, 'newestToken'>> {
  let events = 0
  let undecryptable = 0
  const stored = new Set<string>()
  for await (const { event, decrypted } of spool.reversed()) {
    throwIfAborted(deps.context.signal)
    const media: EventRecord['media'] = []
    for (const ref of mediaRefs(event, decrypted)) {
      const outcome = await deps.media.fetch(ref, event.event_id)
      if ('sha256' in outcome) {
        media.push({ sha256: outcome.sha256, mxc: ref.mxc })
        stored.add(ref.mxc)
      }
    }
    if (decrypted === null && isEncryptedPayload(event)) undecryptable++
    await deps.writer.write('events', { roomId, event, decrypted, media })
    events++
  }
  return { events, undecryptable, media: stored.size }
}
