// BackupStore: the only code that reads and writes a backup store directory (docs/backup-store.md is normative).
// Objects are content-addressed and written once; a snapshot manifest is written last, after its objects exist;
// every write requires the store lock, so a forgotten lock() is a loud programming error, not a silent race.
import { createReadStream, constants as fsConstants } from 'node:fs'
import { readFile, readdir, rename, rm, stat, mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes, createHash } from 'node:crypto'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { BadArchiveError, NotFoundError, UsageError } from '../errors.js'
import { acquireLock, type Lock } from '../files/lock.js'
import { writeFileAtomic, ensurePrivateDir, fsyncDirectory, PRIVATE_DIR_MODE } from '../files/atomic-file.js'
import { writeHashedFile, type ByteSource } from '../files/hashing.js'
import {
  CONFIG_NAME,
  LOCK_NAME,
  MAX_SNAPSHOT_BYTES,
  OBJECTS_DIR,
  SNAPSHOTS_DIR,
  SNAPSHOT_ID_PATTERN,
  STORE_FORMAT,
  STORE_VERSION,
  SUPPORTED_STORE_VERSIONS,
  TMP_DIR,
  isSha256,
  newSnapshotId,
  objectRelativePath,
  snapshotFileName,
  snapshotProblems,
  snapshotRelativePath,
  type Snapshot,
  type SnapshotInput,
  type StoreConfig,
} from './format.js'
import { verifyStore, type StoreVerifyOptions, type StoreVerifyReport } from './verify.js'
import { pruneStore, type PruneOptions, type PruneReport } from './prune.js'
import { shown } from './snapshot-data.js'

export interface OpenStoreOptions {
  /** Create the store when the directory is absent or empty (backups); readers leave this off. */
  create?: boolean
}

export interface PutObjectOptions {
  /** The sha256 the bytes must have. When that object exists already the source is closed unread. */
  expectSha256?: string
  /** Refuse sources longer than this many bytes. */
  limitBytes?: number
}

export interface PutObjectResult {
  sha256: string
  size: number
  /** The object was already in the store; nothing new was written. */
  existed: boolean
}

export interface SnapshotFilter {
  kind?: string
  subject?: string
}

export interface SnapshotScan {
  snapshots: Snapshot[]
  /** One line per manifest that could not be read or is malformed. */
  problems: string[]
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT'
}

function closeUnread(source: ByteSource): void {
  const s = source as { destroy?: () => void; cancel?: () => Promise<void>; return?: () => unknown }
  if (typeof s.destroy === 'function') s.destroy()
  else if (typeof s.cancel === 'function') s.cancel().catch(() => {})
  else if (typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') {
    const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
    void Promise.resolve(iterator.return?.()).catch(() => {})
  }
}

function matches(snapshot: Snapshot, filter: SnapshotFilter | undefined): boolean {
  if (filter?.kind !== undefined && snapshot.kind !== filter.kind) return false
  if (filter?.subject !== undefined && snapshot.subject.id !== filter.subject && snapshot.subject.handle !== filter.subject) return false
  return true
}

function byCreation(a: Snapshot, b: Snapshot): number {
  const t = Date.parse(a.createdAt) - Date.parse(b.createdAt)
  return t !== 0 ? t : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export class BackupStore {
  readonly dir: string
  readonly config: StoreConfig
  #lock: Lock | null = null

  constructor(dir: string, config: StoreConfig) {
    this.dir = dir
    this.config = config
  }

  /** Takes the store's one exclusive lock (LockedError, exit 11, when another run holds it). */
  async lock(): Promise<Lock> {
    if (this.#lock) throw new Error('BackupStore: lock() called twice')
    const lock = await acquireLock(join(this.dir, LOCK_NAME), `The backup store ${this.dir}`)
    try {
      for (const sub of [OBJECTS_DIR, SNAPSHOTS_DIR, TMP_DIR]) await ensurePrivateDir(join(this.dir, sub))
    } catch (error) {
      await lock.release()
      throw error
    }
    this.#lock = lock
    return {
      path: lock.path,
      release: async () => {
        if (this.#lock === lock) this.#lock = null
        await lock.release()
      },
    }
  }

  get isLocked(): boolean {
    return this.#lock !== null
  }

  #requireLock(what: string): void {
    if (!this.#lock) throw new Error(`BackupStore: ${what} needs the store lock; call store.lock() first`)
  }

  objectPath(sha256: string): string {
    if (!isSha256(sha256)) throw new UsageError(`${JSON.stringify(sha256)} is not a sha256 in lowercase hex.`)
    return join(this.dir, objectRelativePath(sha256))
  }

  async hasObject(sha256: string): Promise<boolean> {
    return (await this.objectSize(sha256)) !== null
  }

  /** The object's size in bytes, or null when it is not stored. */
  async objectSize(sha256: string): Promise<number | null> {
    try {
      return (await stat(this.objectPath(sha256))).size
    } catch (error) {
      if (isMissing(error)) return null
      throw error
    }
  }

  /** A fresh path in the store's staging directory (same file system as objects/, so renames are atomic). */
  tempPath(suffix = '.tmp'): string {
    return join(this.dir, TMP_DIR, `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}${suffix}`)
  }

  /**
   * Stores the bytes of `source` as an object and returns its sha256 and size. Writes nothing when the object exists
   * (docs/backup-store.md §4.1). With `expectSha256`, an existing object is recognised before reading and the source
   * is closed unread; bytes hashing to anything else are refused with BadArchiveError and not stored.
   */
  async putObject(source: ByteSource, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    this.#requireLock('putObject')
    if (options.expectSha256 !== undefined) {
      const size = await this.objectSize(options.expectSha256)
      if (size !== null) {
        closeUnread(source)
        return { sha256: options.expectSha256, size, existed: true }
      }
    }
    const temp = this.tempPath()
    let hashed
    try {
      hashed = await writeHashedFile(temp, source, options.limitBytes)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    if (options.expectSha256 !== undefined && hashed.sha256 !== options.expectSha256) {
      await rm(temp, { force: true })
      throw new BadArchiveError(`Bytes expected to hash to ${options.expectSha256} hash to ${hashed.sha256}.`, {
        hint: 'The source sent different bytes than it announced; run the backup again.',
        details: { expected: options.expectSha256, actual: hashed.sha256 },
      })
    }
    return this.#adopt(temp, hashed.sha256, hashed.size)
  }

  /** Stores a file the caller has already written and hashed into tempPath(); the file is moved, not copied. */
  async adoptTempFile(temp: string, sha256: string, size: number): Promise<PutObjectResult> {
    this.#requireLock('adoptTempFile')
    return this.#adopt(temp, sha256, size)
  }

  async #adopt(temp: string, sha256: string, size: number): Promise<PutObjectResult> {
    const final = this.objectPath(sha256)
    if ((await this.objectSize(sha256)) !== null) {
      await rm(temp, { force: true })
      return { sha256, size, existed: true }
    }
    const bucket = join(this.dir, OBJECTS_DIR, sha256.slice(0, 2))
    let created = false
    try {
      await mkdir(bucket, { mode: PRIVATE_DIR_MODE })
      created = true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (created) await fsyncDirectory(join(this.dir, OBJECTS_DIR))
    await rename(temp, final)
    await fsyncDirectory(bucket)
    return { sha256, size, existed: false }
  }

  /** Stores a local file (streamed, never buffered whole). */
  async putFile(path: string, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    return this.putObject(createReadStream(path), options)
  }

  /**
   * A stream of the object's bytes (NotFoundError when absent). With `verify` (the default) the stream fails with
   * BadArchiveError at its end if the bytes do not hash to the object's name.
   */
  async openObject(sha256: string, options: { verify?: boolean } = {}): Promise<Readable> {
    const path = this.objectPath(sha256)
    const handle = await open(path, 'r').catch((error: unknown) => {
      if (isMissing(error)) {
        throw new NotFoundError(`Object ${sha256} is missing from the backup store ${this.dir}.`, {
          hint: `Run \`lifeboat verify-store --store ${this.dir}\`; the snapshot that needs it is damaged.`,
        })
      }
      throw error
    })
    const raw = handle.createReadStream()
    if (options.verify === false) return raw
    const hash = createHash('sha256')
    const checker = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        hash.update(chunk)
        callback(null, chunk)
      },
      flush(callback: TransformCallback) {
        const actual = hash.digest('hex')
        if (actual === sha256) callback()
        else callback(new BadArchiveError(`Object ${sha256} is corrupt: its bytes hash to ${actual}.`, { hint: 'Restore from another snapshot or another copy of the store.' }))
      },
    })
    raw.on('error', (error) => checker.destroy(error))
    return raw.pipe(checker)
  }

  /** The whole object in memory, verified; only for small objects such as JSON documents. */
  async readObject(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of await this.openObject(sha256)) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  /**
   * Writes a snapshot manifest atomically, last (docs/backup-store.md §4.3): refuses when any listed object is
   * missing or the id exists. Assigns `id` and `createdAt` unless given.
   */
  async writeSnapshot<Data extends Record<string, unknown>>(input: SnapshotInput<Data>, now: Date = new Date()): Promise<Snapshot<Data>> {
    this.#requireLock('writeSnapshot')
    const createdAt = input.createdAt ?? now.toISOString()
    const id = input.id ?? newSnapshotId(new Date(createdAt))
    const snapshot: Snapshot<Data> = { ...input, id, createdAt, objects: [...new Set(input.objects)], stats: input.stats ?? {} }
    const problems = snapshotProblems(snapshot, id)
    if (!SNAPSHOT_ID_PATTERN.test(id)) problems.push(`snapshot id ${JSON.stringify(id)} is not of the form YYYY-MM-DDTHH-MM-SSZ-xxxxxx`)
    if (problems.length > 0) throw new Error(`BackupStore: refusing a malformed snapshot: ${problems.join('; ')}`)
    const missing: string[] = []
    for (const sha of snapshot.objects) if (!(await this.hasObject(sha))) missing.push(sha)
    if (missing.length > 0) {
      throw new Error(`BackupStore: snapshot ${id} names ${missing.length} object(s) not in the store, e.g. ${missing[0]}`)
    }
    const path = join(this.dir, SNAPSHOTS_DIR, snapshotFileName(id))
    if (await stat(path).then(() => true, () => false)) throw new Error(`BackupStore: snapshot ${id} exists already`)
    await writeFileAtomic(path, JSON.stringify(snapshot, null, 2) + '\n')
    return snapshot
  }

  /** Removes a snapshot manifest (its objects stay until prune). */
  async deleteSnapshot(id: string): Promise<void> {
    this.#requireLock('deleteSnapshot')
    if (!SNAPSHOT_ID_PATTERN.test(id)) throw new UsageError(`${JSON.stringify(id)} is not a snapshot id.`)
    await rm(join(this.dir, SNAPSHOTS_DIR, snapshotFileName(id)))
    await fsyncDirectory(join(this.dir, SNAPSHOTS_DIR))
  }

  /** Every manifest, oldest first, plus a problem line for each one that is unreadable (never throws for those). */
  async scanSnapshots(filter?: SnapshotFilter): Promise<SnapshotScan> {
    const dir = join(this.dir, SNAPSHOTS_DIR)
    const names = await readdir(dir).catch((error: unknown) => {
      if (isMissing(error)) return [] as string[]
      throw error
    })
    const snapshots: Snapshot[] = []
    const problems: string[] = []
    for (const name of names.sort()) {
      if (name.startsWith('.') || !name.endsWith('.json')) continue
      const id = name.slice(0, -'.json'.length)
      if (!SNAPSHOT_ID_PATTERN.test(id)) {
        problems.push(`${SNAPSHOTS_DIR}/${shown(name)}: the file name is not a snapshot id`)
        continue
      }
      const result = await this.#readSnapshotFile(id)
      if (result.problems.length > 0) problems.push(...result.problems)
      else if (result.snapshot && matches(result.snapshot, filter)) snapshots.push(result.snapshot)
    }
    return { snapshots: snapshots.sort(byCreation), problems }
  }

  /** Every snapshot matching `filter`, oldest first; BadArchiveError when any manifest is unreadable. */
  async listSnapshots(filter?: SnapshotFilter): Promise<Snapshot[]> {
    const scan = await this.scanSnapshots(filter)
    if (scan.problems.length > 0) throw this.damaged(scan.problems)
    return scan.snapshots
  }

  /**
   * One snapshot by full id, by unique id prefix, or `latest` (newest matching `filter`). NotFoundError when none
   * matches; UsageError when a prefix is ambiguous or the snapshot does not match the filter's kind.
   */
  async readSnapshot(ref: string, filter?: SnapshotFilter): Promise<Snapshot> {
    if (SNAPSHOT_ID_PATTERN.test(ref)) {
      const result = await this.#readSnapshotFile(ref)
      if (result.problems.length > 0) throw this.damaged(result.problems)
      if (!result.snapshot) throw this.#notFound(ref)
      if (filter?.kind !== undefined && result.snapshot.kind !== filter.kind) {
        throw new UsageError(`Snapshot ${ref} is a ${result.snapshot.kind} snapshot, not ${filter.kind}.`, {
          hint: `List them with \`lifeboat snapshots --store ${this.dir} --kind ${filter.kind}\`.`,
        })
      }
      return result.snapshot
    }
    // A damaged manifest may be the newest snapshot or the one the prefix means, so neither can be resolved past it.
    const { snapshots, problems } = await this.scanSnapshots(filter)
    if (problems.length > 0) throw this.damaged(problems, `Name a sound snapshot by its full id (\`lifeboat snapshots --store ${this.dir}\` lists them), or run \`lifeboat verify-store --store ${this.dir}\`.`)
    if (ref === 'latest') {
      const latest = snapshots.at(-1)
      if (!latest) throw this.#notFound(ref)
      return latest
    }
    const found = snapshots.filter((s) => s.id.startsWith(ref))
    if (found.length === 0) throw this.#notFound(ref)
    if (found.length > 1) {
      throw new UsageError(`${found.length} snapshots start with ${JSON.stringify(ref)}.`, { hint: 'Give more of the id, or the whole id.' })
    }
    return found[0]!
  }

  /** The one error for a store with damaged snapshot manifests (exit 12): the first problem, and how many more. */
  damaged(problems: string[], hint = `Run \`lifeboat verify-store --store ${this.dir}\` for every problem; move the damaged manifest away or restore it from another copy of the store.`): BadArchiveError {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''
    return new BadArchiveError(`The backup store ${this.dir} is damaged: ${problems[0]}${more}.`, { hint, problems })
  }

  #notFound(ref: string): NotFoundError {
    return new NotFoundError(`No snapshot ${JSON.stringify(ref)} in the backup store ${this.dir}.`, {
      hint: `List them with \`lifeboat snapshots --store ${this.dir}\`.`,
    })
  }

  async #readSnapshotFile(id: string): Promise<{ snapshot: Snapshot | null; problems: string[] }> {
    const path = join(this.dir, SNAPSHOTS_DIR, snapshotFileName(id))
    const where = snapshotRelativePath(id)
    let text: string
    // O_NOFOLLOW: a manifest that is a link (say to /etc/passwd) is damage, and is never followed out of the store.
    const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK).catch((error: unknown) => {
      if (isMissing(error)) return null
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return 'link' as const
      throw error
    })
    if (handle === null) return { snapshot: null, problems: [] }
    if (handle === 'link') return { snapshot: null, problems: [`${where}: a symbolic link, not a manifest`] }
    try {
      const info = await handle.stat()
      if (!info.isFile()) return { snapshot: null, problems: [`${where}: not a regular file`] }
      if (info.size > MAX_SNAPSHOT_BYTES) return { snapshot: null, problems: [`${where}: larger than ${MAX_SNAPSHOT_BYTES} bytes`] }
      text = await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return { snapshot: null, problems: [`${where}: not valid JSON`] }
    }
    const problems = snapshotProblems(value, id)
    if (problems.length > 0) return { snapshot: null, problems }
    const snapshot = value as Snapshot
    if (snapshot.stats === undefined) snapshot.stats = {}
    return { snapshot, problems: [] }
  }

  /**
   * Every file under objects/ with its bucket directory, name and size. Files that are not well-formed objects
   * (name not a sha256, or in the wrong bucket) are included; callers decide what to do with them.
   */
  async *objectFiles(): AsyncIterable<{ bucket: string; name: string; path: string; size: number }> {
    const root = join(this.dir, OBJECTS_DIR)
    const buckets = await readdir(root).catch((error: unknown) => {
      if (isMissing(error)) return [] as string[]
      throw error
    })
    for (const bucket of buckets.sort()) {
      const dir = join(root, bucket)
      const names = await readdir(dir).catch(() => [] as string[])
      for (const name of names) {
        const path = join(dir, name)
        const info = await stat(path).catch(() => null)
        if (info?.isFile()) yield { bucket, name, path, size: info.size }
      }
    }
  }

  async verify(options: StoreVerifyOptions = {}): Promise<StoreVerifyReport> {
    return verifyStore(this, options)
  }

  /** Deletes unreferenced objects and leftover temporary files (docs/backup-store.md §6). Needs the lock. */
  async prune(options: PruneOptions = {}): Promise<PruneReport> {
    this.#requireLock('prune')
    return pruneStore(this, options)
  }
}

/**
 * Opens the store at `dir`, checking config.json first (BadArchiveError, exit 12, for an unknown format or version).
 * With `create`, an absent or empty directory becomes a new store; a non-empty directory without config.json is
 * refused. Without it, a missing store is NotFoundError (exit 10).
 */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<BackupStore> {
  const configPath = join(dir, CONFIG_NAME)
  let text: string
  try {
    text = await readFile(configPath, 'utf8')
  } catch (error) {
    if (!isMissing(error) && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error
    const entries = await readdir(dir).catch((e: unknown) => {
      if (isMissing(e)) return null
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return ['(a file)']
      throw e
    })
    if (entries !== null && entries.length > 0) {
      throw new BadArchiveError(`${dir} is not a Lifeboat backup store (it has no ${CONFIG_NAME}).`, {
        hint: 'Point --store at an existing store, or at a new or empty directory to create one there.',
      })
    }
    if (!options.create) {
      throw new NotFoundError(`There is no backup store at ${dir}.`, { hint: 'Check --store; the first backup into a new directory creates the store.' })
    }
    return createStore(dir)
  }
  let config: StoreConfig
  try {
    config = JSON.parse(text) as StoreConfig
  } catch {
    throw new BadArchiveError(`${configPath} is not valid JSON.`, { hint: 'The store is damaged; restore config.json from another copy.' })
  }
  if (config === null || typeof config !== 'object' || config.format !== STORE_FORMAT) {
    throw new BadArchiveError(`${dir} is not a Lifeboat backup store (format ${JSON.stringify((config as StoreConfig | null)?.format)}).`, {
      hint: 'Point --store at a directory created by lifeboat backup.',
    })
  }
  if (!SUPPORTED_STORE_VERSIONS.includes(config.version)) {
    throw new BadArchiveError(`The backup store ${dir} has version ${JSON.stringify(config.version)}; this Lifeboat reads version ${SUPPORTED_STORE_VERSIONS.join(', ')}.`, {
      hint: 'Upgrade Lifeboat to read this store.',
    })
  }
  return new BackupStore(dir, config)
}

async function createStore(dir: string): Promise<BackupStore> {
  await ensurePrivateDir(dir)
  for (const sub of [OBJECTS_DIR, SNAPSHOTS_DIR, TMP_DIR]) await ensurePrivateDir(join(dir, sub))
  const config: StoreConfig = { format: STORE_FORMAT, version: STORE_VERSION, createdAt: new Date().toISOString() }
  await writeFileAtomic(join(dir, CONFIG_NAME), JSON.stringify(config, null, 2) + '\n')
  return new BackupStore(dir, config)
}
