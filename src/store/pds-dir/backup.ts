// backupPdsDir: one `pds-dir` snapshot of a self-hosted PDS's data directory (docs/backup-store.md §7).
// Databases go through SQLite's online backup API and must pass integrity_check; blobs are checked against their CID;
// files unchanged since the parent snapshot are not read again. The manifest is written last (store.writeSnapshot).
import { createReadStream } from 'node:fs'
import { readFile, realpath, rm, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, isAbsolute, relative, resolve, sep } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { createHash } from 'node:crypto'
import { NotFoundError, UsageError, throwIfAborted } from '../../errors.js'
import type { Snapshot } from '../format.js'
import type { BackupStore } from '../store.js'
import { sha256FromCidName } from '../../adapters/atproto/cid.js'
import { copySqlite, integrityProblems, isSqliteFile } from './sqlite-copy.js'
import type { PdsDirData, PdsDirFile, PdsDirSource } from './types.js'
import { walkRoot, type WalkedFile } from './walk.js'

export const PDS_DIR_KIND = 'pds-dir'
/** The official distribution's blobstore (PDS_BLOBSTORE_DISK_LOCATION=/pds/blocks with PDS_DATA_DIRECTORY=/pds). */
export const DEFAULT_BLOBSTORE_NAME = 'blocks'
/** The disk blobstore's default temp dir for uploads in flight (@atproto/pds disk-blobstore.ts `tempt`). */
const BLOBSTORE_TEMP_NAME = 'tempt'
const ENV_FILE_NAME = 'pds.env'

export interface PdsDirBackupOptions {
  dataDir: string
  /** The disk blobstore directory; default `<dataDir>/blocks` when it exists. */
  blobstore?: string
  /** Include this env file (it holds the PDS secrets). */
  envFile?: string
  /** Read every file even when unchanged since the parent snapshot. */
  force?: boolean
  signal?: AbortSignal
  /** Pause before reading a blob again whose bytes did not match its CID (the PDS may have been writing it). */
  blobRetryDelayMs?: number
  onFile?: (event: { root: string; path: string; size: number; reused: boolean; stored: boolean }) => void
  onSkipped?: (path: string, why: string) => void
  now?: () => Date
}

export interface PdsDirBackupResult {
  snapshot: Snapshot<PdsDirData>
  problems: string[]
}

interface Context {
  store: BackupStore
  parent: Map<string, PdsDirFile>
  options: PdsDirBackupOptions
  problems: string[]
  stats: { files: number; bytes: number; sqlite: number; blobs: number; reused: number; newObjects: number; newBytes: number }
}

function isInside(parent: string, child: string): string | null {
  const rel = relative(parent, child)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : null
}

/** Checks and resolves the directories to read (NotFoundError, UsageError) without touching any store. */
export async function resolvePdsSource(options: PdsDirBackupOptions): Promise<PdsDirSource> {
  const dataDir = await realpath(resolve(options.dataDir)).catch(() => {
    throw new NotFoundError(`The PDS data directory ${options.dataDir} does not exist.`, { hint: 'Pass the directory that PDS_DATA_DIRECTORY names (/pds in the official install).' })
  })
  if (!(await stat(dataDir)).isDirectory()) throw new UsageError(`${options.dataDir} is not a directory.`)
  const hasAccountDb = await stat(resolve(dataDir, 'account.sqlite')).then(() => true, () => false)
  if (!hasAccountDb) {
    throw new UsageError(`${options.dataDir} does not look like a PDS data directory (no account.sqlite).`, {
      hint: 'Pass the directory that PDS_DATA_DIRECTORY names (/pds in the official install).',
    })
  }
  let blobstore: string | null = null
  if (options.blobstore !== undefined) {
    blobstore = await realpath(resolve(options.blobstore)).catch(() => {
      throw new NotFoundError(`The blobstore directory ${options.blobstore} does not exist.`, { hint: 'Pass the directory that PDS_BLOBSTORE_DISK_LOCATION names.' })
    })
  } else {
    const candidate = resolve(dataDir, DEFAULT_BLOBSTORE_NAME)
    if (await stat(candidate).then((s) => s.isDirectory(), () => false)) blobstore = candidate
  }
  let envFile: string | null = null
  if (options.envFile !== undefined) {
    envFile = await realpath(resolve(options.envFile)).catch(() => {
      throw new NotFoundError(`The env file ${options.envFile} does not exist.`)
    })
  }
  return { dataDir, blobstore, blobstoreInDataDir: blobstore ? isInside(dataDir, blobstore) : null, envFile, host: hostname() }
}

async function pdsHostname(envFile: string | null): Promise<string | undefined> {
  if (!envFile) return undefined
  const text = await readFile(envFile, 'utf8').catch(() => '')
  const line = text.split('\n').find((l) => l.startsWith('PDS_HOSTNAME='))
  return line?.slice('PDS_HOSTNAME='.length).trim().replace(/^"(.*)"$/, '$1') || undefined
}

/** Backs up one PDS data directory into `store` (which must be locked) and writes one `pds-dir` snapshot. */
export async function backupPdsDir(store: BackupStore, options: PdsDirBackupOptions): Promise<PdsDirBackupResult> {
  if (!store.isLocked) throw new Error('backupPdsDir: lock the store first')
  const started = Date.now()
  const now = options.now ?? (() => new Date())
  const source = await resolvePdsSource(options)
  const subjectId = `${source.host}:${source.dataDir}`
  const parentSnapshot = options.force ? null : (await store.scanSnapshots({ kind: PDS_DIR_KIND, subject: subjectId })).snapshots.at(-1)
  const parent = new Map<string, PdsDirFile>()
  for (const file of (parentSnapshot?.data as PdsDirData | undefined)?.files ?? []) parent.set(`${file.root}\0${file.path}`, file)
  const ctx: Context = { store, parent, options, problems: [], stats: { files: 0, bytes: 0, sqlite: 0, blobs: 0, reused: 0, newObjects: 0, newBytes: 0 } }

  // A local store inside the data directory is not backed up into itself.
  const storeDir = store.localDir === null ? null : await realpath(store.localDir)
  const files: PdsDirFile[] = []
  const skipDirs = [...(storeDir === null ? [] : [storeDir]), ...(source.blobstore && source.blobstoreInDataDir ? [source.blobstore] : [])]
  const onSkipped = (path: string, why: string) => options.onSkipped?.(path, why)
  for await (const walked of walkRoot('data', source.dataDir, { skipDirs, skipTopLevel: [ENV_FILE_NAME], onSkipped })) {
    const file = await backupFile(ctx, walked, (await isSqliteFile(walked.absolute)) ? 'sqlite' : 'file')
    if (file) files.push(file)
  }
  if (source.blobstore) {
    for await (const walked of walkRoot('blobstore', source.blobstore, { skipDirs: storeDir === null ? [] : [storeDir], skipTopLevel: [BLOBSTORE_TEMP_NAME], onSkipped })) {
      const file = await backupFile(ctx, walked, 'blob')
      if (file) files.push(file)
    }
  }
  if (source.envFile) {
    const stats = await stat(source.envFile)
    const file = await backupFile(ctx, { root: 'env', path: basename(source.envFile), absolute: source.envFile, stats }, 'file')
    if (file) files.push(file)
  }
  throwIfAborted(options.signal)
  const server = await pdsHostname(source.envFile)
  const data: PdsDirData = { source, files, problems: ctx.problems }
  const snapshot = await store.writeSnapshot<PdsDirData>(
    {
      kind: PDS_DIR_KIND,
      subject: { id: subjectId, ...(server ? { server } : {}) },
      objects: files.map((f) => f.sha256),
      data,
      stats: { ...ctx.stats, durationMs: Date.now() - started },
    },
    now(),
  )
  return { snapshot, problems: ctx.problems }
}

async function backupFile(ctx: Context, walked: WalkedFile, type: PdsDirFile['type']): Promise<PdsDirFile | null> {
  throwIfAborted(ctx.options.signal)
  const { store } = ctx
  const wal = type === 'sqlite' ? await stat(`${walked.absolute}-wal`).catch(() => null) : null
  const base = {
    root: walked.root,
    path: walked.path,
    type,
    mode: walked.stats.mode & 0o7777,
    uid: walked.stats.uid,
    gid: walked.stats.gid,
    sourceSize: walked.stats.size,
    mtimeMs: walked.stats.mtimeMs,
    ...(type === 'sqlite' ? { walSize: wal?.size ?? null, walMtimeMs: wal?.mtimeMs ?? null } : {}),
  }
  const previous = ctx.parent.get(`${walked.root}\0${walked.path}`)
  if (previous && previous.type === type && unchanged(previous, base) && (await store.hasObject(previous.sha256))) {
    return record(ctx, { ...base, sha256: previous.sha256, size: previous.size }, true, false)
  }
  try {
    if (type === 'sqlite') return record(ctx, { ...base, ...(await copyDatabase(ctx, walked)) }, false, true)
    if (type === 'blob') return record(ctx, { ...base, ...(await copyBlob(ctx, walked)) }, false, true)
    const put = await store.putFile(walked.absolute)
    countNew(ctx, put)
    return record(ctx, { ...base, sha256: put.sha256, size: put.size }, false, !put.existed)
  } catch (error) {
    // Deleted between listing and reading (an upload finished, an account removed): it is not part of this copy.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

function unchanged(previous: PdsDirFile, now: Omit<PdsDirFile, 'sha256' | 'size'>): boolean {
  // An absent and an empty -wal hold the same nothing (a read-only open creates an empty one); a non-empty one must
  // be the very same file state, since it may hold commits the main file does not yet have.
  const wal = (size: number | null | undefined, mtimeMs: number | null | undefined) => (size ? `${size}@${mtimeMs}` : 'empty')
  return (
    previous.sourceSize === now.sourceSize &&
    previous.mtimeMs === now.mtimeMs &&
    wal(previous.walSize, previous.walMtimeMs) === wal(now.walSize, now.walMtimeMs)
  )
}

function countNew(ctx: Context, put: { existed: boolean; size: number }): void {
  if (put.existed) return
  ctx.stats.newObjects++
  ctx.stats.newBytes += put.size
}

function record(ctx: Context, file: PdsDirFile, reused: boolean, stored: boolean): PdsDirFile {
  ctx.stats.files++
  ctx.stats.bytes += file.size
  if (file.type === 'sqlite') ctx.stats.sqlite++
  if (file.type === 'blob') ctx.stats.blobs++
  if (reused) ctx.stats.reused++
  ctx.options.onFile?.({ root: file.root, path: file.path, size: file.size, reused, stored })
  return file
}

async function copyDatabase(ctx: Context, walked: WalkedFile): Promise<{ sha256: string; size: number }> {
  const temp = await ctx.store.stagingPath('.sqlite')
  try {
    await copySqlite(walked.absolute, temp)
    const problems = integrityProblems(temp)
    if (problems.length > 0) ctx.problems.push(`${walked.root}/${walked.path}: integrity_check failed on the copy: ${problems.slice(0, 3).join('; ')}`)
    await rm(`${temp}-wal`, { force: true })
    await rm(`${temp}-shm`, { force: true })
    const { sha256, size } = await hashFile(temp)
    const put = await ctx.store.adoptTempFile(temp, sha256, size)
    countNew(ctx, put)
    return { sha256, size }
  } finally {
    await rm(temp, { force: true })
  }
}

async function copyBlob(ctx: Context, walked: WalkedFile): Promise<{ sha256: string; size: number }> {
  const expected = sha256FromCidName(basename(walked.path))
  if (expected === null) {
    const put = await ctx.store.putFile(walked.absolute)
    countNew(ctx, put)
    return put
  }
  // A stored object with the CID's hash has exactly the bytes this file should have: no need to read it.
  if (await ctx.store.hasObject(expected)) return { sha256: expected, size: (await ctx.store.objectSize(expected)) ?? walked.stats.size }
  for (let attempt = 0; ; attempt++) {
    const put = await ctx.store.putFile(walked.absolute)
    if (put.sha256 === expected || attempt === 1) {
      if (put.sha256 !== expected) ctx.problems.push(`${walked.root}/${walked.path}: bytes do not match the CID (copied as they are)`)
      countNew(ctx, put)
      return put
    }
    await delay(ctx.options.blobRetryDelayMs ?? 1000)
  }
}

async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), size }
}
