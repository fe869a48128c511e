// ArchiveReader: the only code that opens Lifeboat archives. The format version is checked before anything else,
// and no byte is handed out from a member that breaks the safety rules of docs/archive-format.md §8.
import { createInterface } from 'node:readline'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { BadArchiveError, NotFoundError } from '../errors.js'
import {
  ARCHIVE_FORMAT,
  MANIFEST_NAME,
  MAX_MANIFEST_BYTES,
  SUPPORTED_VERSIONS,
  kindMember,
  memberNameProblem,
  type RecordKind,
} from './format.js'
import type { Manifest, RecordsByKind } from './records.js'

export interface MemberInfo {
  name: string
  compressedSize: number
  size: number
  entry: Entry
}

export interface OpenArchiveOptions {
  /** Throw on any structural problem (default). verify opens with strict=false to list every problem. */
  strict?: boolean
}

const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) reject(error ?? new Error('cannot open zip'))
      else resolve(zip)
    })
  })
}

function listEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = []
    zip.on('entry', (entry: Entry) => {
      entries.push(entry)
      zip.readEntry()
    })
    zip.once('end', () => resolve(entries))
    zip.once('error', reject)
    zip.readEntry()
  })
}

function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer | string
  return typeof raw === 'string' ? raw : raw.toString('utf8')
}

/** Refuses to pass more than `limit` bytes: the guard against members that inflate beyond their declared size. */
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

export class ArchiveReader {
  readonly members = new Map<string, MemberInfo>()
  readonly problems: string[] = []

  private constructor(
    readonly path: string,
    readonly manifest: Manifest,
    private readonly zip: ZipFile,
  ) {}

  static async open(path: string, options: OpenArchiveOptions = {}): Promise<ArchiveReader> {
    let zip: ZipFile
    let entries: Entry[]
    try {
      zip = await openZip(path)
      entries = await listEntries(zip)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new NotFoundError(`${path} does not exist.`, { hint: 'Check the path of the archive.' })
      throw new BadArchiveError(`${path} is not a readable zip archive (${(error as Error).message}).`, {
        hint: 'The file is damaged or is not a Lifeboat archive; use another copy.',
        cause: error,
      })
    }
    const manifestEntry = entries.find((e) => entryName(e) === MANIFEST_NAME)
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
    reader.#index(entries)
    if ((options.strict ?? true) && reader.problems.length > 0) {
      reader.close()
      throw new BadArchiveError(`${path} is unsafe or damaged: ${reader.problems[0]}${reader.problems.length > 1 ? ` (and ${reader.problems.length - 1} more)` : ''}.`, {
        hint: `Run \`lifeboat verify ${path}\` to list every problem; use another copy of the archive.`,
        problems: reader.problems,
      })
    }
    return reader
  }

  #index(entries: Entry[]): void {
    const seen = new Set<string>()
    for (const entry of entries) {
      const name = entryName(entry)
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
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT
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
      if (declared.size !== entry.uncompressedSize) {
        this.problems.push(`size of ${name} is ${entry.uncompressedSize} bytes, the manifest says ${declared.size}`)
        continue
      }
      this.members.set(name, { name, compressedSize: entry.compressedSize, size: entry.uncompressedSize, entry })
    }
    for (const name of Object.keys(this.manifest.members)) {
      const problem = memberNameProblem(name)
      if (problem) this.problems.push(`manifest lists an unsafe name: ${problem}`)
      else if (!seen.has(name)) this.problems.push(`missing member listed in the manifest: ${name}`)
    }
  }

  has(member: string): boolean {
    return this.members.has(member)
  }

  /** A stream of the member's bytes, cut off with an error beyond the declared size. */
  async openMember(member: string): Promise<Readable> {
    const info = this.members.get(member)
    if (!info) throw new BadArchiveError(`${this.path} has no usable member ${member}.`)
    const stream = await new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStream(info.entry, (error, s) => (error || !s ? reject(error ?? new Error('no stream')) : resolve(s)))
    })
    const limited = new ByteLimit(info.size, member)
    stream.on('error', (error) => limited.destroy(new BadArchiveError(`${member} is damaged: ${error.message}`, { cause: error })))
    return stream.pipe(limited)
  }

  async readJson<T>(member: string): Promise<T> {
    const chunks: Buffer[] = []
    for await (const chunk of await this.openMember(member)) chunks.push(chunk as Buffer)
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T
    } catch (error) {
      throw new BadArchiveError(`${member} in ${this.path} is not valid JSON.`, { cause: error })
    }
  }

  /** Streams the records of one kind; yields nothing if the archive has none. */
  async *records<K extends RecordKind>(kind: K): AsyncGenerator<RecordsByKind[K]> {
    const member = kindMember(kind)
    if (!this.has(member)) return
    const lines = createInterface({ input: await this.openMember(member), crlfDelay: Infinity })
    let n = 0
    for await (const line of lines) {
      n++
      if (line.length === 0) continue
      try {
        yield JSON.parse(line) as RecordsByKind[K]
      } catch (error) {
        throw new BadArchiveError(`${member} line ${n} in ${this.path} is not valid JSON.`, { cause: error })
      }
    }
  }

  close(): void {
    this.zip.close()
  }
}

async function readManifest(zip: ZipFile, entry: Entry, path: string): Promise<Manifest> {
  if (entry.uncompressedSize > MAX_MANIFEST_BYTES) throw new BadArchiveError(`${path}: ${MANIFEST_NAME} is implausibly large.`)
  const stream = await new Promise<Readable>((resolve, reject) => {
    zip.openReadStream(entry, (error, s) => (error || !s ? reject(error ?? new Error('no stream')) : resolve(s)))
  })
  const chunks: Buffer[] = []
  try {
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
  if (!manifest.members || typeof manifest.members !== 'object') throw new BadArchiveError(`${path}: ${MANIFEST_NAME} lists no members.`)
  return manifest
}
