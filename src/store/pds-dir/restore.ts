// restorePdsDir: writes the files of a `pds-dir` snapshot into an empty directory (docs/backup-store.md §7), and
// setSequenceAfter: the relay-sequence fix for a restored sequencer.sqlite (docs/pds-backup.md).
import { createWriteStream } from 'node:fs'
import { chmod, chown, mkdir, open, readdir, stat, utimes } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import Database from 'better-sqlite3'
import { BadArchiveError, UsageError, throwIfAborted } from '../../errors.js'
import { PRIVATE_DIR_MODE } from '../../files/atomic-file.js'
import type { Snapshot } from '../format.js'
import type { BackupStore } from '../store.js'
import { DEFAULT_BLOBSTORE_NAME, PDS_DIR_KIND } from './backup.js'
import { isSafeRelativePath, type PdsDirData, type PdsDirFile } from './types.js'

export interface PdsDirRestoreOptions {
  /** An absent or empty directory. */
  to: string
  /** Where blobstore files go; default `<to>/<blobstore path inside the data dir>` or `<to>/blocks`. */
  blobstoreTo?: string
  signal?: AbortSignal
  onFile?: (event: { root: string; path: string; size: number }) => void
}

export interface PdsDirRestoreResult {
  to: string
  blobstore: string
  files: number
  bytes: number
}

/** Throws UsageError unless `dir` is absent or an empty directory; creates it (0700) when absent. */
export async function prepareEmptyDirectory(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    if (code === 'ENOTDIR') throw new UsageError(`${dir} is a file, not a directory.`, { hint: 'Pass an empty or new directory to --to-dir.' })
    throw error
  })
  if (entries === null) await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  else if (entries.length > 0) {
    throw new UsageError(`${dir} is not empty; a restore only writes into an empty directory.`, {
      hint: 'Pass a new or empty directory to --to-dir; move the files into place once the PDS is stopped.',
    })
  }
}

function destinationOf(file: PdsDirFile, to: string, blobstore: string): string {
  if (!isSafeRelativePath(file.path)) throw new BadArchiveError(`The snapshot names an unsafe path ${JSON.stringify(file.path)}.`, { hint: 'This snapshot is damaged or hostile; restore another one.' })
  if (file.root === 'data' || file.root === 'env') return join(to, ...file.path.split('/'))
  if (file.root === 'blobstore') return join(blobstore, ...file.path.split('/'))
  throw new BadArchiveError(`The snapshot names a file under an unknown root ${JSON.stringify(file.root)}.`)
}

/** Writes every file of `snapshot` under `options.to`, each verified against its sha256 while it is read. */
export async function restorePdsDir(store: BackupStore, snapshot: Snapshot, options: PdsDirRestoreOptions): Promise<PdsDirRestoreResult> {
  if (snapshot.kind !== PDS_DIR_KIND) throw new UsageError(`Snapshot ${snapshot.id} is a ${snapshot.kind} snapshot, not ${PDS_DIR_KIND}.`)
  const data = snapshot.data as unknown as PdsDirData
  if (!Array.isArray(data.files) || !data.source) throw new BadArchiveError(`Snapshot ${snapshot.id} has no file list.`)
  const to = resolve(options.to)
  const blobstore = resolve(options.blobstoreTo ?? join(to, data.source.blobstoreInDataDir ?? DEFAULT_BLOBSTORE_NAME))
  const plan = data.files.map((file) => ({ file, destination: destinationOf(file, to, blobstore) }))
  await prepareEmptyDirectory(to)
  if (options.blobstoreTo !== undefined) await prepareEmptyDirectory(blobstore)
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0
  let bytes = 0
  for (const { file, destination } of plan) {
    throwIfAborted(options.signal)
    await mkdir(dirname(destination), { recursive: true, mode: PRIVATE_DIR_MODE })
    // 'wx': never overwrite; two entries naming the same destination mean a damaged manifest.
    await pipeline(await store.openObject(file.sha256), createWriteStream(destination, { flags: 'wx', mode: 0o600 }))
    const handle = await open(destination, 'r+')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    await chmod(destination, file.mode & 0o7777)
    if (asRoot && file.uid !== undefined && file.gid !== undefined) await chown(destination, file.uid, file.gid)
    if (file.mtimeMs) await utimes(destination, new Date(), new Date(file.mtimeMs))
    bytes += file.size
    options.onFile?.({ root: file.root, path: file.path, size: file.size })
  }
  return { to, blobstore, files: plan.length, bytes }
}

export interface SequenceFix {
  before: number | null
  after: number
}

/**
 * The relay-desync fix (bluesky-social/pds README "Fixing a Relay desync", summarised in research/atproto.md §5):
 * a restored sequencer.sqlite is behind what relays have seen, so they would ignore its next events. Sets the
 * AUTOINCREMENT counter of `repo_seq` (sqlite_sequence) to `relaySeq + 1` unless it is already higher, so that every
 * new event gets a number above anything relays saw. Run it with the PDS stopped.
 */
export function setSequenceAfter(sequencerDb: string, relaySeq: number): SequenceFix {
  if (!Number.isSafeInteger(relaySeq) || relaySeq < 0) throw new UsageError(`${relaySeq} is not a sequence number.`)
  const db = new Database(sequencerDb, { fileMustExist: true })
  try {
    const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'repo_seq'`).get()
    if (!hasTable) throw new BadArchiveError(`${sequencerDb} has no repo_seq table; is it the PDS sequencer database?`)
    const row = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'repo_seq'`).get() as { seq: number } | undefined
    const before = row ? Number(row.seq) : null
    const after = Math.max(before ?? 0, relaySeq + 1)
    if (row) db.prepare(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'repo_seq'`).run(after)
    else db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('repo_seq', ?)`).run(after)
    return { before, after }
  } finally {
    db.close()
  }
}

/** The restored sequencer database's path, if the snapshot had one. */
export async function restoredSequencerDb(to: string): Promise<string | null> {
  const path = join(resolve(to), 'sequencer.sqlite')
  return (await stat(path).then((s) => s.isFile(), () => false)) ? path : null
}
