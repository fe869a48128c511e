// Downloads media into the archive, a few at a time beside the `/messages` chain, each mxc once per run.
// Authenticated media first (`GET /_matrix/client/v1/media/download/{serverName}/{mediaId}`, Matrix 1.11, MSC3916),
// then the legacy `GET /_matrix/media/v3/download/...` when the server has no such endpoint: 404/405
// `M_UNRECOGNIZED` per the spec, 400 `M_UNRECOGNIZED` from Synapse before 1.11 (fixture matrix/synapse-1.67.0/136).
// Once the authenticated endpoint is known to be missing, the rest of the run goes straight to the legacy one.
// Servers froze unauthenticated media in 2024: media newer than that is only served with a token.
//
// Downloads finish in any order, so they only stage the bytes (ArchiveWriter.stageMedia); a medium's media.jsonl
// record is written by `record`, which the export calls in a fixed order (the profile's avatar, then room by room:
// the room's avatar, then its events oldest first). An export through a slow or rate-limited network therefore writes
// the same archive as a clean one.
import PQueue from 'p-queue'
import type { AdapterContext, ItemFailure } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { MediaRecord } from '../../archive/records.js'
import { decryptAttachment } from './attachment.js'
import { enc, type MatrixClient } from './client.js'
import { isUnrecognized, matrixError, parseErrorBody } from './errors.js'
import { parseMxc, type MediaRef } from './media-refs.js'

export type MediaOutcome = { sha256: string; mime?: string } | { error: string }

export interface MediaFetcherOptions {
  /** The server announced authenticated media (session.ts); otherwise only the legacy endpoint is tried. */
  authenticated: boolean
  /** Parallel downloads; the HTTP client's per-host limit (6) leaves the rest for the `/messages` chain. */
  concurrency?: number
}

export class MediaFetcher {
  readonly failures: ItemFailure[] = []
  #queue: PQueue
  #seen = new Map<string, Promise<MediaOutcome>>()
  #authenticated: boolean

  constructor(
    readonly context: AdapterContext,
    readonly client: MatrixClient,
    readonly writer: ArchiveWriter,
    options: MediaFetcherOptions,
  ) {
    this.#authenticated = options.authenticated
    this.#queue = new PQueue({ concurrency: options.concurrency ?? 4 })
  }

  /** Queues a download that stages the bytes (once per mxc for the whole run) and returns its eventual outcome; never
   * rejects. Writes no record: see `record`. */
  fetch(ref: MediaRef): Promise<MediaOutcome> {
    let outcome = this.#seen.get(ref.mxc)
    if (!outcome) {
      outcome = this.#queue.add(() => this.#download(ref)) as Promise<MediaOutcome>
      this.#seen.set(ref.mxc, outcome)
    }
    return outcome
  }

  /**
   * Fetches (or waits for) the medium and writes its media.jsonl record, attached to `attachedTo`; the first call for
   * an mxc writes the record, later ones return the outcome. Callers call it in the archive's fixed order.
   */
  async record(ref: MediaRef, attachedTo: string | null): Promise<MediaOutcome> {
    const outcome = await this.fetch(ref)
    if (!('sha256' in outcome)) return outcome
    const meta: Omit<MediaRecord, 'sha256' | 'size'> = {
      mime: ref.mime ?? outcome.mime,
      name: ref.name ?? null,
      alt: ref.alt ?? null,
      source: { mxc: ref.mxc },
      attachedTo: attachedTo ? [attachedTo] : [],
    }
    const recorded = await this.writer.recordMedia({ key: ref.mxc, meta })
    return { sha256: recorded.sha256, mime: recorded.mime }
  }

  async idle(): Promise<void> {
    await this.#queue.onIdle()
  }

  async #download(ref: MediaRef): Promise<MediaOutcome> {
    try {
      if (this.context.signal.aborted) return { error: 'interrupted' }
      const staged = this.writer.stagedMedia(ref.mxc) ?? (await this.#get(ref))
      return { sha256: staged.sha256, mime: ref.mime ?? staged.mime }
    } catch (error) {
      const reason = (error as Error).message
      if (!this.context.signal.aborted) {
        this.failures.push({ kind: 'media', item: ref.mxc, reason })
        this.context.out.warn(`media ${ref.mxc}: ${reason}`)
      }
      return { error: reason }
    }
  }

  async #get(ref: MediaRef): Promise<{ sha256: string; mime?: string }> {
    const parsed = parseMxc(ref.mxc)!
    const tail = `${enc(parsed.server)}/${enc(parsed.mediaId)}`
    if (this.#authenticated) {
      try {
        return await this.#from(`/_matrix/client/v1/media/download/${tail}`, { allow_redirect: true }, ref)
      } catch (error) {
        if (!isUnrecognized(error)) throw error
        this.#authenticated = false
        this.context.out.debug(`${this.client.host} has no authenticated media endpoint; using the legacy media API`)
      }
    }
    return this.#from(`/_matrix/media/v3/download/${tail}`, { allow_remote: true }, ref)
  }

  #from(path: string, query: Record<string, boolean>, ref: MediaRef): Promise<{ sha256: string; mime?: string }> {
    return this.client.http.request(this.client.url(path, query), { headers: this.client.headers() }, async (res) => {
      if (!res.ok || !res.body) throw matrixError(`GET ${path}`, this.client.host, res.status, parseErrorBody(await res.text()))
      const type = res.headers.get('content-type') ?? undefined
      const body = res.body as unknown as AsyncIterable<Uint8Array>
      const mime = ref.mime ?? type
      const staged = ref.encrypted
        ? await this.writer.stageMedia(decryptAttachment(body, ref.encrypted), { key: ref.mxc, meta: { mime: ref.mime } })
        : await this.writer.stageMedia(body, { key: ref.mxc, meta: { mime } })
      return { sha256: staged.sha256, mime: ref.encrypted ? ref.mime : mime }
    })
  }
}
