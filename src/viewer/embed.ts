// The viewer inside every new archive (docs/archive-format.md §2 "viewer members"): index.html, viewer/app.js,
// viewer/app.css and viewer/data/*.js, built from the records just staged. Media are not copied: the page points at
// the archive's own media/ab/<sha256> members, so an unzipped archive opens by double-clicking index.html.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { mediaMember, type RecordKind } from '../archive/format.js'
import type { Manifest, ProfileRecord } from '../archive/records.js'
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../files/atomic-file.js'
import { ChunkBuilder, EVENTS_PER_CHUNK, metaFile, monthsOf, pageFiles, POSTS_PER_CHUNK, viewerJson, type ViewerFile } from './files.js'
import { project, type ViewPost } from './project.js'
import { jsonlRecords } from './jsonl-records.js'

export interface StagedViewerFile {
  member: string
  path: string
  sha256: string
  size: number
  crc32: number
}

export interface EmbedInput {
  source: Manifest['source']
  /** Staged path of each kind's JSON Lines file. */
  kindPaths: Map<RecordKind, string>
  profilePath: string | null
  /** sha256 of every media member the archive will hold. */
  media: Set<string>
  postCount: number
  maxPosts?: number
  /** Empty folder to write the viewer files into. */
  dir: string
}

/**
 * Above this many posts the viewer is not embedded (the writer notes it in the manifest): the posts' dates are sorted
 * in memory (a few dozen bytes a post), and an export must stay within a small server's memory. `lifeboat view` has
 * no such limit.
 */
export const EMBED_MAX_POSTS = 250_000

/**
 * The same files as `viewerFiles(project(…))` for one archive, byte for byte, without holding its posts and events:
 * events go to their chunks as they are read, posts to a spool file with only their dates and offsets in memory,
 * read back newest first (a stable sort, as `project` does) when the chunks are written.
 */
export async function stageViewer(input: EmbedInput): Promise<StagedViewerFile[]> {
  const max = input.maxPosts ?? EMBED_MAX_POSTS
  if (input.postCount > max) throw new Error(`${input.postCount} posts (more than ${max}); run \`lifeboat view\` on the archive instead`)
  await mkdir(input.dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  let n = 0
  const stage = async (file: ViewerFile): Promise<StagedViewerFile> => {
    const path = join(input.dir, String(n++))
    await writeFile(path, file.data, { mode: PRIVATE_FILE_MODE })
    return { member: file.name, path, sha256: createHash('sha256').update(file.data).digest('hex'), size: file.data.length, crc32: crc32(file.data) }
  }
  const eventFiles: StagedViewerFile[] = []
  const chunks = new ChunkBuilder()
  let eventCount = 0
  const flushEvents = async () => {
    if (chunks.open) eventFiles.push(await stage(chunks.finish()))
  }
  const posts = new PostSpool(join(input.dir, 'posts.spool'))
  try {
    const projection = await project(
      [
        {
          source: input.source,
          records(kind) {
            const path = input.kindPaths.get(kind)
            return path ? jsonlRecords(path) : noRecords()
          },
          profile: async () => (input.profilePath ? (JSON.parse(await readFile(input.profilePath, 'utf8')) as ProfileRecord) : null),
          mediaUrl: (sha256) => (input.media.has(sha256) ? mediaMember(sha256) : null),
        },
      ],
      {
        post: (post) => posts.append(post),
        event: async (event) => {
          if (!chunks.open) chunks.start('events', eventFiles.length)
          chunks.add(viewerJson(event))
          if (++eventCount % EVENTS_PER_CHUNK === 0) await flushEvents()
        },
      },
    )
    await flushEvents()
    const staged: StagedViewerFile[] = []
    for await (const file of pageFiles()) staged.push(await stage(file))
    const order = await posts.newestFirst()
    staged.push(await stage(metaFile(projection, { months: monthsOf(posts.dates(order)), posts: order.length, events: eventCount })))
    // The events' chunks are staged already: their builder serves the posts'.
    for (let c = 0; c * POSTS_PER_CHUNK < order.length; c++) {
      const texts = await posts.read(order.subarray(c * POSTS_PER_CHUNK, (c + 1) * POSTS_PER_CHUNK))
      chunks.start('posts', c)
      for (const text of texts) chunks.add(text)
      staged.push(await stage(chunks.finish()))
    }
    staged.push(...eventFiles)
    return staged
  } finally {
    await posts.remove()
  }
}

async function* noRecords(): AsyncGenerator<unknown> {}

/**
 * Projected posts on disk, one JSON text a line. In memory each post has only its date and the offset of its line, in
 * typed arrays (16 bytes a post, where a string and a number in arrays took ~60): a date such as
 * 2024-05-01T12:00:00.000Z (what `project` nearly always makes) is kept as its time, since for those the order of the
 * strings is the order of the times; any other date (2024-02-30T…, +275760-09-13T…) is kept as itself.
 */
class PostSpool {
  #count = 0
  /** Per post: its date's time, when the date is 24 characters and `new Date(time).toISOString()` gives it back; else NaN. */
  #times = new Float64Array(1024)
  /** The other dates, by post. */
  readonly #otherDates = new Map<number, string>()
  /** Per post: where its line starts in the spool file. */
  #offsets = new Float64Array(1024)
  /** Reused for every read. */
  #scratch = Buffer.alloc(0)
  #size = 0
  #stream
  #closed = false

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE })
  }

  async append(post: ViewPost): Promise<void> {
    const line = Buffer.from(viewerJson(post) + '\n', 'utf8')
    const i = this.#count++
    if (i === this.#times.length) {
      const grow = (from: Float64Array) => {
        const to = new Float64Array(from.length * 2)
        to.set(from)
        return to
      }
      this.#times = grow(this.#times)
      this.#offsets = grow(this.#offsets)
    }
    const time = post.d.length === 24 ? Date.parse(post.d) : NaN
    if (Number.isFinite(time) && new Date(time).toISOString() === post.d) this.#times[i] = time
    else {
      this.#times[i] = NaN
      this.#otherDates.set(i, post.d)
    }
    this.#offsets[i] = this.#size
    this.#size += line.length
    if (!this.#stream.write(line)) await once(this.#stream, 'drain')
  }

  #date(i: number): string {
    const time = this.#times[i]!
    return Number.isNaN(time) ? this.#otherDates.get(i)! : new Date(time).toISOString()
  }

  /** The dates of posts `indices`, in that order. */
  *dates(indices: Iterable<number>): Generator<string> {
    for (const i of indices) yield this.#date(i)
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject)
      this.#stream.end(resolve)
    })
  }

  /**
   * Indices newest first; posts with the same date keep the order they were read in. Dates compare as strings (as
   * `project` sorts them); between two plain ISO dates that is the order of their times.
   */
  async newestFirst(): Promise<Uint32Array> {
    await this.#close()
    const order = new Uint32Array(this.#count)
    for (let i = 0; i < order.length; i++) order[i] = i
    const t = this.#times
    if (this.#otherDates.size === 0) return order.sort((x, y) => t[y]! - t[x]! || x - y)
    return order.sort((x, y) => {
      const a = this.#date(x)
      const b = this.#date(y)
      return a < b ? 1 : a > b ? -1 : x - y
    })
  }

  /** The JSON texts of posts `indices`, in that order: one read of the span they cover when they lie close together. */
  async read(indices: Uint32Array): Promise<string[]> {
    const end = (i: number) => (i + 1 < this.#count ? this.#offsets[i + 1]! : this.#size) - 1
    let from = Infinity
    let to = 0
    let bytes = 0
    for (const i of indices) {
      from = Math.min(from, this.#offsets[i]!)
      to = Math.max(to, end(i))
      bytes += end(i) - this.#offsets[i]!
    }
    const handle = await open(this.path, 'r')
    try {
      // The bytes are good until the next readAt: each is turned into a string at once.
      const readAt = async (start: number, length: number): Promise<Buffer> => {
        if (this.#scratch.length < length) this.#scratch = Buffer.allocUnsafe(Math.max(length, 2 * this.#scratch.length))
        const buffer = this.#scratch.subarray(0, length)
        for (let got = 0; got < length; ) {
          const { bytesRead } = await handle.read(buffer, got, length - got, start + got)
          if (bytesRead === 0) throw new Error(`${this.path} is shorter than written`)
          got += bytesRead
        }
        return buffer
      }
      if (indices.length > 0 && to - from <= 2 * bytes + 4096) {
        const span = await readAt(from, to - from)
        return Array.from(indices, (i) => span.toString('utf8', this.#offsets[i]! - from, end(i) - from))
      }
      const out: string[] = []
      for (const i of indices) out.push((await readAt(this.#offsets[i]!, end(i) - this.#offsets[i]!)).toString('utf8'))
      return out
    } finally {
      await handle.close()
    }
  }

  async remove(): Promise<void> {
    await this.#close().catch(() => undefined)
    await rm(this.path, { force: true })
  }
}
