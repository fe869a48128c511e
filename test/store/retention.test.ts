// Retention decisions, table-driven, with expectations worked out by hand from restic's rules
// (restic internal/data/snapshot_policy.go ApplyPolicy; docs/backup-store.md §5).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { UNLIMITED, describePolicy, parseWithin, selectForget, type RetentionPolicy, type RetainedSnapshot } from '../../src/store/retention.js'

function snap(createdAt: string, subject = 'vps1:/pds', kind = 'pds-dir'): RetainedSnapshot {
  return { id: `${createdAt.slice(0, 19).replace(/:/g, '-')}Z-${subject.length.toString(16).padStart(6, '0')}`, createdAt, kind, subject: { id: subject } }
}

function daily(from: string, to: string, hour = '03:00:00'): RetainedSnapshot[] {
  const out: RetainedSnapshot[] = []
  for (let t = Date.parse(`${from}T${hour}Z`); t <= Date.parse(`${to}T${hour}Z`); t += 86_400_000) out.push(snap(new Date(t).toISOString()))
  return out
}

const day = (s: RetainedSnapshot) => s.createdAt.slice(0, 10)
const NOW = new Date('2026-06-01T00:00:00Z')

interface Case {
  name: string
  snapshots: RetainedSnapshot[]
  policy: RetentionPolicy
  keep: string[]
  reasons?: Record<string, string[]>
}

const cases: Case[] = [
  {
    name: 'keep-last keeps the n newest',
    snapshots: daily('2026-01-01', '2026-01-05'),
    policy: { last: 3 },
    keep: ['2026-01-05', '2026-01-04', '2026-01-03'],
  },
  {
    name: 'keep-daily keeps the newest of each day, across a month boundary',
    snapshots: [
      snap('2026-01-29T03:00:00.000Z'),
      snap('2026-01-30T03:00:00.000Z'),
      snap('2026-01-31T03:00:00.000Z'),
      snap('2026-02-01T03:00:00.000Z'),
      snap('2026-02-01T15:00:00.000Z'),
      snap('2026-02-02T03:00:00.000Z'),
    ],
    policy: { daily: 3 },
    keep: ['2026-02-02T03', '2026-02-01T15', '2026-01-31T03'],
  },
  {
    name: 'keep-weekly uses ISO weeks, which cross the year boundary',
    // 2025-12-28 is a Sunday of 2025-W52; 2025-12-29 (Monday) to 2026-01-04 are 2026-W01; 2026-01-05 starts W02.
    snapshots: [snap('2025-12-28T03:00:00.000Z'), snap('2025-12-29T03:00:00.000Z'), snap('2026-01-04T03:00:00.000Z'), snap('2026-01-05T03:00:00.000Z')],
    policy: { weekly: 2 },
    keep: ['2026-01-05', '2026-01-04'],
  },
  {
    name: 'keep-monthly keeps the last snapshot of each month',
    snapshots: daily('2026-01-15', '2026-03-10'),
    policy: { monthly: 2 },
    keep: ['2026-03-10', '2026-02-28'],
  },
  {
    name: 'count left at the oldest snapshot keeps the oldest too',
    snapshots: daily('2026-01-15', '2026-03-10'),
    policy: { monthly: 5 },
    keep: ['2026-03-10', '2026-02-28', '2026-01-31', '2026-01-15'],
    reasons: { '2026-01-15': ['oldest monthly snapshot'], '2026-01-31': ['monthly snapshot'] },
  },
  {
    name: 'a week of dailies and a month of weeklies (the issue\'s policy)',
    // 2026-04-29 is a Wednesday of W18; the Sundays before it close W17, W16, W15.
    snapshots: daily('2026-03-01', '2026-04-29'),
    policy: { daily: 7, weekly: 4 },
    keep: ['2026-04-29', '2026-04-28', '2026-04-27', '2026-04-26', '2026-04-25', '2026-04-24', '2026-04-23', '2026-04-19', '2026-04-12'],
    reasons: { '2026-04-29': ['daily snapshot', 'weekly snapshot'], '2026-04-26': ['daily snapshot', 'weekly snapshot'], '2026-04-19': ['weekly snapshot'] },
  },
  {
    name: 'one snapshot kept for several reasons lists them all',
    snapshots: daily('2026-05-01', '2026-05-03'),
    policy: { last: 1, daily: 2, monthly: 1, yearly: 1 },
    keep: ['2026-05-03', '2026-05-02'],
    reasons: { '2026-05-03': ['last snapshot', 'daily snapshot', 'monthly snapshot', 'yearly snapshot'], '2026-05-02': ['daily snapshot'] },
  },
  {
    name: 'unlimited keeps every bucket',
    snapshots: [...daily('2026-05-01', '2026-05-03'), snap('2026-05-03T10:00:00.000Z')],
    policy: { daily: UNLIMITED },
    keep: ['2026-05-03T10', '2026-05-02', '2026-05-01'],
  },
  {
    name: 'keep-within counts back from the newest snapshot, not from now',
    snapshots: daily('2026-01-01', '2026-01-06'),
    policy: { within: '2d' },
    keep: ['2026-01-06', '2026-01-05'],
  },
  {
    name: 'no policy keeps everything',
    snapshots: daily('2026-01-01', '2026-01-03'),
    policy: {},
    keep: ['2026-01-03', '2026-01-02', '2026-01-01'],
  },
]

for (const c of cases) {
  test(`retention: ${c.name}`, () => {
    const plan = selectForget(c.snapshots, c.policy, NOW)
    const kept = plan.keep.map((s) => s.createdAt)
    assert.equal(kept.length, c.keep.length, `kept ${kept.join(' ')}`)
    c.keep.forEach((prefix, i) => assert.ok(kept[i]!.startsWith(prefix), `#${i}: ${kept[i]} should start with ${prefix}`))
    assert.equal(plan.keep.length + plan.remove.length, c.snapshots.length)
    for (const [prefix, reasons] of Object.entries(c.reasons ?? {})) {
      const decision = plan.groups[0]!.decisions.find((d) => d.snapshot.createdAt.startsWith(prefix))!
      assert.deepEqual(decision.reasons, reasons, prefix)
    }
    for (const d of plan.groups.flatMap((g) => g.decisions)) assert.equal(d.keep, d.reasons.length > 0)
  })
}

test('retention: groups (kind + subject) are decided apart', () => {
  const snapshots = [
    snap('2026-01-01T03:00:00.000Z', 'vps1:/pds'),
    snap('2026-01-02T03:00:00.000Z', 'vps1:/pds'),
    snap('2026-01-01T04:00:00.000Z', 'did:plc:alice', 'atproto-repo'),
    snap('2026-01-02T04:00:00.000Z', 'did:plc:alice', 'atproto-repo'),
    snap('2026-01-03T04:00:00.000Z', 'did:plc:bob', 'atproto-repo'),
    snap('2026-01-01T05:00:00.000Z', 'did:plc:alice', 'pds-dir'),
  ]
  const plan = selectForget(snapshots, { last: 1 }, NOW)
  assert.equal(plan.groups.length, 4)
  assert.deepEqual(plan.keep.map((s) => `${s.kind} ${s.subject.id} ${day(s)}`).sort(), [
    'atproto-repo did:plc:alice 2026-01-02',
    'atproto-repo did:plc:bob 2026-01-03',
    'pds-dir did:plc:alice 2026-01-01',
    'pds-dir vps1:/pds 2026-01-02',
  ])
  assert.deepEqual(plan.remove.map((s) => `${s.subject.id} ${day(s)}`).sort(), ['did:plc:alice 2026-01-01', 'vps1:/pds 2026-01-01'])
})

test('retention: input order does not matter, and ties break by id', () => {
  const snapshots = daily('2026-01-01', '2026-01-10')
  const shuffled = [...snapshots].reverse().sort((a, b) => (a.id.charCodeAt(12) % 3) - (b.id.charCodeAt(12) % 3))
  const a = selectForget(snapshots, { daily: 3, weekly: 2 }, NOW)
  const b = selectForget(shuffled, { daily: 3, weekly: 2 }, NOW)
  assert.deepEqual(a.keep.map((s) => s.id), b.keep.map((s) => s.id))
})

test('retention: a future snapshot does not move the keep-within window', () => {
  const snapshots = [...daily('2026-01-01', '2026-01-06'), snap('2027-01-01T00:00:00.000Z')]
  const plan = selectForget(snapshots, { within: '2d' }, new Date('2026-01-07T00:00:00Z'))
  assert.deepEqual(plan.keep.map(day), ['2027-01-01', '2026-01-06', '2026-01-05'])
})

test('retention: durations and descriptions', () => {
  assert.deepEqual(parseWithin('1y5m7d2h'), { years: 1, months: 5, days: 7, hours: 2 })
  assert.throws(() => parseWithin('7 days'), RangeError)
  assert.throws(() => parseWithin(''), RangeError)
  assert.equal(describePolicy({ daily: 7, weekly: 4 }), 'keep 7 daily, 4 weekly snapshots')
  assert.equal(describePolicy({ last: UNLIMITED, within: '3d' }), 'keep all latest snapshots and all within 3d of the newest')
})
