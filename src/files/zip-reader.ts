// The one wrapper around yauzl: opens a zip for random access, lists its central directory, and refuses entries
// whose bytes overlap. Overlap is how "zip bombs" of many central-directory records pointing at the same bytes make
// a small file cost hours to check; no honest writer produces it. Callers decide what a problem means to them
// (ArchiveReader: exit 12; the Mastodon importer: the same), so this module only reports plain facts.
import type { Readable } from 'node:stream'
import yauzl, { type Entry, type ZipFile } from 'yauzl'

export const S_IFMT = 0o170000
export const S_IFREG = 0o100000
export const S_IFDIR = 0o040000

/** Bytes of a local file header before its name (APPNOTE 4.3.7). */
const LOCAL_HEADER_BYTES = 30

export interface ZipEntry {
  name: string
  /** The Unix file type bits of the external attributes (0 when the zip was made elsewhere). */
  type: number
  compressedSize: number
  size: number
  entry: Entry
}

export function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer | string
  return typeof raw === 'string' ? raw : raw.toString('utf8')
}

export class ZipReader {
  /** Entries in central-directory order. */
  readonly entries: ZipEntry[]
  /** Overlapping entries found in the central directory, one line each; empty for an honest zip. */
  readonly overlaps: string[]
  /** Per entry: the offset its bytes must end before (the next local header, or the end of the file). */
  #limits = new Map<Entry, number>()

  private constructor(
    readonly path: string,
    private readonly zip: ZipFile,
    entries: Entry[],
  ) {
    this.entries = entries.map((entry) => ({
      name: entryName(entry),
      type: (entry.externalFileAttributes >>> 16) & S_IFMT,
      compressedSize: entry.compressedSize,
      size: entry.uncompressedSize,
      entry,
    }))
    this.overlaps = this.#findOverlaps(entries)
  }

  /** Opens and lists the zip; rejects with yauzl's or the file system's error when it is not a readable zip. */
  static async open(path: string): Promise<ZipReader> {
    const zip = await new Promise<ZipFile>((resolve, reject) => {
      yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, z) => (error || !z ? reject(error ?? new Error('cannot open zip')) : resolve(z)))
    })
    try {
      const entries = await new Promise<Entry[]>((resolve, reject) => {
        const list: Entry[] = []
        zip.on('entry', (entry: Entry) => {
          list.push(entry)
          zip.readEntry()
        })
        zip.once('end', () => resolve(list))
        zip.once('error', reject)
        zip.readEntry()
      })
      return new ZipReader(path, zip, entries)
    } catch (error) {
      zip.close()
      throw error
    }
  }

  /**
   * Sorted by local-header offset, each entry must end (header, name and compressed bytes, as the central directory
   * declares them) at or before the next one starts. The local header's own extra field is checked in openEntry.
   */
  #findOverlaps(entries: Entry[]): string[] {
    const problems: string[] = []
    const sorted = [...entries].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader)
    for (let i = 0; i < sorted.length; i++) {
      const entry = sorted[i]!
      const next = sorted[i + 1]
      const limit = next ? next.relativeOffsetOfLocalHeader : this.zip.fileSize
      this.#limits.set(entry, limit)
      const end = entry.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + entry.fileNameLength + entry.compressedSize
      if (next && end > limit) problems.push(`zip entries overlap: ${entryName(entry)} and ${entryName(next)} share bytes`)
    }
    return problems
  }

  /** A stream of the entry's (inflated) bytes; refuses an entry whose local header pushes its bytes into the next. */
  async openEntry(entry: Entry): Promise<Readable> {
    const { fileDataStart } = await new Promise<{ fileDataStart: number }>((resolve, reject) => {
      this.zip.readLocalFileHeader(entry, { minimal: true }, (error, header) => (error ? reject(error) : resolve(header)))
    })
    const limit = this.#limits.get(entry) ?? this.zip.fileSize
    if (fileDataStart + entry.compressedSize > limit) throw new Error(`zip entry ${entryName(entry)} overlaps the next entry`)
    return new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error ?? new Error('no stream')) : resolve(stream)))
    })
  }

  close(): void {
    this.zip.close()
  }
}
