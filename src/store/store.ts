// BackupStore: the only code that reads and writes a backup store (docs/backup-store.md is normative), through a
// backend (backend.ts: a directory or an S3 bucket) and a codec (codec.ts: plain or encrypted).
// Objects are content-addressed and written once; a snapshot manifest is written last, after its objects exist;
// every write requires the store lock, so a forgotten lock() is a loud programming error, not a silent race.
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes, createHash } from 'node:crypto'
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream'
import { BadArchiveError, NotFoundError, UsageError } from '../errors.js'
import type { Lock } from '../files/lock.js'
import { writeHashedFile, type ByteSource, type HashedFile as HashedWithCrc } from '../files/hashing.js'
import {
  CONFIG_NAME,
  MAX_SNAPSHOT_BYTES,
  OBJECTS_DIR,
  SNAPSHOTS_DIR,
  SNAPSHOT_ID_PATTERN,
  STORE_FORMAT,
  STORE_VERSION,
  SUPPORTED_STORE_VERSIONS,
  isSha256,
  newSnapshotId,
  snapshotProblems,
  snapshotRelativePath,
  type Snapshot,
  type SnapshotInput,
  type StoreConfig,
} from './format.js'
import { StoredKeyProblem, type BackendEntry, type StoreBackend } from './backend.js'
import { LocalBackend } from './backends/local.js'
import { isPlain, plainCodec, type ObjectCodec } from './codec.js'
import { existingStoreCodec, newStoreCodec, type StoreEncryptionOptions } from './encryption-config.js'
import { verifyStore, type StoreVerifyOptions, type StoreVerifyReport } from './verify.js'
import { pruneStore, type PruneOptions, type PruneReport } from './prune.js'
import { shown } from './snapshot-data.js'

/** What the store needs of a hashed file (the zip writer's CRC-32 is not). */
type HashedFile = Pick<HashedWithCrc, 'sha256' | 'size'>

export interface OpenStoreOptions extends StoreEncryptionOptions {
  /** Create the store when the location is absent or empty (backups); readers leave this off. */
  create?: boolean
  /**
   * How objects and manifests are encoded, overriding what config.json says (tools and tests). Without it a new
   * store is plain unless `encrypt` (encryption-config.ts), and an existing one is what its config.json says.
   */
  codec?: ObjectCodec
  /** Where S3 settings come from (default process.env). */
  env?: NodeJS.ProcessEnv
  /** A backend to use instead of the one `location` names (tests, tools). */
  backend?: StoreBackend
}

/** A local file with an object's plaintext (BackupStore.localCopy). */
export interface LocalCopy {
  path: string
  /** Deletes the file when it is a copy; never deletes an object. */
  release(): Promise<void>
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

/** Hashes and counts plaintext on its way into an encoder, refusing more than `limitBytes`. */
class PlaintextTap extends Transform {
  readonly #hash = createHash('sha256')
  readonly #limit: number | undefined
  #size = 0

  constructor(limitBytes: number | undefined) {
    super()
    this.#limit = limitBytes
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length
    if (this.#limit !== undefined && this.#size > this.#limit) {
      callback(new Error(`more than ${this.#limit} bytes`))
      return
    }
    this.#hash.update(chunk)
    callback(null, chunk)
  }

  result(): HashedFile {
    return { sha256: this.#hash.digest('hex'), size: this.#size }
  }
}

function toReadable(source: ByteSource): Readable {
  if (source instanceof Readable) return source
  return Readable.from(source as AsyncIterable<Uint8Array> | Iterable<Uint8Array>)
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
  readonly backend: StoreBackend
  readonly codec: ObjectCodec
  readonly config: StoreConfig
  #lock: Lock | null = null

  constructor(backend: StoreBackend, config: StoreConfig, codec: ObjectCodec = plainCodec) {
    this.backend = backend
    this.config = config
    this.codec = codec
  }

  /** How messages name the store: its directory, or `s3://bucket/prefix`. */
  get dir(): string {
    return this.backend.location
  }

  /** The store's directory when it is on this machine, else null. */
  get localDir(): string | null {
    return this.backend.localDir
  }

  /** Takes the store's one exclusive lock (LockedError, exit 11, when another run holds it). */
  async lock(): Promise<Lock> {
    if (this.#lock) throw new Error('BackupStore: lock() called twice')
    const lock = await this.backend.lock()
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

  /** The backend key of an object (UsageError for a name that is not a sha256). */
  objectKey(sha256: string): string {
    if (!isSha256(sha256)) throw new UsageError(`${JSON.stringify(sha256)} is not a sha256 in lowercase hex.`)
    return this.codec.objectKey(sha256)
  }

  /**
   * The file holding an object's bytes as they are, in a plain local store (tests and tools that inspect the store
   * on disk). Code that needs a file to read uses localCopy(), which works for every store.
   */
  objectPath(sha256: string): string {
    const path = isPlain(this.codec) ? this.backend.localPath(this.objectKey(sha256)) : null
    if (path === null) throw new Error(`BackupStore: objects of ${this.dir} have no local file; use localCopy()`)
    return path
  }

  async hasObject(sha256: string): Promise<boolean> {
    return (await this.objectSize(sha256)) !== null
  }

  /** The object's stored size in bytes, or null when it is not stored. */
  async objectSize(sha256: string): Promise<number | null> {
    return this.backend.size(this.objectKey(sha256))
  }

  /**
   * A fresh path in the store's private staging directory (docs/backup-store.md §4): a caller writes a file there
   * and hands it to adoptTempFile(). For a local store it is `<store>/tmp`, on the objects' file system.
   */
  async stagingPath(suffix = '.tmp'): Promise<string> {
    return join(await this.backend.stagingDir(), `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}${suffix}`)
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
    const temp = await this.stagingPath()
    let hashed: HashedFile
    try {
      hashed = await this.#writeEncoded(temp, source, options.limitBytes)
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
    return this.#adoptEncoded(temp, hashed.sha256, hashed.size)
  }

  /** Writes `source` encoded into the new file `temp`; returns the sha256 and size of the plaintext. */
  async #writeEncoded(temp: string, source: ByteSource, limitBytes: number | undefined): Promise<HashedFile> {
    if (isPlain(this.codec)) return writeHashedFile(temp, source, limitBytes)
    const tap = new PlaintextTap(limitBytes)
    const encoded = pipeline(toReadable(source), tap, this.codec.encrypt(), () => {})
    await writeHashedFile(temp, encoded)
    return tap.result()
  }

  /**
   * Stores a file the caller has written into stagingPath() and hashed (its plaintext sha256 and size); the file is
   * moved (or, for an encrypting or remote store, encoded and uploaded) and is gone afterwards.
   */
  async adoptTempFile(temp: string, sha256: string, size: number): Promise<PutObjectResult> {
    this.#requireLock('adoptTempFile')
    if (isPlain(this.codec)) return this.#adoptEncoded(temp, sha256, size)
    if ((await this.objectSize(sha256)) !== null) {
      await rm(temp, { force: true })
      return { sha256, size, existed: true }
    }
    const encoded = await this.stagingPath()
    try {
      await writeHashedFile(encoded, createReadStream(temp).pipe(this.codec.encrypt()))
    } catch (error) {
      await rm(encoded, { force: true })
      throw error
    } finally {
      await rm(temp, { force: true })
    }
    return this.#adoptEncoded(encoded, sha256, size)
  }

  async #adoptEncoded(temp: string, sha256: string, size: number): Promise<PutObjectResult> {
    try {
      const written = await this.backend.adopt(this.objectKey(sha256), temp)
      return { sha256, size, existed: !written }
    } finally {
      await rm(temp, { force: true })
    }
  }

  /** Stores a local file (streamed, never buffered whole). */
  async putFile(path: string, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    return this.putObject(createReadStream(path), options)
  }

  /**
   * A stream of the object's plaintext bytes (NotFoundError when absent). With `verify` (the default) the stream
   * fails with BadArchiveError at its end if the bytes do not hash to the object's name; decoding fails on tampering
   * whatever `verify` says.
   */
  async openObject(sha256: string, options: { verify?: boolean } = {}): Promise<Readable> {
    const raw = await this.backend.openRead(this.objectKey(sha256))
    if (raw === null) {
      throw new NotFoundError(`Object ${sha256} is missing from the backup store ${this.dir}.`, {
        hint: `Run \`lifeboat verify-store --store ${this.dir}\`; the snapshot that needs it is damaged.`,
      })
    }
    const plain = isPlain(this.codec) ? raw : pipeline(raw, this.codec.decrypt(), () => {})
    if (options.verify === false) return plain
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
    // pipeline, not pipe: it listens for errors on every stage, so a failure that happens before the caller starts
    // reading (a short object checked at once) is kept for the caller instead of being thrown as uncaught.
    return pipeline(plain, checker, () => {})
  }

  /** The whole object in memory, verified; only for small objects such as JSON documents. */
  async readObject(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = []
    for await (const chunk of await this.openObject(sha256)) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  /**
   * A local file with the object's plaintext, for readers that need random access (CAR packs) or a path (blob
   * uploads). In a plain local store it is the object's own file (not verified here: it must not be modified or
   * deleted); otherwise the object is downloaded, decoded and verified into `scratch` (a fresh path the caller owns)
   * or into a private staging file. release() deletes a copy and does nothing to an object's own file.
   */
  async localCopy(sha256: string, scratch?: string): Promise<LocalCopy> {
    const own = isPlain(this.codec) ? this.backend.localPath(this.objectKey(sha256)) : null
    if (own !== null) {
      if ((await this.objectSize(sha256)) === null) await this.openObject(sha256) // NotFoundError naming the object
      return { path: own, release: async () => {} }
    }
    const path = scratch ?? (await this.stagingPath('.copy'))
    try {
      await writeHashedFile(path, await this.openObject(sha256))
    } catch (error) {
      await rm(path, { force: true })
      throw error
    }
    return { path, release: () => rm(path, { force: true }) }
  }

  /**
   * Runs `use` with local copies of `shas` (localCopy()), releasing them afterwards whatever happens. `signal` is
   * checked before each copy (each may be a download) and before `use`: an interrupt does not wait for the rest.
   */
  async withLocalObjects<T>(shas: readonly string[], use: (paths: string[]) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const copies: LocalCopy[] = []
    try {
      for (const sha of shas) {
        signal?.throwIfAborted()
        copies.push(await this.localCopy(sha))
      }
      signal?.throwIfAborted()
      return await use(copies.map((c) => c.path))
    } finally {
      for (const copy of copies) await copy.release()
    }
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
    const key = snapshotRelativePath(id)
    if ((await this.backend.size(key)) !== null) throw new Error(`BackupStore: snapshot ${id} exists already`)
    await this.backend.writeSmall(key, this.codec.sealSmall(Buffer.from(JSON.stringify(snapshot) + '\n')))
    return snapshot
  }

  /** Removes a snapshot manifest (its objects stay until prune). */
  async deleteSnapshot(id: string): Promise<void> {
    this.#requireLock('deleteSnapshot')
    if (!SNAPSHOT_ID_PATTERN.test(id)) throw new UsageError(`${JSON.stringify(id)} is not a snapshot id.`)
    await this.backend.delete(snapshotRelativePath(id))
  }

  /** Every manifest, oldest first, plus a problem line for each one that is unreadable (never throws for those). */
  async scanSnapshots(filter?: SnapshotFilter): Promise<SnapshotScan> {
    const names: string[] = []
    for await (const entry of this.backend.list(`${SNAPSHOTS_DIR}/`)) {
      const name = entry.key.slice(SNAPSHOTS_DIR.length + 1)
      if (!name.includes('/')) names.push(name)
    }
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
    const where = snapshotRelativePath(id)
    let text: string
    try {
      const stored = await this.backend.readSmall(where, MAX_SNAPSHOT_BYTES)
      if (stored === null) return { snapshot: null, problems: [] }
      text = this.codec.openSmall(stored).toString('utf8')
    } catch (error) {
      if (error instanceof StoredKeyProblem) {
        const why = error.message === 'link' ? 'a symbolic link, not a manifest' : error.message === 'not-file' ? 'not a regular file' : `larger than ${MAX_SNAPSHOT_BYTES} bytes`
        return { snapshot: null, problems: [`${where}: ${why}`] }
      }
      if (isPlain(this.codec)) throw error
      return { snapshot: null, problems: [`${where}: cannot be decoded (${error instanceof Error ? error.message : String(error)})`] }
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

  /** Whether the manifest of snapshot `id` is (still) in the store; verify-store rechecks with it. */
  async hasSnapshot(id: string): Promise<boolean> {
    return (await this.backend.size(snapshotRelativePath(id))) !== null
  }

  /**
   * Every stored key under objects/ with its stored size. Keys that are not well-formed objects
   * (codec.isObjectKey false) are included; callers decide what to do with them.
   */
  objectEntries(): AsyncIterable<BackendEntry> {
    return this.backend.list(`${OBJECTS_DIR}/`)
  }

  /** Releases the backend's connections and private staging directory; the store is not used afterwards. */
  async close(): Promise<void> {
    await this.backend.close()
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
 * The backend for a --store value: `s3://bucket/prefix` is an S3 bucket (backends/s3.ts, loaded only then, with
 * settings from `env`); anything else is a directory.
 */
export async function openBackend(location: string, env: NodeJS.ProcessEnv = process.env): Promise<StoreBackend> {
  if (/^s3:\/\//i.test(location)) {
    const { openS3Backend } = await import('./backends/s3.js')
    return openS3Backend(location, env)
  }
  return new LocalBackend(location)
}

/**
 * Opens the store at `location` (a directory or `s3://bucket/prefix`), checking config.json first (BadArchiveError,
 * exit 12, for an unknown format or version). With `create`, an absent or empty location becomes a new store, config
 * written first; a non-empty location without config.json is refused. Without it, a missing store is NotFoundError
 * (exit 10).
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<BackupStore> {
  const backend = options.backend ?? (await openBackend(location, options.env))
  try {
    return await openStoreOn(backend, options)
  } catch (error) {
    await backend.close()
    throw error
  }
}

async function openStoreOn(backend: StoreBackend, options: OpenStoreOptions): Promise<BackupStore> {
  const where = backend.location
  let stored: Buffer | null
  try {
    stored = await backend.readSmall(CONFIG_NAME, MAX_SNAPSHOT_BYTES)
  } catch (error) {
    if (!(error instanceof StoredKeyProblem)) throw error
    throw new BadArchiveError(`${where}/${CONFIG_NAME} is not a plain file.`, { hint: 'The store is damaged; restore config.json from another copy.' })
  }
  if (stored === null) {
    const state = await backend.probe()
    if (state === 'used') {
      throw new BadArchiveError(`${where} is not a Lifeboat backup store (it has no ${CONFIG_NAME}).`, {
        hint: 'Point --store at an existing store, or at a new or empty directory to create one there.',
      })
    }
    if (!options.create) {
      throw new NotFoundError(`There is no backup store at ${where}.`, { hint: 'Check --store; the first backup into a new directory creates the store.' })
    }
    // The passphrase before anything is written: a missing one leaves the location as it was.
    const chosen = options.codec ? { version: STORE_VERSION, codec: options.codec } : await newStoreCodec(options)
    // config.json first: a location holding it is a store, and every later writer checks it before writing.
    await backend.create()
    const config: StoreConfig = { format: STORE_FORMAT, version: chosen.version, createdAt: new Date().toISOString() }
    if (chosen.encryption) config.encryption = chosen.encryption
    await backend.writeSmall(CONFIG_NAME, Buffer.from(JSON.stringify(config, null, 2) + '\n'))
    return new BackupStore(backend, config, chosen.codec)
  }
  let config: StoreConfig
  try {
    config = JSON.parse(stored.toString('utf8')) as StoreConfig
  } catch {
    throw new BadArchiveError(`${where}/${CONFIG_NAME} is not valid JSON.`, { hint: 'The store is damaged; restore config.json from another copy.' })
  }
  if (config === null || typeof config !== 'object' || config.format !== STORE_FORMAT) {
    throw new BadArchiveError(`${where} is not a Lifeboat backup store (format ${JSON.stringify((config as StoreConfig | null)?.format)}).`, {
      hint: 'Point --store at a directory created by lifeboat backup.',
    })
  }
  if (!SUPPORTED_STORE_VERSIONS.includes(config.version)) {
    throw new BadArchiveError(`The backup store ${where} has version ${JSON.stringify(config.version)}; this Lifeboat reads version ${SUPPORTED_STORE_VERSIONS.join(', ')}.`, {
      hint: 'Upgrade Lifeboat to read this store.',
    })
  }
  return new BackupStore(backend, config, options.codec ?? (await existingStoreCodec(config, options, where)))
}
