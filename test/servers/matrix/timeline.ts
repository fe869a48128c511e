/**
 * A room's timeline, kept compact so a room can hold 100,000+ events cheaply.
 *
 * Positions 0..length-1 order the room's events (Synapse's topological order; this server has no forks).
 * Every event also has a global stream position (the order `/sync` sees), shared by all rooms.
 *
 * Two kinds of segment:
 * - `list`: events created one by one (state events, sends); stored whole.
 * - `generated`: a run of `count` non-state events made on demand from their index by `make(k)`, with a
 *   contiguous block of stream positions and event IDs `$<tag>_<k>`. Nothing per event is stored.
 */

export interface StoredEvent {
  event_id: string
  type: string
  sender: string
  content: Record<string, unknown>
  origin_server_ts: number
  state_key?: string
  /** Top-level `redacts` of `m.room.redaction` in room versions 1-10. */
  redacts?: string
  /** Server-computed fields that belong to the event itself (prev_content, replaces_state, prev_sender). */
  unsigned?: Record<string, unknown>
}

/** Who sent an event by `PUT /send/{type}/{txnId}`, so `unsigned.transaction_id` goes back to that device. */
export interface TxnTag {
  userId: string
  deviceId: string
  txnId: string
}

export interface TimelineEntry {
  event: StoredEvent
  pos: number
  stream: number
  txn?: TxnTag
}

interface ListSegment {
  kind: 'list'
  start: number
  events: StoredEvent[]
  streams: number[]
  txns: (TxnTag | undefined)[]
}

interface GeneratedSegment {
  kind: 'generated'
  start: number
  count: number
  streamStart: number
  tag: string
  make: (k: number, eventId: string) => StoredEvent
}

type Segment = ListSegment | GeneratedSegment

function segmentLength(s: Segment): number {
  return s.kind === 'list' ? s.events.length : s.count
}

export class Timeline {
  private readonly segments: Segment[] = []
  private readonly byId = new Map<string, number>()
  private readonly generatedByTag = new Map<string, GeneratedSegment>()
  length = 0

  append(event: StoredEvent, stream: number, txn?: TxnTag): number {
    let last = this.segments.at(-1)
    if (!last || last.kind !== 'list') {
      last = { kind: 'list', start: this.length, events: [], streams: [], txns: [] }
      this.segments.push(last)
    }
    last.events.push(event)
    last.streams.push(stream)
    last.txns.push(txn)
    this.byId.set(event.event_id, this.length)
    return this.length++
  }

  /** Appends `count` lazily made events occupying stream positions streamStart..streamStart+count-1. */
  appendGenerated(
    count: number,
    streamStart: number,
    tag: string,
    make: (k: number, eventId: string) => StoredEvent,
  ): void {
    const seg: GeneratedSegment = { kind: 'generated', start: this.length, count, streamStart, tag, make }
    this.segments.push(seg)
    this.generatedByTag.set(tag, seg)
    this.length += count
  }

  at(pos: number): TimelineEntry {
    const seg = this.segmentAt(pos)
    const k = pos - seg.start
    if (seg.kind === 'list') return { event: seg.events[k]!, pos, stream: seg.streams[k]!, txn: seg.txns[k] }
    return { event: seg.make(k, `$${seg.tag}_${k}`), pos, stream: seg.streamStart + k }
  }

  positionOf(eventId: string): number | undefined {
    const pos = this.byId.get(eventId)
    if (pos !== undefined) return pos
    const m = /^\$(.+)_(\d+)$/.exec(eventId)
    const seg = m ? this.generatedByTag.get(m[1]!) : undefined
    if (!seg) return undefined
    const k = Number(m![2])
    return k < seg.count ? seg.start + k : undefined
  }

  /** Number of events whose stream position is <= `stream`, i.e. the position just after them. */
  positionAtStream(stream: number): number {
    let lo = 0
    let hi = this.segments.length
    // Find the first segment whose first stream position is > stream.
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (firstStream(this.segments[mid]!) > stream) hi = mid
      else lo = mid + 1
    }
    if (lo === 0) return 0
    const seg = this.segments[lo - 1]!
    if (seg.kind === 'generated') return seg.start + Math.min(seg.count, stream - seg.streamStart + 1)
    let a = 0
    let b = seg.streams.length
    while (a < b) {
      const mid = (a + b) >> 1
      if (seg.streams[mid]! > stream) b = mid
      else a = mid + 1
    }
    return seg.start + a
  }

  /** Stream position of the event just before `pos` (0 when pos is 0). */
  streamBefore(pos: number): number {
    return pos <= 0 ? 0 : this.at(pos - 1).stream
  }

  private segmentAt(pos: number): Segment {
    if (pos < 0 || pos >= this.length) throw new RangeError(`timeline position ${pos} out of 0..${this.length - 1}`)
    let lo = 0
    let hi = this.segments.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.segments[mid]!.start <= pos) lo = mid
      else hi = mid - 1
    }
    const seg = this.segments[lo]!
    if (pos >= seg.start + segmentLength(seg)) throw new RangeError(`no segment holds position ${pos}`)
    return seg
  }
}

function firstStream(s: Segment): number {
  return s.kind === 'list' ? s.streams[0]! : s.streamStart
}
