// ArchiveReader: the only code that opens Lifeboat archives. The format version is checked before anything else,
// and no byte is handed out from a member that breaks the safety rules of docs/archive-format.md §8.
import { createHash } from 'node:crypto'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { BadArchiveError, NotFoundError } from '../errors.js'
import { ZipReader, S_IFDIR, S_IFREG, type ZipEntry } from '../files/zip-reader.js'
import {
  ARCHIVE_FORMAT,
  MANIFEST_NAME,
  MAX_JSON_MEMBER_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_RECORD_LINE_BYTES,
  SUPPORTED_VERSIONS,
  kindMember,
  memberNameProblem,
  type RecordKind,
} from './format.js'
import { LineTooLongError, splitLines, type Line } from './lines.js'
import type { Manifest, RecordsByKind } from './records.js'
import { validators, type Check } from './validate.js'

export interface MemberInfo {
  name: string
  compressedSize: number
  size: number
  entry: ZipEntry
}

export interface OpenArchiveOptions {
  /** Throw on any structural problem (default). verify opens with strict=false to list every problem. */
  strict?: boolean
}

/**
 * Passes a member's bytes on while checking them against the manifest: more than the declared size is refused as soon
 * as it shows (the guard against members that inflate), and at the end a short member or one whose sha256 is not the
 * manifest's is an error, so a reader of the whole stream never takes damaged or substituted bytes as sound. The error
 * comes with the last chunk: a consumer that acts on the bytes before the end (a restore handing a CAR to a PDS)
 * must wait for the stream to finish without error first.
 */
class MemberCheck extends Transform {
  #seen = 0
  readonly #hash = createHash('sha256')
  constructor(
    readonly declared: { size: number; sha256?: string },
    readonly member: string,
    readonly archive: string,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length
    if (this.#seen > this.declared.size) return callback(new BadArchiveError(`${this.member} in ${this.archive} inflates beyond its declared ${this.declared.size} bytes.`, { hint: DAMAGED_HINT }))
    this.#hash.update(chunk)
    callback(null, chunk)
  }
  override _flush(callback: TransformCallback): void {
    if (this.#seen !== this.declared.size) return callback(new BadArchiveError(`${this.member} in ${this.archive} has ${this.#seen} bytes, the manifest says ${this.declared.size}.`, { hint: DAMAGED_HINT }))
    if (this.declared.sha256 !== undefined && this.#hash.digest('hex') !== this.declared.sha256) {
      return callback(new BadArchiveError(`${this.member} in ${this.archive} is damaged: its sha256 is not the one the manifest records.`, { hint: DAMAGED_HINT }))
    }
    callback()
  }
}

/** Refuses to pass more than `limit` bytes (the manifest, which has no hash of its own). */
class ByteLimit extends Transform {
  #seen = 0
  constructor(
    readonly limit: number,
    readonly member: string,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length
    if (this.#seen > this.limit) callback(new BadArchiveError(`${this.member} inflates beyond its declared ${this.limit} bytes.`))
    else callback(null, chunk)
  }
}

const DAMAGED_HINT = 'The archive is damaged or was altered; run `lifeboat verify` on it, or use another copy.'

/**
 * Parses one line of `<kind>.jsonl` and checks it against the kind's schema; a bad line is exit 12 naming the member
 * and line. The one place where record lines become records, for readers and verify alike.
 */
export function parseRecordLine<K extends RecordKind>(archive: string, kind: K, line: Line, check: Check): RecordsByKind[K] {
  const member = kindMember(kind)
  let value: unknown
  try {
    value = JSON.parse(line.text)
  } catch (error) {
    throw new BadArchiveError(`${member} line ${line.number} in ${archive} is not valid JSON.`, { hint: 'The archive is damaged; use another copy.', cause: error })
  }
  const problem = check(value)
  if (problem) throw new BadArchiveError(`${member} line ${line.number} in ${archive} is not a ${kind} record: ${problem}.`, { hint: 'The archive is damaged or was not written by Lifeboat; use another copy.' })
  return value as RecordsByKind[K]
}

/** The lines of a record member, refusing one longer than MAX_RECORD_LINE_BYTES with exit 12. */
export async function* recordLines(archive: string, member: string, stream: AsyncIterable<unknown>, maxBytes = MAX_RECORD_LINE_BYTES): AsyncGenerator<Line> {
  try {
    yield* splitLines(stream, maxBytes)
  } catch (error) {
    if (error instanceof LineTooLongError) {
      throw new BadArchiveError(`${member} ${error.message} in ${archive}.`, { hint: 'No Lifeboat record is that large: the archive is damaged or hostile; use another copy.' })
    }
    throw error
  }
}

export class ArchiveReader {
  readonly members = new Map<string, MemberInfo>()
  readonly problems: string[] = []

  private constructor(
    readonly path: string,
    readonly manifest: Manifest,
    private readonly zip: ZipReader,
  ) {}

  static async open(path: string, options: OpenArchiveOptions = {}): Promise<ArchiveReader> {
    let zip: ZipReader
    try {
      zip = await ZipReader.open(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new NotFoundError(`${path} does not exist.`, { hint: 'Check the path of the archive.' })
      throw new BadArchiveError(`${path} is not a readable zip archive (${(error as Error).message}).`, {
        hint: 'The file is damaged or is not a Lifeboat archive; use another copy.',
        cause: error,
      })
    }
    if (zip.overlaps.length > 0) {
      // Refused before any byte is inflated: overlapping entries are how a small zip keeps a reader busy for hours.
      zip.close()
      throw new BadArchiveError(`${path} is hostile or damaged: ${zip.overlaps[0]}${zip.overlaps.length > 1 ? ` (and ${zip.overlaps.length - 1} more)` : ''}.`, {
        hint: 'No zip writer produces overlapping entries; use another copy of the archive.',
        problems: zip.overlaps,
      })
    }
    const manifestEntry = zip.entries.find((e) => e.name === MANIFEST_NAME)
    if (!manifestEntry) {
      zip.close()
      throw new BadArchiveError(`${path} has no ${MANIFEST_NAME}: it is not a Lifeboat archive, or its writing never finished.`, {
        hint: 'Use a complete archive; an interrupted export leaves only .partial files, and rerunning it finishes the job.',
      })
    }
    const manifest = await readManifest(zip, manifestEntry, path).catch((error) => {
      zip.close()
      throw error
    })
    const reader = new ArchiveReader(path, manifest, zip)
    reader.#index(zip.entries)
    if ((options.strict ?? true) && reader.problems.length > 0) {
      reader.close()
      throw new BadArchiveError(`${path} is unsafe or damaged: ${reader.problems[0]}${reader.problems.length > 1 ? ` (and ${reader.problems.length - 1} more)` : ''}.`, {
        hint: `Run \`lifeboat verify ${path}\` to list every problem; use another copy of the archive.`,
        problems: reader.problems,
      })
    }
    return reader
  }

  #index(entries: ZipEntry[]): void {
    const seen = new Set<string>()
    for (const entry of entries) {
      const name = entry.name
      const nameProblem = memberNameProblem(name)
      if (nameProblem) {
        this.problems.push(nameProblem)
        continue
      }
      if (seen.has(name)) {
        this.problems.push(`duplicate member: ${name}`)
        continue
      }
      seen.add(name)
      const mode = entry.type
      if (mode !== 0 && mode !== S_IFREG && mode !== S_IFDIR) {
        this.problems.push(`member is a link or special file: ${name}`)
        continue
      }
      if (name.endsWith('/') || name === MANIFEST_NAME) continue
      const declared = this.manifest.members[name]
      if (!declared) {
        this.problems.push(`extra member not listed in the manifest: ${name}`)
        continue
      }
      if (declared.size !== entry.size) {
        this.problems.push(`size of ${name} is ${entry.size} bytes, the manifest says ${declared.size}`)
        continue
      }
      this.members.set(name, { name, compressedSize: entry.compressedSize, size: entry.size, entry })
    }
    for (const name of Object.keys(this.manifest.members)) {
      const problem = memberNameProblem(name)
      if (problem) this.problems.push(`manifest lists an unsafe name: ${problem}`)
      else if (!seen.has(name)) this.problems.push(`missing member listed in the manifest: ${name}`)
    }
  }

  /** Every entry of the zip's central directory, in its order (the manifest included). */
  get entries(): readonly ZipEntry[] {
    return this.zip.entries
  }

  has(member: string): boolean {
    return this.members.has(member)
  }

  /**
   * A stream of the member's bytes, checked against the manifest (MemberCheck): it fails beyond the declared size at
   * once, and at its end when the size or the sha256 differ. `check: false` (verify, which hashes and reports every
   * problem itself) keeps only the size limit.
   */
  async openMember(member: string, options: { check?: boolean } = {}): Promise<Readable> {
    const info = this.members.get(member)
    if (!info) throw new BadArchiveError(`${this.path} has no usable member ${member}.`)
    const stream = await this.zip.openEntry(info.entry.entry).catch((error: Error) => {
      throw new BadArchiveError(`${member} in ${this.path} is damaged: ${error.message}.`, { hint: 'Use another copy of the archive.', cause: error })
    })
    const declared = this.manifest.members[member]
    const checked = (options.check ?? true) && declared ? new MemberCheck(declared, member, this.path) : new ByteLimit(info.size, member)
    stream.on('error', (error) => checked.destroy(new BadArchiveError(`${member} is damaged: ${error.message}`, { cause: error })))
    return stream.pipe(checked)
  }

  /** Parses a JSON member (profile.json, native/…/*.json) of at most MAX_JSON_MEMBER_BYTES. */
  async readJson<T>(member: string): Promise<T> {
    const info = this.members.get(member)
    if (info && info.size > MAX_JSON_MEMBER_BYTES) {
      throw new BadArchiveError(`${member} in ${this.path} is ${info.size} bytes, over the limit of ${MAX_JSON_MEMBER_BYTES} for a JSON member.`, { hint: 'The archive is damaged or hostile; use another copy.' })
    }
    const chunks: Buffer[] = []
    for await (const chunk of await this.openMember(member)) chunks.push(chunk as Buffer)
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T
    } catch (error) {
      throw new BadArchiveError(`${member} in ${this.path} is not valid JSON.`, { cause: error })
    }
  }

  /** Streams the records of one kind, each checked against its schema; yields nothing if the archive has none. */
  async *records<K extends RecordKind>(kind: K): AsyncGenerator<RecordsByKind[K]> {
    const member = kindMember(kind)
    if (!this.has(member)) return
    const check = (await validators()).record(kind)
    for await (const line of recordLines(this.path, member, await this.openMember(member))) {
      if (line.text.length === 0) continue
      yield parseRecordLine(this.path, kind, line, check)
    }
  }

  close(): void {
    this.zip.close()
  }
}

async function readManifest(zip: ZipReader, entry: ZipEntry, path: string): Promise<Manifest> {
  if (entry.size > MAX_MANIFEST_BYTES) throw new BadArchiveError(`${path}: ${MANIFEST_NAME} is implausibly large.`)
  const chunks: Buffer[] = []
  try {
    const stream = await zip.openEntry(entry.entry)
    for await (const chunk of stream.pipe(new ByteLimit(MAX_MANIFEST_BYTES, MANIFEST_NAME))) chunks.push(chunk as Buffer)
  } catch (error) {
    throw new BadArchiveError(`${path}: ${MANIFEST_NAME} is damaged (${(error as Error).message}).`, { cause: error })
  }
  let manifest: Manifest
  try {
    manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest
  } catch (error) {
    throw new BadArchiveError(`${path}: ${MANIFEST_NAME} is not valid JSON.`, { hint: 'The archive is damaged; use another copy.', cause: error })
  }
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== ARCHIVE_FORMAT) {
    throw new BadArchiveError(`${path} is not a Lifeboat archive (format ${JSON.stringify((manifest as Manifest | null)?.format)}).`, {
      hint: 'Give Lifeboat an archive it wrote.',
    })
  }
  if (!SUPPORTED_VERSIONS.includes(manifest.version)) {
    throw new BadArchiveError(`${path} uses archive format version ${JSON.stringify(manifest.version)}; this Lifeboat reads version ${SUPPORTED_VERSIONS.join(', ')}.`, {
      hint: 'Use a newer Lifeboat to read this archive.',
    })
  }
  const problem = (await validators()).manifest(manifest)
  if (problem) throw new BadArchiveError(`${path}: ${MANIFEST_NAME} is malformed: ${problem}.`, { hint: 'The archive is damaged or was not written by Lifeboat; use another copy.' })
  return manifest
}
