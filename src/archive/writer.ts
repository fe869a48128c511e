// ArchiveWriter: the only code that creates Lifeboat archives (docs/archive-format.md §3).
//
// Members are staged in `<archive>.partial.d/` (sha256, size and CRC-32 computed as they are written), then zipped
// in one pass into `<archive>.partial` with the manifest last (ZipWriter checks each copy against the CRC-32 taken
// while staging), fsynced, checked by reading its central directory and manifest back (docs/archive-format.md §3.4)
// and renamed. Staged media survive an interrupted run: the next run with the same output reuses them by source key,
// so a resumed export downloads each file once.
import { constants, createReadStream } from 'node:fs'
import { lstat, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { createHash, randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { crc32 } from 'node:zlib'
import { isDeepStrictEqual } from 'node:util'
import { BadArchiveError, DiskFullError, UsageError, throwIfAborted } from '../errors.js'
import { acquireLock, type Lock } from '../files/lock.js'
import { APPEND_NO_FOLLOW, fsyncDirectory, privateDirHere, PRIVATE_FILE_MODE, UnsafeDirError } from '../files/atomic-file.js'
import { writeFully, writeHashedFile, sha256Hex, type ByteSource, type HashedFile } from '../files/hashing.js'
import { diskFullError, isDiskFull } from '../files/disk-full.js'
import { ZipWriter, type ZipWrittenEntry } from '../files/zip-writer.js'
import { validators, type Validators } from './validate.js'
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  MANIFEST_NAME,
  MAX_RECORD_LINE_BYTES,
  PROFILE_NAME,
  RECORD_KINDS,
  isCompressedMime,
  kindMember,
  mediaMember,
  memberNameProblem,
  type RecordKind,
} from './format.js'
import { JsonlSink } from './jsonl-sink.js'
import { splitLines } from './lines.js'
import { toolVersion } from '../version.js'
import type { Manifest, MediaRecord, ProfileRecord, RecordsByKind } from './records.js'
import { ArchiveReader } from './reader.js'
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
  /** sha256 values present in media/ of the staging dir -> the CRC-32 of the same bytes. */
  #mediaFiles = new Map<string, number>()
  /** Keys already recorded in media.jsonl during this run. */
  #recorded = new Set<string>()
  #notes: string[] = []
  #finished = false
  #checks: Validators
  /** media-staged.jsonl, open for appending: which source key is staged as which sha256 (the resume index). */
  #index: FileHandle | null = null
  #diskFull: DiskFullError | null = null

  private constructor(
    readonly options: ArchiveWriterOptions,
    lock: Lock,
    checks: Validators,
  ) {
    this.stagingDir = `${options.path}.partial.d`
    this.partialPath = `${options.path}.partial`
    this.#lock = lock
    this.#checks = checks
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
    const folder = dirname(options.path)
    const checks = await validators()
    const stagingDir = `${options.path}.partial.d`
    let lock: Lock
    try {
      await mkdir(folder, { recursive: true })
      await privateDirHere(stagingDir)
      lock = await acquireLock(join(stagingDir, 'lock'), `The output ${options.path}`)
    } catch (error) {
      throw await ArchiveWriter.#mapError(error, folder)
    }
    const writer = new ArchiveWriter(options, lock, checks)
    try {
      await writer.#prepare()
    } catch (error) {
      await writer.#closeIndex()
      await lock.release()
      throw await ArchiveWriter.#mapError(error, folder)
    }
    return writer
  }

  /** A planted link or a full disk becomes the user's error (exit 2 or 13); anything else passes unchanged. */
  static async #mapError(error: unknown, folder: string, needed?: number): Promise<unknown> {
    if (error instanceof UnsafeDirError) {
      return new UsageError(`${error.path} ${error.reason}: Lifeboat stages the archive there and never follows a link or uses a folder it did not create.`, {
        hint: 'Remove it if it is yours, or choose another output name.',
      })
    }
    if (isDiskFull(error)) return diskFullError(error, folder, needed)
    return error
  }

  /**
   * Runs one write step. A full disk poisons the writer: this and every later call (finish included) throws the same
   * DiskFullError, so an adapter that counts a failed download as one failed item still ends the run with exit 13.
   */
  async #writing<T>(fn: () => Promise<T>, needed?: number): Promise<T> {
    if (this.#diskFull) throw this.#diskFull
    try {
      return await fn()
    } catch (error) {
      if (!isDiskFull(error)) throw error
      this.#diskFull ??= (await ArchiveWriter.#mapError(error, dirname(this.options.path), needed)) as DiskFullError
      throw this.#diskFull
    }
  }

  /** Opens a staging file for reading, refusing a symbolic link. */
  async #readStaged(path: string): Promise<string> {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null
      if (error.code === 'ELOOP') throw new UnsafeDirError(path, 'is a symbolic link')
      throw error
    })
    if (!handle) return ''
    try {
      return await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
  }

  async #prepare(): Promise<void> {
    // rm never follows a link: it removes a planted one itself.
    await rm(this.partialPath, { force: true })
    await rm(join(this.stagingDir, 'records'), { recursive: true, force: true })
    await rm(join(this.stagingDir, 'files'), { recursive: true, force: true })
    await rm(join(this.stagingDir, 'tmp'), { recursive: true, force: true })
    for (const sub of ['records', 'files', 'tmp', 'media']) await privateDirHere(join(this.stagingDir, sub))
    const indexPath = join(this.stagingDir, 'media-staged.jsonl')
    const index = await this.#readStaged(indexPath)
    for (const line of index.split('\n')) {
      if (!line) continue
      let entry: StagedMedia
      try {
        entry = JSON.parse(line) as StagedMedia
      } catch {
        continue // A torn last line from a killed run: that item is simply downloaded again.
      }
      if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256) || typeof entry.key !== 'string') continue
      if (!this.#mediaFiles.has(entry.sha256)) {
        // Staged media are written without an fsync each: a file is reused only if its bytes still hash to its name,
        // so a file torn by a crash of the machine is downloaded again rather than zipped.
        const crc = await this.#stagedMediaIntact(entry.sha256, entry.size)
        if (crc === null) continue
        this.#mediaFiles.set(entry.sha256, crc)
      }
      this.#staged.set(entry.key, entry)
    }
    this.#index = await open(indexPath, APPEND_NO_FOLLOW, PRIVATE_FILE_MODE)
  }

  /** The staged file's CRC-32 if its bytes still hash to its name and size, else null. */
  async #stagedMediaIntact(sha256: string, size: number): Promise<number | null> {
    const path = join(this.stagingDir, 'media', sha256)
    const info = await lstat(path).catch(() => null)
    if (!info?.isFile() || info.size !== size) return null
    const hash = createHash('sha256')
    let crc = 0
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      hash.update(chunk as Buffer)
      crc = crc32(chunk as Buffer, crc)
    }
    return hash.digest('hex') === sha256 ? crc : null
  }

  async #closeIndex(): Promise<void> {
    const index = this.#index
    this.#index = null
    await index?.close().catch(() => undefined)
  }

  /** Number of media items reusable from an interrupted earlier run. */
  get resumedMedia(): number {
    return this.#staged.size
  }

  sink<K extends RecordKind>(kind: K): JsonlSink<RecordsByKind[K]> {
    let sink = this.#sinks.get(kind)
    if (!sink) {
      sink = new JsonlSink(join(this.stagingDir, 'records', kindMember(kind)), this.#checks.record(kind))
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
    await this.#writing(() => this.sink(kind).write(record))
  }

  /** The record's line, checked now, for writeCheckedLines() later (JsonlSink.line). */
  checkedLine<K extends RecordKind>(kind: K, record: RecordsByKind[K]): string {
    return this.sink(kind).line(record)
  }

  /** Appends `count` lines that checkedLine(kind, …) made, each followed by `\n` (JsonlSink.writeLines). */
  async writeCheckedLines(kind: RecordKind, bytes: Uint8Array, count: number): Promise<void> {
    throwIfAborted(this.options.signal)
    await this.#writing(() => this.sink(kind).writeLines(bytes, count))
  }

  /**
   * The records of `kind` written so far, read back from staging one line at a time, so that files derived from them
   * (compat/, docs/archive-format.md §6) are made from what the archive holds without anyone keeping the records in
   * memory. Lines end at `\n` only (JSON.stringify leaves U+2028 and U+2029 raw in strings). Records written while
   * this is being read are not included; a kind never written or declared has none. Usable until finish().
   */
  async *staged<K extends RecordKind>(kind: K): AsyncGenerator<RecordsByKind[K]> {
    if (this.#finished) throw new Error('the archive writer is finished')
    const sink = this.#sinks.get(kind)
    if (!sink) return
    await this.#writing(() => sink.flush())
    const size = sink.size
    if (size === 0) return
    const handle = await open(sink.path, constants.O_RDONLY | constants.O_NOFOLLOW)
    // The stream owns the handle and closes it when it ends or when the caller stops iterating early.
    const stream = handle.createReadStream({ start: 0, end: size - 1, highWaterMark: 256 * 1024 })
    for await (const line of splitLines(stream, MAX_RECORD_LINE_BYTES)) yield JSON.parse(line.text) as RecordsByKind[K]
  }

  async writeAll<K extends RecordKind>(kind: K, records: AsyncIterable<RecordsByKind[K]> | Iterable<RecordsByKind[K]>): Promise<number> {
    const sink = this.sink(kind)
    let n = 0
    for await (const record of records) {
      throwIfAborted(this.options.signal)
      await this.#writing(() => sink.write(record))
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

  /** The staged media under this source key (by this run or an interrupted earlier one), without recording it. */
  stagedMedia(key: string): { sha256: string; size: number; mime?: string } | undefined {
    const staged = this.#staged.get(key)
    return staged && { sha256: staged.sha256, size: staged.size, ...(staged.mime !== undefined ? { mime: staged.mime } : {}) }
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
      hashed = await this.#writing(() => writeHashedFile(temp, body, { sync: false }))
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
      this.#mediaFiles.set(hashed.sha256, hashed.crc32)
    }
    const staged: StagedMedia = { key: options.key, sha256: hashed.sha256, size: hashed.size, mime: options.meta.mime }
    this.#staged.set(options.key, staged)
    const index = this.#index
    if (!index) throw new Error('the archive writer is closed')
    await this.#writing(() => writeFully(index, Buffer.from(JSON.stringify(staged) + '\n')))
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
    const hashed = await this.#writing(() => writeHashedFile(path, source as ByteSource))
    this.#files.set(member, { member, path, compress: options.compress ?? true, ...hashed })
    return { ...hashed, path }
  }

  /** Zips everything staged, manifest last, verifies, and renames into place. Returns the manifest. */
  async finish(): Promise<Manifest> {
    if (this.#finished) throw new Error('finish() called twice')
    this.#finished = true
    try {
      throwIfAborted(this.options.signal)
      if (this.#diskFull) throw this.#diskFull
      const entries: StagedFile[] = []
      const counts: Record<string, number> = {}
      const profile = this.#files.get(PROFILE_NAME)
      if (profile) entries.push(profile)
      for (const kind of RECORD_KINDS) {
        const sink = this.#sinks.get(kind)
        if (!sink) continue
        const hashed = await this.#writing(() => sink.close())
        counts[kind] = sink.count
        entries.push({ member: kindMember(kind), path: sink.path, compress: true, ...hashed })
      }
      const mediaMime = new Map<string, string | undefined>()
      for (const staged of this.#staged.values()) {
        if (this.#recorded.has(staged.key) && !mediaMime.get(staged.sha256)) mediaMime.set(staged.sha256, staged.mime)
      }
      for (const [sha256, mime] of [...mediaMime].sort((a, b) => a[0].localeCompare(b[0]))) {
        const path = join(this.stagingDir, 'media', sha256)
        const { size } = await lstat(path)
        entries.push({ member: mediaMember(sha256), path, sha256, size, crc32: this.#mediaFiles.get(sha256)!, compress: !isCompressedMime(mime) })
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
      // The zip needs at most about the staged bytes (deflate only shrinks them) plus headers.
      const needed = entries.reduce((sum, e) => sum + e.size, 0)
      const written = await this.#writing(() => this.#zip(entries, manifest), needed)
      await this.#checkWritten(written, manifest)
      await rename(this.partialPath, this.options.path)
      await fsyncDirectory(dirname(this.options.path))
      await this.#closeIndex()
      await rm(this.stagingDir, { recursive: true, force: true })
      return manifest
    } catch (error) {
      // The zip goes (it frees the space a full disk needs); the staging folder stays for the rerun to resume.
      await rm(this.partialPath, { force: true })
      for (const sink of this.#sinks.values()) await sink.close().catch(() => undefined)
      await this.#closeIndex()
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

  /** Writes the zip (each member checked against the CRC-32 taken while staging), fsynced; returns what it wrote. */
  async #zip(entries: StagedFile[], manifest: Manifest): Promise<readonly ZipWrittenEntry[]> {
    const signal = this.options.signal
    const zip = await ZipWriter.create(this.partialPath, new Date(manifest.createdAt))
    try {
      for (const entry of entries) {
        throwIfAborted(signal)
        await zip.add({ name: entry.member, path: entry.path, size: entry.size, crc32: entry.crc32, compress: entry.compress }, signal)
      }
      const data = Buffer.from(JSON.stringify(manifest, null, 2) + '\n')
      await zip.add({ name: MANIFEST_NAME, data, size: data.length, crc32: crc32(data), compress: true }, signal)
      throwIfAborted(signal)
      return await zip.finish()
    } catch (error) {
      await zip.close()
      // An abort can surface from inside a read as the signal's reason or as AbortError: both mean interrupted.
      throwIfAborted(signal)
      throw error
    }
  }

  /**
   * The check before the rename (docs/archive-format.md §3.4): the zip is opened as any reader opens it (central
   * directory, overlap check, manifest against its schema, every member listed), and the central directory must show
   * exactly the members written, in order, with the CRC-32, sizes and offsets written, and the manifest read back
   * must be the one written. The members' bytes were checked as they were copied in (ZipWriter); reading them all
   * again would only read back the page cache.
   */
  async #checkWritten(written: readonly ZipWrittenEntry[], manifest: Manifest): Promise<void> {
    const reader = await ArchiveReader.open(this.partialPath)
    try {
      const fail = (problem: string) => {
        throw new BadArchiveError(`${this.partialPath} failed verification: ${problem}`, { problems: [problem] })
      }
      if (!isDeepStrictEqual(reader.manifest, JSON.parse(JSON.stringify(manifest)))) fail('the manifest read back differs from the one written')
      const found = reader.entries
      if (found.length !== written.length) fail(`the zip lists ${found.length} members, ${written.length} were written`)
      for (const [i, w] of written.entries()) {
        const e = found[i]!.entry
        if (
          found[i]!.name !== w.name ||
          e.crc32 !== w.crc32 ||
          e.uncompressedSize !== w.size ||
          e.compressedSize !== w.compressedSize ||
          e.compressionMethod !== w.method ||
          e.relativeOffsetOfLocalHeader !== w.offset
        ) {
          fail(`member ${i + 1} (${w.name}) reads back differently from how it was written`)
        }
      }
    } finally {
      reader.close()
    }
  }

  /** Stops without producing an archive. The zip is removed; staged media stay for a resumed run. */
  async abort(): Promise<void> {
    if (!this.#finished) {
      this.#finished = true
      for (const sink of this.#sinks.values()) await sink.close().catch(() => undefined)
    }
    await this.#closeIndex()
    await rm(this.partialPath, { force: true })
    await this.#lock.release()
  }
}
