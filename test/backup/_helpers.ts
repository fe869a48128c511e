// Shared by the account backup tests: running commands in-process as the CLI parses them, and comparing two archives
// by what they hold (record sets, media bytes, other members), ignoring dates, member order and the viewer.
import assert from 'node:assert/strict'
import { Command } from 'commander'
import { ArchiveReader } from '../../src/archive/reader.js'
import { RECORD_KINDS } from '../../src/archive/format.js'
import { register as registerBackup } from '../../src/commands/backup.js'
import { register as registerRestore } from '../../src/commands/restore.js'
import { register as registerForget } from '../../src/commands/forget.js'
import { register as registerVerify } from '../../src/commands/verify.js'
import { register as registerVerifyStore } from '../../src/commands/verify-store.js'
import { register as registerSnapshots } from '../../src/commands/snapshots.js'
import { captureCli } from '../_util/cli.js'

/** Runs `lifeboat <args>` in-process (the test servers live in this process); returns the --json result and stderr. */
export async function lifeboat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ result: Record<string, unknown>; events: Record<string, unknown>[]; stderr: string }> {
  const captured = captureCli({ env, json: true })
  const program = new Command('lifeboat').exitOverride()
  for (const register of [registerBackup, registerRestore, registerForget, registerVerify, registerVerifyStore, registerSnapshots]) register(program, captured.cli)
  await program.parseAsync(args, { from: 'user' })
  const lines = captured.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
  return { result: lines.find((l) => l.event === 'result') ?? {}, events: lines.filter((l) => l.event !== 'result'), stderr: captured.stderr() }
}

export interface ArchiveContents {
  /** Per kind, each record as JSON, sorted. */
  records: Record<string, string[]>
  /** sha256 of every media member. */
  media: string[]
  /** profile.json, native/…, compat/…: member → sha256. */
  files: Record<string, string>
  counts: Record<string, number | undefined>
}

/**
 * Counters that change on records an incremental run does not fetch again (docs/backup-store.md §8.1): the author's
 * counts embedded in every old status of a Mastodon export. Compared without them.
 */
export const VOLATILE_COUNTERS = ['statuses_count', 'followers_count', 'following_count', 'last_status_at']

function withoutCounters(value: unknown, counters: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutCounters(v, counters))
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([k]) => !counters.includes(k)).map(([k, v]) => [k, withoutCounters(v, counters)]))
}

export async function contents(path: string, volatile: readonly string[] = []): Promise<ArchiveContents> {
  const reader = await ArchiveReader.open(path)
  try {
    const records: Record<string, string[]> = {}
    for (const kind of RECORD_KINDS) {
      const lines: string[] = []
      for await (const record of reader.records(kind)) lines.push(JSON.stringify(withoutCounters(record, volatile)))
      if (lines.length > 0) records[kind] = lines.sort()
    }
    const members = Object.entries(reader.manifest.members)
    return {
      records,
      media: members.filter(([n]) => n.startsWith('media/')).map(([, m]) => m.sha256).sort(),
      files: Object.fromEntries(members.filter(([n]) => n === 'profile.json' || n.startsWith('native/') || n.startsWith('compat/')).map(([n, m]) => [n, m.sha256])),
      counts: reader.manifest.counts,
    }
  } finally {
    reader.close()
  }
}

/** The restored archive holds what a fresh full export holds (`volatile`: counter fields compared without). */
export async function assertSameAccount(restored: string, fresh: string, volatile: readonly string[] = []): Promise<void> {
  const [a, b] = [await contents(restored, volatile), await contents(fresh, volatile)]
  assert.deepEqual(Object.keys(a.records).sort(), Object.keys(b.records).sort(), 'the same record kinds')
  for (const kind of Object.keys(b.records)) assert.deepEqual(a.records[kind], b.records[kind], `the same ${kind} records`)
  assert.deepEqual(a.counts, b.counts)
  assert.deepEqual(a.media, b.media, 'the same media bytes')
  assert.deepEqual(a.files, b.files, 'the same profile, native and compat files')
}
