// One incremental backup of a Misskey, Mastodon or Matrix account into a backup store (docs/backup-store.md §8).
//
// The export is the network's own (`lifeboat export <network>` with `--since` the parent snapshot's cursor), written
// to a temporary archive in a private temporary directory and verified there by the archive writer; the archive is
// then taken apart into objects (record segments, media, files) and the snapshot manifest is written last. The caller
// holds the store's lock for the whole run (docs/backup-store.md §3).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ItemFailure } from '../adapters/adapter.js'
import { ArchiveReader } from '../archive/reader.js'
import { RECORD_KINDS, kindMember, nativeMember, type RecordKind } from '../archive/format.js'
import type { RunContext } from '../run-context.js'
import { writeArchive } from '../archive/source-export.js'
import { UsageError } from '../errors.js'
import { newSnapshotId, type Snapshot } from '../store/format.js'
import type { BackupStore } from '../store/store.js'
import { ACCOUNT_ARCHIVE_KIND, DELTA_KINDS, subjectId, type AccountArchiveData, type AccountNetwork, type Segment, type StoredFile } from './account-format.js'
import { openAccount, type AccountFlags, type SourceDeps } from './account-sources.js'

export interface AccountBackupOptions extends AccountFlags {
  /** An open store whose lock the caller holds. */
  store: BackupStore
  /** Export the whole account and start a new chain. */
  full?: boolean
  /** Export whole when the last full run is this many snapshots back (default: never by itself). */
  fullEvery?: number
}

export interface AccountBackupSeams extends SourceDeps {
  /** Where the private temporary directory for the export is made (default the OS's). */
  tempDir?: string
}

export interface AccountBackupSummary {
  network: AccountNetwork
  subject: string
  handle: string | null
  /** `unchanged`: nothing new, the snapshot names its parent's objects; `failed`: some items failed (exit 3). */
  status: 'changed' | 'unchanged' | 'failed'
  snapshot: string
  full: boolean
  /** Records of each kind this run added (for a full run, every record). */
  newRecords: Partial<Record<RecordKind, number>>
  newObjects: number
  newBytes: number
  failures: ItemFailure[]
}

type AccountSnapshot = Snapshot<AccountArchiveData>

/** Reads the number of snapshots back to a full one; a bad value is a usage error (exit 2). */
export function parseFullEvery(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--full-every must be a whole number of snapshots, not "${value}".`)
  return n
}

/**
 * Backs up one account: finds its newest snapshot (the parent), exports what is new since the newest snapshot
 * without failures, stores the new objects and writes a snapshot that is complete by itself. Per-item failures are
 * in the summary (status `failed`), not thrown; the snapshot is written all the same.
 */
export async function backupAccount(network: AccountNetwork, options: AccountBackupOptions, cli: RunContext, deps: AccountBackupSeams = {}): Promise<AccountBackupSummary> {
  const { store } = options
  let parent: AccountSnapshot | undefined
  let full = Boolean(options.full)
  const opened = await openAccount(
    network,
    options,
    cli,
    async (account) => {
      const chain = (await store.listSnapshots({ kind: ACCOUNT_ARCHIVE_KIND, subject: subjectId(network, account) })) as AccountSnapshot[]
      parent = chain.at(-1)
      const base = chain.filter((s) => s.data.failures === 0).at(-1)
      if (!parent || !base || (options.fullEvery !== undefined && parent.data.sinceFullRuns + 1 >= options.fullEvery)) full = true
      return full || !base ? undefined : { createdAt: base.data.exportedAt, cursor: base.data.cursor }
    },
    deps,
  )
  const temp = await mkdtemp(join(deps.tempDir ?? tmpdir(), 'lifeboat-backup-'))
  try {
    const archive = join(temp, 'export.zip')
    let written
    try {
      written = await writeArchive(opened.source, { output: archive, since: opened.since, viewer: false }, cli)
    } finally {
      await opened.close()
    }
    return await ingest(store, network, archive, { parent: full ? undefined : parent, full, failures: written.failures })
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

interface IngestOptions {
  parent: AccountSnapshot | undefined
  full: boolean
  failures: ItemFailure[]
}

/** Stores the archive's members as objects and writes the snapshot (docs/backup-store.md §8). */
async function ingest(store: BackupStore, network: AccountNetwork, archive: string, options: IngestOptions): Promise<AccountBackupSummary> {
  const reader = await ArchiveReader.open(archive)
  const id = newId()
  let newObjects = 0
  let newBytes = 0
  const put = async (member: string, expectSha256?: string): Promise<{ sha256: string; size: number }> => {
    if (expectSha256 !== undefined) {
      const size = await store.objectSize(expectSha256)
      if (size !== null) return { sha256: expectSha256, size }
    }
    const result = await store.putObject(await reader.openMember(member), expectSha256 !== undefined ? { expectSha256 } : {})
    if (!result.existed) {
      newObjects++
      newBytes += result.size
    }
    return result
  }
  const own: Segment[] = []
  const files: StoredFile[] = []
  const media: string[] = []
  const mediaSizes = new Map<string, number>()
  const { manifest } = reader
  try {
    for (const kind of RECORD_KINDS) {
      const member = kindMember(kind)
      if (!(member in manifest.members)) continue
      const stored = await put(member)
      own.push({ kind, mode: DELTA_KINDS[network].has(kind) ? 'delta' : 'whole', object: stored.sha256, records: manifest.counts[kind] ?? 0, size: stored.size, snapshot: id.value })
    }
    for (const [member, info] of Object.entries(manifest.members).sort(([a], [b]) => a.localeCompare(b))) {
      if (member.startsWith('media/')) {
        await put(member, info.sha256)
        media.push(info.sha256)
        mediaSizes.set(info.sha256, info.size)
      } else if (member.includes('/') || !member.endsWith('.jsonl')) {
        const stored = await put(member)
        files.push({ member, object: stored.sha256, size: stored.size })
      }
    }
  } finally {
    reader.close()
  }
  const parent = options.parent
  const inherited = parent ? parent.data.segments.filter((s) => s.mode === 'delta') : []
  const lastOfKind = new Map(inherited.map((s) => [s.kind, s.object]))
  // An empty delta segment adds nothing once its kind is in the chain (the first one says the kind was exported), nor
  // does one equal to the kind's last segment, which wins for all its keys already: a Misskey or Mastodon run lists
  // the profile's avatar and banner every time, and an unchanged account must not grow the chain by them.
  const ownDeltas = own.filter((s) => s.mode === 'delta' && (lastOfKind.has(s.kind) ? s.records > 0 && lastOfKind.get(s.kind) !== s.object : true))
  const segments = [...inherited, ...ownDeltas, ...own.filter((s) => s.mode === 'whole')]
  const allMedia = [...new Set([...(parent?.data.media ?? []), ...media])]
  const newRecords: Partial<Record<RecordKind, number>> = {}
  for (const s of own) if (s.mode === 'delta' || options.full) newRecords[s.kind] = s.records
  const data: AccountArchiveData = {
    network,
    server: manifest.source.server,
    account: manifest.source.account,
    exportedAt: manifest.createdAt,
    full: options.full,
    fullAt: parent ? parent.data.fullAt : id.value,
    sinceFullRuns: parent ? parent.data.sinceFullRuns + 1 : 0,
    cursor: await cursorOf(store, network, files),
    failures: options.failures.length,
    segments,
    files,
    media: allMedia,
  }
  const objects = [...segments.map((s) => s.object), ...files.map((f) => f.object), ...allMedia]
  // Bytes the snapshot names, without asking the store for the size of every inherited object.
  const known = new Set(parent?.data.media ?? [])
  const mediaBytes = (parent?.stats.mediaBytes ?? 0) + [...mediaSizes].filter(([sha]) => !known.has(sha)).reduce((n, [, size]) => n + size, 0)
  const bytes = mediaBytes + segments.reduce((n, s) => n + (s.size ?? 0), 0) + files.reduce((n, f) => n + f.size, 0)
  const sum = (counts: Partial<Record<RecordKind, number>>) => Object.values(counts).reduce((a, b) => a + (b ?? 0), 0)
  const snapshot = (await store.writeSnapshot({
    id: id.value,
    createdAt: id.createdAt,
    kind: ACCOUNT_ARCHIVE_KIND,
    subject: { id: subjectId(network, manifest.source.account), ...(manifest.source.account.handle ? { handle: manifest.source.account.handle } : {}), ...(manifest.source.server ? { server: manifest.source.server } : {}) },
    objects,
    data,
    stats: { bytes, mediaBytes, records: segments.reduce((n, s) => n + s.records, 0), newRecords: sum(newRecords), media: allMedia.length, newMedia: media.filter((m) => !(parent?.data.media ?? []).includes(m)).length, newObjects, newBytes, failures: options.failures.length },
  })) as AccountSnapshot
  const unchanged = parent !== undefined && !options.full && sameObjects(parent, snapshot)
  return {
    network,
    subject: snapshot.subject.id,
    handle: manifest.source.account.handle ?? null,
    status: options.failures.length > 0 ? 'failed' : unchanged ? 'unchanged' : 'changed',
    snapshot: snapshot.id,
    full: options.full,
    newRecords,
    newObjects,
    newBytes,
    failures: options.failures,
  }
}

function sameObjects(a: AccountSnapshot, b: AccountSnapshot): boolean {
  const set = new Set(a.objects)
  return a.objects.length === b.objects.length && b.objects.every((o) => set.has(o))
}

/** The snapshot's id, chosen before its segments are stored so that each segment can name the run that wrote it. */
function newId(): { value: string; createdAt: string } {
  const now = new Date()
  return { value: newSnapshotId(now), createdAt: now.toISOString() }
}

/** The export's native/<network>/cursor.json, read back from the store (null when the export wrote none). */
async function cursorOf(store: BackupStore, network: AccountNetwork, files: StoredFile[]): Promise<unknown> {
  const file = files.find((f) => f.member === nativeMember(network, 'cursor.json'))
  if (!file) return null
  return JSON.parse((await store.readObject(file.object)).toString('utf8')) as unknown
}
