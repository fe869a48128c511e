// Downloads of media originals, avatars and headers into the archive: queued (a few at a time), reused from an
// interrupted run's staging by source key before any download, and reported per item on failure. Media URLs get no
// token: they are public files, often on another host (object storage, CDN).
import PQueue from 'p-queue'
import type { AdapterContext, ItemFailure } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { MediaRecord } from '../../archive/records.js'
import { RemoteError } from '../../errors.js'
import { onServerOrigin } from './map.js'

export type MediaMeta = Omit<MediaRecord, 'sha256' | 'size'> & { native?: unknown }

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', heic: 'image/heic',
  svg: 'image/svg+xml', bmp: 'image/bmp', mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime',
  mp3: 'audio/mpeg', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg', m4a: 'audio/mp4', wav: 'audio/wave', flac: 'audio/flac',
}

/** A MIME type from a file name or URL path; undefined when the extension says nothing. */
export function mimeFromName(name: string): string | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name.split(/[?#]/)[0]!)?.[1]?.toLowerCase()
  return ext ? MIME_BY_EXTENSION[ext] : undefined
}

export function fileName(url: string): string | null {
  try {
    return new URL(url).pathname.split('/').pop() || null
  } catch {
    return url.split('/').pop() || null
  }
}

/**
 * Stages media concurrently; the caller records them (`writer.recordMedia`) in a fixed order, so that media.jsonl
 * is the same whatever order the downloads finish in.
 */
export class MediaFetcher {
  readonly #queue: PQueue
  stored = 0
  reused = 0

  constructor(
    readonly context: AdapterContext,
    readonly writer: ArchiveWriter,
    readonly failures: ItemFailure[],
    concurrency = 6,
    /** The configured server: its own files named with another scheme are fetched from it (map.ts onServerOrigin). */
    readonly server?: string,
  ) {
    this.#queue = new PQueue({ concurrency })
  }

  /** Stages the file at `url` under `key`; resolves to its final metadata, or null (failure recorded) when it cannot be had. */
  stage(key: string, url: string, meta: MediaMeta): Promise<MediaMeta | null> {
    return this.#queue.add(() => this.#stageOne(key, url, meta)) as Promise<MediaMeta | null>
  }

  /** Stages, then records at once (for single files such as the avatar, where order is not at stake). */
  async fetch(key: string, url: string, meta: MediaMeta): Promise<MediaRecord | null> {
    const staged = await this.stage(key, url, meta)
    return staged ? this.writer.recordMedia({ key, meta: staged as MediaRecord }) : null
  }

  async #stageOne(key: string, url: string, meta: MediaMeta): Promise<MediaMeta | null> {
    const { http, signal, out } = this.context
    try {
      if (this.writer.hasStagedMedia(key)) {
        this.reused++
        return meta
      }
      const final = await http.request(this.server ? onServerOrigin(url, this.server) : url, { signal }, async (res) => {
        if (!res.ok || !res.body) throw new RemoteError(`HTTP ${res.status}`, { status: res.status })
        const type = res.headers.get('content-type')?.split(';')[0]?.trim()
        const withMime: MediaMeta = type && type !== 'application/octet-stream' ? { ...meta, mime: type } : meta
        await this.writer.stageMedia(res.body, { key, meta: withMime })
        return withMime
      })
      this.stored++
      return final
    } catch (error) {
      if (signal.aborted) throw error
      const reason = (error as Error).message
      this.failures.push({ kind: 'media', item: url, reason })
      out.warn(`media ${url}: ${reason}`)
      return null
    }
  }

  async idle(): Promise<void> {
    await this.#queue.onIdle()
  }
}
