// The files of a viewer site, the same in `lifeboat view` output and inside an archive (docs/viewer.md):
//   index.html, viewer/app.js, viewer/app.css, viewer/data/meta.js, viewer/data/posts-NNNNN.js, viewer/data/events-NNNNN.js
// Data files are JavaScript that hands JSON to the page (`LIFEBOAT.chunk(...)`), because pages opened from file://
// cannot fetch(). The page code is Lifeboat's own (src/viewer/page/), never anything read from an archive.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Projection } from './project.js'

/** Posts per data chunk: small enough that the first page paints after one chunk, large enough to keep files few. */
export const POSTS_PER_CHUNK = 2000
export const EVENTS_PER_CHUNK = 5000

/** Where the page source lives: src/viewer/page, found the same way from src/ (tsx) and from dist/. */
const PAGE_DIR = fileURLToPath(new URL('../../src/viewer/page/', import.meta.url))

export const PAGE_FILES = { 'index.html': 'index.html', 'viewer/app.js': 'app.js', 'viewer/app.css': 'app.css' } as const

export async function pageFile(name: keyof typeof PAGE_FILES): Promise<Buffer> {
  return readFile(PAGE_DIR + PAGE_FILES[name])
}

/** JSON as a JavaScript expression; `<` escaped so that no data can ever read as markup, whatever embeds it. */
function js(value: unknown): string {
  const json = JSON.stringify(value)
  // Most texts have none of the three: one scan to find that out, instead of three replacements.
  return UNSAFE.test(json) ? json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') : json
}

const UNSAFE = /[<\u2028\u2029]/

export interface ViewerFile {
  name: string
  data: Buffer
}

/** Every file of the viewer for this projection, page files first, data last; the same bytes for the same records. */
export async function* viewerFiles(projection: Projection): AsyncGenerator<ViewerFile> {
  yield* pageFiles()
  const postChunks = Math.ceil(projection.posts.length / POSTS_PER_CHUNK)
  const eventChunks = Math.ceil(projection.events.length / EVENTS_PER_CHUNK)
  yield metaFile(projection, { months: monthsOf(projection.posts.map((p) => p.d)), posts: projection.posts.length, events: projection.events.length })
  const chunks = new ChunkBuilder()
  const chunk = (kind: 'posts' | 'events', n: number, items: unknown[]): ViewerFile => {
    chunks.start(kind, n)
    for (const item of items) chunks.add(js(item))
    const { name, data } = chunks.finish()
    // A copy: the caller may keep a file past the next one.
    return { name, data: Buffer.from(data) }
  }
  for (let n = 0; n < postChunks; n++) yield chunk('posts', n, projection.posts.slice(n * POSTS_PER_CHUNK, (n + 1) * POSTS_PER_CHUNK))
  for (let n = 0; n < eventChunks; n++) yield chunk('events', n, projection.events.slice(n * EVENTS_PER_CHUNK, (n + 1) * EVENTS_PER_CHUNK))
}

// The pieces of viewerFiles, also used by embed.ts, which streams posts and events through files instead of holding
// them (an export's memory must not grow with the account).

export async function* pageFiles(): AsyncGenerator<ViewerFile> {
  for (const name of Object.keys(PAGE_FILES) as (keyof typeof PAGE_FILES)[]) yield { name, data: await pageFile(name) }
}

/** Posts per month, in the order of `dates` (newest first), e.g. [["2024-05", 12], …]. */
export function monthsOf(dates: Iterable<string>): [string, number][] {
  const months: [string, number][] = []
  for (const d of dates) {
    const month = d.slice(0, 7)
    const last = months[months.length - 1]
    if (last && last[0] === month) last[1]++
    else months.push([month, 1])
  }
  return months
}

export function metaFile(projection: Omit<Projection, 'posts' | 'events'>, counts: { months: [string, number][]; posts: number; events: number }): ViewerFile {
  const meta = {
    format: 1,
    accounts: projection.accounts,
    counts: { posts: counts.posts, events: counts.events },
    months: counts.months,
    postChunks: Math.ceil(counts.posts / POSTS_PER_CHUNK),
    eventChunks: Math.ceil(counts.events / EVENTS_PER_CHUNK),
    people: projection.people,
    lists: projection.lists,
    rooms: projection.rooms,
  }
  return { name: 'viewer/data/meta.js', data: Buffer.from(`window.LIFEBOAT={meta:${js(meta)}};\n`) }
}

/**
 * The one encoder of data chunks, `LIFEBOAT.chunk("p"|"e",n,[…items]);\n` (the items' part is `js(items)`), for
 * `viewerFiles` and the embedded viewer alike. Items are encoded into one buffer reused from chunk to chunk as they
 * come, so that neither the items nor a joined text of the chunk (~640 KB for 5,000 events) outlive V8's young
 * generation. A finished chunk's `data` is valid until the next `start`.
 */
export class ChunkBuilder {
  #buffer = Buffer.allocUnsafe(1024 * 1024)
  #length = 0
  #items = 0
  #name = ''
  #open = false

  get open(): boolean {
    return this.#open
  }

  start(kind: 'posts' | 'events', n: number): void {
    this.#length = 0
    this.#items = 0
    this.#name = chunkName(kind, n)
    this.#open = true
    this.#append(`LIFEBOAT.chunk("${kind === 'posts' ? 'p' : 'e'}",${n},[`)
  }

  /** One item, already passed through `viewerJson`. */
  add(json: string): void {
    this.#append(this.#items++ === 0 ? json : ',' + json)
  }

  finish(): ViewerFile {
    this.#append(']);\n')
    this.#open = false
    return { name: this.#name, data: this.#buffer.subarray(0, this.#length) }
  }

  #append(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = this.#length + text.length * 3
    if (most > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(most, this.#buffer.length * 2))
      this.#buffer.copy(grown, 0, 0, this.#length)
      this.#buffer = grown
    }
    this.#length += this.#buffer.write(text, this.#length, 'utf8')
  }
}

export { js as viewerJson }

function chunkName(kind: 'posts' | 'events', n: number): string {
  return `viewer/data/${kind}-${String(n).padStart(5, '0')}.js`
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/bmp': 'bmp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'video/ogg': 'ogv',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/wav': 'wav',
  'audio/webm': 'weba',
  'audio/flac': 'flac',
  'text/plain': 'txt',
  'application/pdf': 'pdf',
}

/** A file extension for a MIME type, from a fixed table ("bin" otherwise, SVG included: it can carry script): never taken from archive text. */
export function extensionFor(mime: string | undefined): string {
  const type = (mime ?? '').toLowerCase().split(';')[0]!.trim()
  return EXTENSIONS[type] ?? 'bin'
}
