// The drive: every file of the account (attached to notes or not) with its bytes, name, comment (alt text),
// sensitive flag and folder path. `drive/stream` lists all files in every folder (drive/files lists one folder only,
// drive_files__root-limit100.json vs drive_stream__limit100.json); folder names come from walking `drive/folders`.
// File bytes are public at the file's `url` (files/GET__*.json) and are checked against the drive's `md5`.
//
// Downloads run in parallel with the note chain: the listing queues every file, and a note that needs a file before
// it can be written moves that file to the front (`ensure`), so posts always carry their media's sha256. Bytes are
// staged as they arrive; media records are written in a fixed order (listing order, then by id).
import { createHash } from 'node:crypto'
import PQueue from 'p-queue'
import type { AdapterContext, ItemFailure } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { MediaRecord, MediaRef } from '../../archive/records.js'
import type { DriveFile, DriveFolder } from './api.js'
import { throwIfAborted } from '../../errors.js'
import { mediaMeta } from './map.js'
import { paged } from './paging.js'
import { viaOrigin, type MisskeySession } from './session.js'

export class Md5MismatchError extends Error {
  override name = 'Md5MismatchError'
}

/** Passes the bytes through while hashing them; throws at the end if they do not hash to the drive's md5. */
async function* md5Checked(body: ReadableStream<Uint8Array>, expected: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('md5')
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk)
    yield chunk
  }
  const actual = hash.digest('hex')
  if (/^[0-9a-f]{32}$/i.test(expected) && actual !== expected.toLowerCase()) {
    throw new Md5MismatchError(`the bytes hash to md5 ${actual}, the drive says ${expected}`)
  }
}

export interface DriveOptions {
  /** Parallel downloads. Keep below the HTTP client's per-host concurrency so the note chain never waits for a slot. */
  concurrency: number
}

/** A drive file's bytes in the archive: what a post or the profile needs to point at them. */
export interface StagedFile extends MediaRef {
  size: number
}

interface Listed {
  id: string
  meta: Omit<MediaRecord, 'sha256' | 'size'>
  staged: Promise<StagedFile | null>
}

export class DriveExporter {
  readonly failures: ItemFailure[] = []
  stored = 0
  reused = 0
  listed = 0
  /** Newest file id listed (the `--since` cursor). */
  newestId: string | undefined
  #folders = new Map<string, { name: string; parentId: string | null }>()
  #downloads = new Map<string, Promise<StagedFile | null>>()
  /** Metadata of files staged on a note's or the profile's behalf, recorded after the listing if it never named them. */
  #extra = new Map<string, Omit<MediaRecord, 'sha256' | 'size'>>()
  #recorded = new Set<string>()
  #queue: PQueue
  readonly #window: number

  constructor(
    readonly session: MisskeySession,
    readonly context: AdapterContext,
    readonly writer: ArchiveWriter,
    options: DriveOptions,
  ) {
    this.#queue = new PQueue({ concurrency: options.concurrency })
    this.#window = options.concurrency * 4
  }

  /** Walks the folder tree from the root, one level at a time (folders of a level are listed in parallel). */
  async loadFolders(): Promise<void> {
    let level: (string | null)[] = [null]
    while (level.length > 0) {
      const children = await Promise.all(
        level.map(async (folderId) => {
          const found: DriveFolder[] = []
          for await (const page of paged((c) => this.session.client.call('drive/folders', { folderId, limit: 100, ...c }), { signal: this.context.signal })) found.push(...page)
          return found
        }),
      )
      level = []
      for (const folder of children.flat()) {
        if (this.#folders.has(folder.id)) continue
        this.#folders.set(folder.id, { name: folder.name, parentId: folder.parentId ?? null })
        level.push(folder.id)
      }
    }
  }

  /** `Photos/2025` for a file in that folder; null for the root. */
  folderPath(folderId: string | null | undefined): string | null {
    const names: string[] = []
    for (let id = folderId ?? null, depth = 0; id !== null && depth < 64; depth++) {
      const folder = this.#folders.get(id)
      if (!folder) break
      names.unshift(folder.name)
      id = folder.parentId
    }
    return names.length > 0 ? names.join('/') : null
  }

  /**
   * Lists every file (or those newer than `sinceId`), queues its download, and writes the media records in listing
   * order however the downloads finish, so the archive does not depend on timing. Holds at most a window of
   * undelivered files, so memory does not grow with the drive.
   */
  async listAll(sinceId?: string): Promise<void> {
    const fetchPage = (cursor: { untilId?: string; sinceId?: string }) => this.session.client.call('drive/stream', { limit: 100, ...cursor })
    const pending: Listed[] = []
    for await (const page of paged(fetchPage, { sinceId, signal: this.context.signal })) {
      for (const file of page) {
        this.listed++
        if (this.newestId === undefined || file.id > this.newestId) this.newestId = file.id
        pending.push({ id: file.id, meta: this.#meta(file), staged: this.ensure(file, 0) })
        while (pending.length >= this.#window) await this.#record(pending.shift()!)
      }
    }
    while (pending.length > 0) await this.#record(pending.shift()!)
  }

  /** After the listing and the notes: records the files staged for them that the listing did not name, by id. */
  async finish(): Promise<void> {
    await this.#queue.onIdle()
    for (const id of [...this.#extra.keys()].sort()) {
      if (!this.#recorded.has(id)) await this.#record({ id, meta: this.#extra.get(id)!, staged: this.#downloads.get(id)! })
    }
    this.failures.sort((a, b) => a.item.localeCompare(b.item))
  }

  async #record(item: Listed): Promise<void> {
    const staged = await item.staged
    if (!staged || this.#recorded.has(item.id)) return
    this.#recorded.add(item.id)
    await this.writer.recordMedia({ key: item.id, meta: item.meta })
  }

  #meta(file: DriveFile): Omit<MediaRecord, 'sha256' | 'size'> {
    return mediaMeta(file, this.folderPath(file.folderId))
  }

  /** The bytes of `file` in the archive once downloaded (null when that failed); a higher priority jumps the queue. */
  ensure(file: DriveFile, priority = 1): Promise<StagedFile | null> {
    const known = this.#downloads.get(file.id)
    if (known) {
      if (priority > 0) {
        try {
          this.#queue.setPriority(file.id, priority)
        } catch {
          // already running or done
        }
      }
      return known
    }
    if (priority > 0) this.#extra.set(file.id, this.#meta(file))
    const download = this.#queue.add(() => this.#download(file), { priority, id: file.id }).then((r) => r ?? null)
    // only an interrupted run rejects; whoever awaits it sees that, and a listing that does not await is not left unhandled
    download.catch(() => undefined)
    this.#downloads.set(file.id, download)
    return download
  }

  /** The staged bytes of the drive file `id`, fetching its description first when no listing or note named it. */
  async byId(id: string): Promise<StagedFile | null> {
    const known = this.#downloads.get(id)
    if (known) return known
    try {
      return await this.ensure(await this.session.client.call('drive/files/show', { fileId: id }))
    } catch (error) {
      if (this.context.signal.aborted) throw error
      this.failures.push({ kind: 'media', item: id, reason: (error as Error).message })
      return null
    }
  }

  async #download(file: DriveFile): Promise<StagedFile | null> {
    const { context, writer } = this
    throwIfAborted(context.signal)
    const ref = (staged: { sha256: string; size: number }): StagedFile => ({ sha256: staged.sha256, size: staged.size, mime: file.type, ...(file.comment ? { alt: file.comment } : {}) })
    try {
      if (writer.hasStagedMedia(file.id)) {
        this.reused++
        return ref(await writer.stageMedia([], { key: file.id, meta: { mime: file.type } }))
      }
      const staged = await context.http.request(viaOrigin(this.session.server, file.url), { signal: context.signal }, async (res) => {
        if (res.status !== 200 || !res.body) throw new Error(`HTTP ${res.status} for the file's URL`)
        return writer.stageMedia(md5Checked(res.body, file.md5), { key: file.id, meta: { mime: file.type } })
      })
      this.stored++
      return ref(staged)
    } catch (error) {
      if (context.signal.aborted) throw error
      const reason = (error as Error).message
      this.failures.push({ kind: 'media', item: `${file.name} (${file.id})`, reason })
      context.out.warn(`drive file ${file.name} (${file.id}): ${reason}`)
      return null
    }
  }
}
