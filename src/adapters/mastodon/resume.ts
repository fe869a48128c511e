// Resuming an interrupted status export without fetching its pages again. Status pages are the expensive part of a
// Mastodon export (40 per request, under the 300 requests / 15 min paging budget), so each page is appended here,
// fsync-free but line-complete, beside the writer's staged media in `<archive>.partial.d/` (which the writer keeps
// across runs and deletes when the archive is complete). A rerun replays the stored pages and continues from the
// last stored link. The log is tied to its first URL: a run that starts elsewhere (another --since) starts afresh.
import { createReadStream } from 'node:fs'
import { appendFile, open, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { splitLines } from '../../archive/lines.js'
import { MAX_RECORD_LINE_BYTES } from '../../archive/format.js'
import { PRIVATE_FILE_MODE } from '../../files/atomic-file.js'
import type { StatusEdit } from './api.js'

export const RESUME_LOG_NAME = 'mastodon-pages.jsonl'

interface StartLine {
  kind: 'start'
  url: string
}

interface PageLine<T> {
  kind: 'page'
  url: string
  /** The link to continue from, null when this was the last page. */
  next: string | null
  items: T[]
}

interface HistoryLine {
  kind: 'history'
  id: string
  versions: StatusEdit[]
}

type Line<T> = StartLine | PageLine<T> | HistoryLine

export class ResumeLog<T> {
  readonly history = new Map<string, StatusEdit[]>()
  #pages = 0
  #continueFrom: string | null | undefined

  private constructor(
    readonly path: string,
    readonly start: string,
  ) {}

  /** Opens the log in `stagingDir` for a walk that starts at `start`; an incompatible old log is discarded. */
  static async open<T>(stagingDir: string, start: string): Promise<ResumeLog<T>> {
    const log = new ResumeLog<T>(join(stagingDir, RESUME_LOG_NAME), start)
    await cutTornTail(log.path)
    let compatible = false
    for await (const line of log.#lines()) {
      if (line.kind === 'start') compatible = line.url === start
      else if (!compatible) break
      else if (line.kind === 'page') {
        log.#pages++
        log.#continueFrom = line.next
      } else log.history.set(line.id, line.versions)
    }
    if (!compatible) {
      await rm(log.path, { force: true })
      log.history.clear()
      log.#pages = 0
      log.#continueFrom = undefined
      await log.#append({ kind: 'start', url: start })
    }
    return log
  }

  /** Pages stored by an earlier run. */
  get storedPages(): number {
    return this.#pages
  }

  /** Where to continue after the stored pages: the first URL, a stored link, or null when the walk had ended. */
  get continueFrom(): string | null {
    return this.#continueFrom === undefined ? this.start : this.#continueFrom
  }

  /** The stored pages, in the order they were fetched. */
  async *storedItems(): AsyncGenerator<T[]> {
    let compatible = false
    for await (const line of this.#lines()) {
      if (line.kind === 'start') compatible = line.url === this.start
      else if (compatible && line.kind === 'page') yield line.items
    }
  }

  async addPage(url: string, next: string | null, items: T[]): Promise<void> {
    await this.#append({ kind: 'page', url, next, items })
  }

  async addHistory(id: string, versions: StatusEdit[]): Promise<void> {
    this.history.set(id, versions)
    await this.#append({ kind: 'history', id, versions })
  }

  async #append(line: Line<T>): Promise<void> {
    await appendFile(this.path, JSON.stringify(line) + '\n', { mode: PRIVATE_FILE_MODE })
  }

  async *#lines(): AsyncGenerator<Line<T>> {
    if (!(await stat(this.path).catch(() => null))) return
    // lines end at \n only: readline also splits at U+2028/U+2029, which JSON.stringify leaves raw in strings
    for await (const { text } of splitLines(createReadStream(this.path), MAX_RECORD_LINE_BYTES)) {
      if (!text) continue
      try {
        yield JSON.parse(text) as Line<T>
      } catch {
        // A torn last line from a killed run: the page it held is fetched again.
        return
      }
    }
  }
}

/** Cuts a last line that a killed run left without its newline, so that appended lines start on a line of their own. */
async function cutTornTail(path: string): Promise<void> {
  const handle = await open(path, 'r+').catch(() => null)
  if (!handle) return
  try {
    const { size } = await handle.stat()
    const chunk = Buffer.alloc(64 * 1024)
    let end = size
    while (end > 0) {
      const start = Math.max(0, end - chunk.length)
      const { bytesRead } = await handle.read(chunk, 0, end - start, start)
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a)
      if (at >= 0) {
        if (start + at + 1 < size) await handle.truncate(start + at + 1)
        return
      }
      end = start
    }
    await handle.truncate(0)
  } finally {
    await handle.close()
  }
}
