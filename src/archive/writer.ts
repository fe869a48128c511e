// ArchiveWriter: the only code that creates Lifeboat archives (docs/archive-format.md §3).
//
// Members are staged in `<archive>.partial.d/`, then zipped in one pass into `<archive>.partial` with the
// manifest last, verified, fsynced and renamed. Staged media survive an interrupted run: the next run with the same
// output reuses them by source key, so a resumed export downloads each file once.
import { createReadStream } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, appendFile, chmod } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import archiver from 'archiver'
import { UsageError, throwIfAborted } from '../errors.js'
import { acquireLock, type Lock } from '../files/lock.js'
import { ensurePrivateDir, fsyncDirectory, PRIVATE_FILE_MODE } from '../files/atomic-file.js'
import { writeHashedFile, sha256Hex, type ByteSource, type HashedFile } from '../files/hashing.js'
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  MANIFEST_NAME,
  PROFILE_NAME,
  RECORD_KINDS,
  isCompressedMime,
  kindMember,
  mediaMember,
  memberNameProblem,
  type RecordKind,
} from './format.js'
import { JsonlSink } from './jsonl-sink.js'
import { toolVersion } from '../version.js'
import type { Manifest, MediaRecord, ProfileRecord, RecordsByKind } from './records.js'
import { verifyArchive } from './verify.js'
import { stageViewer } from '../viewer/embed.js'

export interface ArchiveWriterOptions {
  /** Final archive path. */
  path: string
  source: Manifest['source']
  since?: Manifest['since']
  /** Replace an existing archive at `path` (only by the final rename). */
  force?: boolean
  signal?: AbortSignal
  /** Embed the offline viewer (index.html, viewer/…; docs/archive-format.md §2). Default true. */
  viewer?: boolean
}

export interface AddMediaOptions {
  /** Stable id of the item at its source (CID, drive file id, mxc URI, URL): the resume key. */
  key: string
  meta: Omit<MediaRecord, 'sha256' | 'size'>
  /** When given, bytes hashing to anything else are refused (e.g. an AT Protocol blob CID's digest). */
  expectSha256?: string
}

export class MediaHashMismatchError extends Error {
  override name = 'MediaHashMismatchError'
  constructor(
    readonly key: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`media ${key}: expected sha256 ${expected}, got ${actual}`)
  }
}

interface StagedMedia {
  key: string
  sha256: string
  size: number
  mime?: string
}

interface StagedFile extends HashedFile {
  member: string
  path: string
  compress: boolean
}

export class ArchiveWriter {
  readonly stagingDir: string
  readonly partialPath: string
  #lock: Lock
  #sinks = new Map<RecordKind, JsonlSink<unknown>>()
  #files = new Map<string, StagedFile>()
  /** Media staged by this or an earlier run: key -> bytes on disk. */
  #staged = new Map<string, StagedMedia>()
  /** sha256 values present in media/ of the staging dir. */
  #mediaFiles = new Set<string>()
  /** Keys already recorded in media.jsonl during this run. */
  #recorded = new Set<string>()
  #notes: string[] = []
  #finished = false

  private constructor(
    readonly options: ArchiveWriterOptions,
    lock: Lock,
  ) {
    this.stagingDir = `${options.path}.partial.d`
    this.partialPath = `${options.path}.partial`
    this.#lock = lock
  }

  /** Prepares staging (resuming an interrupted run's media) and takes the output's lock. */
  static async open(options: ArchiveWriterOptions): Promise<ArchiveWriter> {
    const exists = await stat(options.path).then(
      () => true,
      () => false,
    )
    if (exists && !options.force) {
      throw new UsageError(`${options.path} already exists.`, { hint: 'Choose another output name, or pass --force to replace it.' })
    }
    await mkdir(dirname(options.path), { recursive: true })
    const stagingDir = `${options.path}.partial.d`
    await ensurePrivateDir(stagingDir)
    await chmod(stagingDir, 0o700)
    const lock = await acquireLock(join(stagingDir, 'lock'), `The output ${options.path}`)
    const writer = new ArchiveWriter(options, lock)
    try {
      await writer.#prepare()
    } catch (error) {
      await lock.release()
      throw error
    }
    return writer
  }

  async #prepare(): Promise<void> {
    await rm(this.partialPath, { force: true })
    await rm(join(this.stagingDir, 'records'), { recursive: true, force: true })
    await rm(join(this.stagingDir, 'files'), { recursive: true, force: true })
    await rm(join(this.stagingDir, 'tmp'), { recursive: true, force: true })
    for (const sub of ['records', 'files', 'tmp', 'media']) await ensurePrivateDir(join(this.stagingDir, sub))
    const index = await readFile(join(this.stagingDir, 'media-staged.jsonl'), 'utf8').catch(() => '')
    for (const line of index.split('\n')) {
      if (!line) continue
      try {
        const entry = JSON.parse(line) as StagedMedia
        const onDisk = await stat(join(this.stagingDir, 'media', entry.sha256)).catch(() => null)
        if (onDisk?.size === entry.size) {
          this.#staged.set(entry.key, entry)
          this.#mediaFiles.add(entry.sha256)
        }
      } catch {
        // A torn last line from a killed run: that item is simply downloaded again.
      }
    }
  }

  /** Number of media items reusable from an interrupted earlier run. */
  get resumedMedia(): number {
    return this.#staged.size
  }

  sink<K extends RecordKind>(kind: K): JsonlSink<RecordsByKind[K]> {
    let sink = this.#sinks.get(kind)
    if (!sink) {
      sink = new JsonlSink(join(this.stagingDir, 'records', kindMember(kind)))
      this.#sinks.set(kind, sink)
    }
    return sink as JsonlSink<RecordsByKind[K]>
  }

  /** Declares a kind as exported, so that zero records show as count 0 rather than "absent". */
  declare(kind: RecordKind): void {
    this.sink(kind)
  }

  async write<K extends RecordKind>(kind: K, record: RecordsByKind[K]): Promise<void> {
    throwIfAborted(this.options.signal)
    await this.sink(kind).write(record)
  }

  async writeAll<K extends RecordKind>(kind: K, records: AsyncIterable<RecordsByKind[K]> | Iterable<RecordsByKind[K]>): Promise<number> {
    const sink = this.sink(kind)
    let n = 0
    for await (const record of records) {
      throwIfAborted(this.options.signal)
      await sink.write(record)
      n++
    }
    return n
  }

  note(text: string): void {
    this.#notes.push(text)
  }

  /** Whether media with this source key is already staged (by this run or an interrupted earlier one). */
  hasStagedMedia(key: string): boolean {
    return this.#staged.has(key)
  }

  /** If media with this source key is already staged, records it and returns its record; else undefined. */
  async reuseMedia(options: Omit<AddMediaOptions, 'expectSha256'>): Promise<MediaRecord | undefined> {
    if (!this.#staged.has(options.key)) return undefined
    return this.recordMedia(options)
  }

  /** Stages media bytes and appends its media.jsonl record (stageMedia + recordMedia). */
  async addMedia(body: ByteSource, options: AddMediaOptions): Promise<MediaRecord> {
    await this.stageMedia(body, options)
    return this.recordMedia(options)
  }

  /**
   * Stages media bytes (hashing while streaming) under the source key, deduplicated by sha256, without writing its
   * media.jsonl record yet: callers downloading concurrently stage in any order and record in a fixed order.
   */
  async stageMedia(body: ByteSource, options: Pick<AddMediaOptions, 'key' | 'expectSha256'> & { meta: { mime?: string } }): Promise<{ sha256: string; size: number }> {
    throwIfAborted(this.options.signal)
    const existing = this.#staged.get(options.key)
    if (existing) return existing
    const temp = join(this.stagingDir, 'tmp', randomBytes(8).toString('hex'))
    let hashed: HashedFile
    try {
      hashed = await writeHashedFile(temp, body)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    if (options.expectSha256 && options.expectSha256 !== hashed.sha256) {
      await rm(temp, { force: true })
      throw new MediaHashMismatchError(options.key, options.expectSha256, hashed.sha256)
    }
    if (this.#mediaFiles.has(hashed.sha256)) await rm(temp, { force: true })
    else {
      await rename(temp, join(this.stagingDir, 'media', hashed.sha256))
      this.#mediaFiles.add(hashed.sha256)
    }
    const staged: StagedMedia = { key: options.key, sha256: hashed.sha256, size: hashed.size, mime: options.meta.mime }
    this.#staged.set(options.key, staged)
    await appendFile(join(this.stagingDir, 'media-staged.jsonl'), JSON.stringify(staged) + '\n', { mode: PRIVATE_FILE_MODE })
    return staged
  }

  /** Appends the media.jsonl record of staged media (once per key; later calls return the same record). */
  async recordMedia(options: Omit<AddMediaOptions, 'expectSha256'>): Promise<MediaRecord> {
    const staged = this.#staged.get(options.key)
    if (!staged) throw new Error(`media ${options.key} was never staged`)
    return this.#record(options, staged)
  }

  async #record(options: Omit<AddMediaOptions, 'expectSha256'>, staged: StagedMedia): Promise<MediaRecord> {
    const record: MediaRecord = { sha256: staged.sha256, size: staged.size, ...options.meta }
    if (!this.#recorded.has(options.key)) {
      this.#recorded.add(options.key)
      await this.sink('media').write(record)
    }
    return record
  }

  /** Adds profile.json. */
  async setProfile(profile: ProfileRecord): Promise<void> {
    await this.addFile(PROFILE_NAME, JSON.stringify(profile, null, 2) + '\n', { compress: true })
  }

  /** Stages any other member (native/…, compat/…). */
  /** Returns the staged copy's path too: it stays unchanged until finish(), so callers may read it (e.g. index a CAR). */
  async addFile(member: string, body: ByteSource | string | Uint8Array, options: { compress?: boolean } = {}): Promise<HashedFile & { path: string }> {
    throwIfAborted(this.options.signal)
    const problem = memberNameProblem(member)
    if (problem) throw new Error(problem)
    if (member === MANIFEST_NAME || this.#files.has(member)) throw new Error(`member written twice: ${member}`)
    const path = join(this.stagingDir, 'files', sha256Hex(member))
    const source = typeof body === 'string' || body instanceof Uint8Array ? [typeof body === 'string' ? Buffer.from(body) : body] : body
    const hashed = await writeHashedFile(path, source as ByteSource)
    this.#files.set(member, { member, path, compress: options.compress ?? true, ...hashed })
    return { ...hashed, path }
  }

  /** Zips everything staged, manifest last, verifies, and renames into place. Returns the manifest. */
  async finish(): Promise<Manifest> {
    if (this.#finished) throw new Error('finish() called twice')
    this.#finished = true
    try {
      throwIfAborted(this.options.signal)
      const entries: StagedFile[] = []
      const counts: Record<string, number> = {}
      const profile = this.#files.get(PROFILE_NAME)
      if (profile) entries.push(profile)
      for (const kind of RECORD_KINDS) {
        const sink = this.#sinks.get(kind)
        if (!sink) continue
        const hashed = await sink.close()
        counts[kind] = sink.count
        entries.push({ member: kindMember(kind), path: sink.path, compress: true, ...hashed })
      }
      const mediaMime = new Map<string, string | undefined>()
      for (const staged of this.#staged.values()) {
        if (this.#recorded.has(staged.key) && !mediaMime.get(staged.sha256)) mediaMime.set(staged.sha256, staged.mime)
      }
      for (const [sha256, mime] of [...mediaMime].sort((a, b) => a[0].localeCompare(b[0]))) {
        const path = join(this.stagingDir, 'media', sha256)
        const { size } = await stat(path)
        entries.push({ member: mediaMember(sha256), path, sha256, size, compress: !isCompressedMime(mime) })
      }
      for (const file of [...this.#files.values()].filter((f) => f.member !== PROFILE_NAME).sort((a, b) => a.member.localeCompare(b.member))) {
        entries.push(file)
      }
      if (this.options.viewer ?? true) entries.push(...(await this.#viewerEntries(entries, new Set(mediaMime.keys()))))
      const manifest: Manifest = {
        format: ARCHIVE_FORMAT,
        version: ARCHIVE_VERSION,
        tool: { name: 'lifeboat', version: toolVersion() },
        createdAt: new Date().toISOString(),
        source: this.options.source,
        since: this.options.since ?? null,
        counts,
        members: Object.fromEntries(entries.map((e) => [e.member, { sha256: e.sha256, size: e.size }])),
        notes: this.#notes,
      }
      await this.#zip(entries, manifest)
      await verifyArchive(this.partialPath, { signal: this.options.signal, throwOnProblems: true })
      await rename(this.partialPath, this.options.path)
      await fsyncDirectory(dirname(this.options.path))
      await rm(this.stagingDir, { recursive: true, force: true })
      return manifest
    } catch (error) {
      await rm(this.partialPath, { force: true })
      await this.#lock.release()
      throw error
    }
  }

  /** The embedded viewer's members, built from the staged records; a failure costs the viewer, never the archive. */
  async #viewerEntries(entries: StagedFile[], media: Set<string>): Promise<StagedFile[]> {
    try {
      const kindPaths = new Map<RecordKind, string>()
      for (const kind of RECORD_KINDS) {
        const entry = entries.find((e) => e.member === kindMember(kind))
        if (entry) kindPaths.set(kind, entry.path)
      }
      const files = await stageViewer({
        source: this.options.source,
        kindPaths,
        profilePath: this.#files.get(PROFILE_NAME)?.path ?? null,
        media,
        postCount: this.#sinks.get('posts')?.count ?? 0,
        dir: join(this.stagingDir, 'viewer'),
      })
      return files.filter((f) => !this.#files.has(f.member)).map((f) => ({ ...f, compress: true }))
    } catch (error) {
      this.note(`viewer not embedded: ${(error as Error).message}`)
      return []
    }
  }

  async #zip(entries: StagedFile[], manifest: Manifest): Promise<void> {
    const handle = await open(this.partialPath, 'w', PRIVATE_FILE_MODE)
    const output = handle.createWriteStream()
    const zip = archiver('zip', { zlib: { level: 6 }, forceLocalTime: false })
    const done = new Promise<void>((resolve, reject) => {
      output.on('close', resolve)
      output.on('error', reject)
      zip.on('error', reject)
      zip.on('warning', reject)
    })
    const onAbort = () => zip.abort()
    this.options.signal?.addEventListener('abort', onAbort, { once: true })
    zip.pipe(output)
    const date = new Date(manifest.createdAt)
    // One member at a time: each read stream is opened only when archiver is ready for it, so the number of open
    // files and buffered bytes does not grow with the number of members.
    for (const entry of entries) {
      const added = once(zip, 'entry')
      zip.append(createReadStream(entry.path), { name: entry.member, store: !entry.compress, date, mode: 0o600 })
      await Promise.race([added, done])
      throwIfAborted(this.options.signal)
    }
    zip.append(Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), { name: MANIFEST_NAME, date, mode: 0o600 })
    await zip.finalize()
    await done
    this.options.signal?.removeEventListener('abort', onAbort)
    throwIfAborted(this.options.signal)
    const sync = await open(this.partialPath, 'r+')
    await sync.sync()
    await sync.close()
  }

  /** Stops without producing an archive. The zip is removed; staged media stay for a resumed run. */
  async abort(): Promise<void> {
    if (!this.#finished) {
      this.#finished = true
      for (const sink of this.#sinks.values()) await sink.close().catch(() => undefined)
    }
    await rm(this.partialPath, { force: true })
    await this.#lock.release()
  }
}
