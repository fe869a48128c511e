// What a replay did, item by item: the summary every replay returns (src/replay/replay.ts, on every network), and
// the one place that counts an item and tells the user about it (failures and unresolved subjects always; the rest
// with --verbose and as `item` events with --json), and that decides how a finished replay ends (replayError).
import type { ReplayKind } from '../adapters/adapter.js'
import type { Output } from '../output.js'
import { PartialFailureError } from '../errors.js'
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
  /** Items whose subject the target could not find (accounts, rooms), in the order met. */
  unresolved: ReplayItem[]
}

export class ReplayReport {
  readonly summary: ReplaySummary = { items: [], counts: {}, deferred: [], failed: 0, unresolved: [] }

  constructor(readonly out: Output) {}

  note(item: ReplayItem): void {
    this.summary.items.push(item)
    const perKind = (this.summary.counts[item.kind] ??= {})
    perKind[item.status] = (perKind[item.status] ?? 0) + 1
    if (item.status === 'failed') this.summary.failed++
    if (item.status === 'unresolved') this.summary.unresolved.push(item)
    const loud = item.status === 'failed' || item.status === 'unresolved'
    const human = `${item.kind} ${item.subject}: ${item.status}${item.reason ? ` (${item.reason})` : ''}`
    this.out.event('item', { ...item }, loud ? human : undefined)
    if (!loud) this.out.debug(human)
  }
}

const SHOWN = 10


function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`
}

/**
 * How a finished replay ends, the same on every network: failed items, then subjects the target could not resolve,
 * then a limit's deferral make it exit 3 (partial); null when everything is done. A replay that followed nobody
 * because nobody could be found is never a success.
 */
export function replayError(summary: ReplaySummary): PartialFailureError | null {
  const { failed, unresolved, deferred } = summary
  if (failed > 0 || unresolved.length > 0) {
    const parts: string[] = []
    if (failed > 0) parts.push(`${count(failed, 'item')} could not be replayed`)
    if (unresolved.length > 0) parts.push(`${count(unresolved.length, 'item')} could not be resolved on the target`)
    const names = unresolved.slice(0, SHOWN).map((i) => `${i.kind} ${i.subject}`)
    if (unresolved.length > SHOWN) names.push(`and ${unresolved.length - SHOWN} more`)
    const check = unresolved.length > 0 ? 'Check that those accounts still exist and that the new server can reach their servers; run' : 'Run'
    return new PartialFailureError(`${parts.join('; ')}${names.length > 0 ? `: ${names.join(', ')}` : ''}.`, {
      hint: `${check} the same command again to retry them; everything done is recorded in the journal.`,
      details: { failed, unresolved: unresolved.map((i) => ({ kind: i.kind, subject: i.subject })) },
    })
  }
  if (deferred.length > 0) {
    const d = deferred[0]!
    return new PartialFailureError(`The server's limit stopped the ${d.kind} replay with ${d.remaining + 1} left.`, { hint: `Run the same command again after ${d.until}; it continues from the journal.` })
  }
  return null
}
