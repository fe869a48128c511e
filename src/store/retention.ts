// Retention: which snapshots a `forget` policy keeps (docs/backup-store.md §5). Pure: no I/O, time passed in.
// Semantics follow restic's ApplyPolicy (internal/data/snapshot_policy.go): per group, newest first, a counting option
// keeps a snapshot whose bucket differs from the last bucket it kept while it has count left, and keeps the group's
// oldest snapshot when count is still left at the end. Buckets are computed in UTC, so results do not depend on the
// machine's time zone.

/** A count, or `UNLIMITED` to keep every bucket. */
export const UNLIMITED = -1

export interface RetentionPolicy {
  last?: number
  hourly?: number
  daily?: number
  weekly?: number
  monthly?: number
  yearly?: number
  /** Keep every snapshot newer than this before the group's newest one, e.g. `7d`, `1m15d`, `1y2h`. */
  within?: string
}

export interface RetainedSnapshot {
  id: string
  createdAt: string
  kind: string
  subject: { id: string }
}

export interface ForgetDecision<T> {
  snapshot: T
  keep: boolean
  /** Why it is kept, e.g. `daily snapshot`, `oldest weekly snapshot`, `within 7d`; empty when removed. */
  reasons: string[]
}

export interface ForgetGroup<T> {
  kind: string
  subject: string
  /** Newest first. */
  decisions: ForgetDecision<T>[]
  keep: T[]
  remove: T[]
}

export interface ForgetPlan<T> {
  groups: ForgetGroup<T>[]
  keep: T[]
  remove: T[]
}

const COUNTING = [
  ['last', 'last snapshot'],
  ['hourly', 'hourly snapshot'],
  ['daily', 'daily snapshot'],
  ['weekly', 'weekly snapshot'],
  ['monthly', 'monthly snapshot'],
  ['yearly', 'yearly snapshot'],
] as const

type CountingOption = (typeof COUNTING)[number][0]

/** True when the policy keeps nothing in particular: forget then removes nothing (restic's rule). */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return COUNTING.every(([option]) => !policy[option]) && !policy.within
}

/** Human summary, e.g. `keep 7 daily, 4 weekly snapshots`. */
export function describePolicy(policy: RetentionPolicy): string {
  const parts = COUNTING.filter(([option]) => policy[option]).map(([option]) => {
    const n = policy[option]!
    const name = option === 'last' ? 'latest' : option
    return n === UNLIMITED ? `all ${name}` : `${n} ${name}`
  })
  const within = policy.within ? `all within ${policy.within} of the newest` : ''
  if (parts.length === 0 && !within) return 'keep everything (no policy given)'
  return `keep ${[parts.length > 0 ? `${parts.join(', ')} snapshots` : '', within].filter(Boolean).join(' and ')}`
}

function isoWeek(date: Date): number {
  // ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday.
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()))
  const day = d.getUTCDay() || 7
  d.setUTCDate(d.getUTCDate() + 4 - day)
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1)
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7)
  return d.getUTCFullYear() * 100 + week
}

function bucket(option: CountingOption, date: Date, index: number): number {
  const y = date.getUTCFullYear()
  const m = date.getUTCMonth() + 1
  switch (option) {
    case 'last':
      return index
    case 'hourly':
      return ((y * 100 + m) * 100 + date.getUTCDate()) * 100 + date.getUTCHours()
    case 'daily':
      return (y * 100 + m) * 100 + date.getUTCDate()
    case 'weekly':
      return isoWeek(date)
    case 'monthly':
      return y * 100 + m
    case 'yearly':
      return y
  }
}

export interface WithinDuration {
  years: number
  months: number
  days: number
  hours: number
}

/** Parses restic's duration syntax: one or more `<n>y|m|d|h` terms, e.g. `1y5m7d2h`. Throws on anything else. */
export function parseWithin(text: string): WithinDuration {
  const out: WithinDuration = { years: 0, months: 0, days: 0, hours: 0 }
  if (!/^(\d+[ymdh])+$/.test(text)) throw new RangeError(`${JSON.stringify(text)} is not a duration like 7d, 1m15d or 1y2h`)
  for (const [, n, unit] of text.matchAll(/(\d+)([ymdh])/g)) {
    const value = Number(n)
    if (unit === 'y') out.years += value
    else if (unit === 'm') out.months += value
    else if (unit === 'd') out.days += value
    else out.hours += value
  }
  return out
}

function subtract(from: Date, d: WithinDuration): number {
  const t = new Date(from.getTime())
  t.setUTCFullYear(t.getUTCFullYear() - d.years, t.getUTCMonth() - d.months, t.getUTCDate() - d.days)
  return t.getTime() - d.hours * 3_600_000
}

function newestFirst<T extends RetainedSnapshot>(a: T, b: T): number {
  const t = Date.parse(b.createdAt) - Date.parse(a.createdAt)
  return t !== 0 ? t : a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

function applyToGroup<T extends RetainedSnapshot>(list: T[], policy: RetentionPolicy, now: Date, within: WithinDuration | null): ForgetDecision<T>[] {
  if (isEmptyPolicy(policy)) return list.map((snapshot) => ({ snapshot, keep: true, reasons: ['no policy'] }))
  const counts = new Map<CountingOption, number>(COUNTING.map(([option]) => [option, policy[option] ?? 0]))
  const lastBucket = new Map<CountingOption, number | null>(COUNTING.map(([option]) => [option, null]))
  const notFuture = list.map((s) => Date.parse(s.createdAt)).filter((t) => t <= now.getTime())
  const latest = notFuture.length > 0 ? Math.max(...notFuture) : null
  const withinFrom = within && latest !== null ? subtract(new Date(latest), within) : null
  return list.map((snapshot, index) => {
    const time = new Date(snapshot.createdAt)
    const reasons: string[] = []
    if (withinFrom !== null && time.getTime() > withinFrom) reasons.push(`within ${policy.within}`)
    const oldest = index === list.length - 1
    for (const [option, reason] of COUNTING) {
      const count = counts.get(option)!
      if (count === 0) continue
      const value = bucket(option, time, index)
      const previous = lastBucket.get(option)
      if (value !== previous || oldest) {
        reasons.push(value === previous ? `oldest ${reason}` : reason)
        lastBucket.set(option, value)
        if (count > 0) counts.set(option, count - 1)
      }
    }
    return { snapshot, keep: reasons.length > 0, reasons }
  })
}

/**
 * Splits `snapshots` into kept and removed per group (kind + subject id). `now` only decides which snapshots are
 * "in the future" for `within`. Throws RangeError for a malformed `within`.
 */
export function selectForget<T extends RetainedSnapshot>(snapshots: readonly T[], policy: RetentionPolicy, now: Date): ForgetPlan<T> {
  const within = policy.within ? parseWithin(policy.within) : null
  const byGroup = new Map<string, T[]>()
  for (const snapshot of snapshots) {
    const key = JSON.stringify([snapshot.kind, snapshot.subject.id])
    const list = byGroup.get(key)
    if (list) list.push(snapshot)
    else byGroup.set(key, [snapshot])
  }
  const groups: ForgetGroup<T>[] = []
  for (const [key, list] of [...byGroup.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const [kind, subject] = JSON.parse(key) as [string, string]
    const decisions = applyToGroup([...list].sort(newestFirst), policy, now, within)
    groups.push({
      kind,
      subject,
      decisions,
      keep: decisions.filter((d) => d.keep).map((d) => d.snapshot),
      remove: decisions.filter((d) => !d.keep).map((d) => d.snapshot),
    })
  }
  return { groups, keep: groups.flatMap((g) => g.keep), remove: groups.flatMap((g) => g.remove) }
}
