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
import { ChunkBuilder, chunkFile, EVENTS_PER_CHUNK, metaFile, monthsOf, pageFiles, POSTS_PER_CHUNK, viewerJson, type ViewerFile } from './files.js'
import { project, type ViewPost } from './project.js'
import { jsonlRecords } from './jsonl-blocks.js'

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
  const events = new ChunkBuilder()
  let eventCount = 0
  const flushEvents = async () => {
    if (events.open) eventFiles.push(await stage(events.finish()))
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
          if (!events.open) events.start('events', eventFiles.length)
          events.add(viewerJson(event))
          if (++eventCount % EVENTS_PER_CHUNK === 0) await flushEvents()
        },
      },
    )
    await flushEvents()
    const staged: StagedViewerFile[] = []
    for await (const file of pageFiles()) staged.push(await stage(file))
    const order = await posts.newestFirst()
    staged.push(await stage(metaFile(projection, { months: monthsOf(order.map((i) => posts.dates[i]!)), posts: order.length, events: eventCount })))
    for (let c = 0; c * POSTS_PER_CHUNK < order.length; c++) {
      staged.push(await stage(chunkFile('posts', c, await posts.read(order.slice(c * POSTS_PER_CHUNK, (c + 1) * POSTS_PER_CHUNK)))))
    }
    staged.push(...eventFiles)
    return staged
  } finally {
    await posts.remove()
  }
}

async function* noRecords(): AsyncGenerator<unknown> {}

/** Projected posts on disk, one JSON text a line, with their dates and byte offsets in memory. */
class PostSpool {
  readonly dates: string[] = []
  readonly #offsets: number[] = []
  #size = 0
  #stream
  #closed = false

  constructor(readonly path: string) {
    this.#stream = createWriteStream(path, { flags: 'wx', mode: PRIVATE_FILE_MODE })
  }

  async append(post: ViewPost): Promise<void> {
    const line = Buffer.from(viewerJson(post) + '\n', 'utf8')
    this.dates.push(post.d)
    this.#offsets.push(this.#size)
    this.#size += line.length
    if (!this.#stream.write(line)) await once(this.#stream, 'drain')
  }

  async #close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await new Promise<void>((resolve, reject) => {
      this.#stream.once('error', reject)
      this.#stream.end(resolve)
    })
  }

  /** Indices newest first; posts with the same date keep the order they were read in. */
  async newestFirst(): Promise<number[]> {
    await this.#close()
    const d = this.dates
    return Array.from(d, (_, i) => i).sort((x, y) => (d[x]! < d[y]! ? 1 : d[x]! > d[y]! ? -1 : x - y))
  }

  /** The JSON texts of posts `indices`, in that order: one read of the span they cover when they lie close together. */
  async read(indices: number[]): Promise<string[]> {
    const end = (i: number) => (i + 1 < this.#offsets.length ? this.#offsets[i + 1]! : this.#size) - 1
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
      const readAt = async (start: number, length: number): Promise<Buffer> => {
        const buffer = Buffer.alloc(length)
        for (let got = 0; got < length; ) {
          const { bytesRead } = await handle.read(buffer, got, length - got, start + got)
          if (bytesRead === 0) throw new Error(`${this.path} is shorter than written`)
          got += bytesRead
        }
        return buffer
      }
      if (indices.length > 0 && to - from <= 2 * bytes + 4096) {
        const span = await readAt(from, to - from)
        return indices.map((i) => span.toString('utf8', this.#offsets[i]! - from, end(i) - from))
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
