// What a replay did, item by item: the summary every replay returns (the generic driver's and Matrix's alike), and
// the one place that counts an item and tells the user about it (failures always; the rest with --verbose and as
// `item` events with --json).
import type { ReplayKind } from '../adapters/adapter.js'
import type { Output } from '../cli/output.js'
import type { JournalStatus } from './journal.js'

export interface ReplayItem {
  kind: ReplayKind
  subject: string
  status: JournalStatus | 'planned' | 'done-before'
  reason?: string
}

export interface ReplaySummary {
  items: ReplayItem[]
  counts: Record<string, Record<string, number>>
  /** When a kind was deferred by a limit: the earliest time to run again and how many items wait. */
  deferred: { kind: ReplayKind; until: string; remaining: number }[]
  failed: number
}

export class ReplayReport {
  readonly summary: ReplaySummary = { items: [], counts: {}, deferred: [], failed: 0 }

  constructor(readonly out: Output) {}

  note(item: ReplayItem): void {
    this.summary.items.push(item)
    const perKind = (this.summary.counts[item.kind] ??= {})
    perKind[item.status] = (perKind[item.status] ?? 0) + 1
    if (item.status === 'failed') this.summary.failed++
    const human = `${item.kind} ${item.subject}: ${item.status}${item.reason ? ` (${item.reason})` : ''}`
    this.out.event('item', { ...item }, item.status === 'failed' ? human : undefined)
    if (item.status !== 'failed') this.out.debug(human)
  }
}
