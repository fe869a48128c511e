// The one AT Protocol client: the XRPC calls export, backup, restore and migration make to one PDS, over the run's
// HTTP client (queues, retries, pacing) and, when logged in, through the refreshing PdsSession (session.ts).
// Without a session only public calls work (sync.* on an active repo). Streaming calls (getRepo, getBlob) hand the
// body to a consumer inside the retried unit, so a body cut off in transit repeats the whole request.
import { openAsBlob } from 'node:fs'
import type { AdapterContext } from '../adapter.js'
import { throwIfAborted } from '../../errors.js'
import { xrpcError, xrpcInit, xrpcJson, xrpcUrl } from './xrpc.js'
import type { CallOptions, PdsSession } from './session.js'
import type { AccountStatus, LatestCommit, ListBlobsPage, ListReposPage, MissingBlobsPage } from './api.js'

export const CAR_TYPE = 'application/vnd.ipld.car'

export interface Preferences {
  preferences: unknown[]
}

export class AtprotoClient {
  readonly pds: string

  constructor(
    readonly context: AdapterContext,
    pds: string,
    /** The account's login on this PDS, when there is one. */
    readonly session?: PdsSession,
  ) {
    this.pds = new URL(pds).origin
  }

  get host(): string {
    return new URL(this.pds).host
  }

  /** An XRPC call with a JSON answer; authenticated when the client has a session. */
  async json<T>(nsid: string, options: CallOptions = {}): Promise<T> {
    return this.session ? this.session.json<T>(nsid, options) : xrpcJson<T>(this.context.http, this.pds, nsid, options)
  }

  /** An XRPC call whose response `consume` reads when it is 2xx; anything else becomes the matching LifeboatError. */
  async request<T>(nsid: string, options: CallOptions, consume: (res: Response) => Promise<T>): Promise<T> {
    const checked = async (res: Response): Promise<T> => {
      if (!res.ok) throw await xrpcError(nsid, this.pds, res)
      return consume(res)
    }
    if (this.session) return this.session.request(nsid, options, checked)
    return this.context.http.request(xrpcUrl(this.pds, nsid, options.params), xrpcInit(options), checked)
  }

  /**
   * com.atproto.sync.getRepo, the whole repo or (with `since`, a rev) the diff since; the CAR body goes to `consume`.
   * Asked for uncompressed: the reference PDS compresses a CAR as it writes it, one block at a time, which costs it
   * about 3 s per 30,000 records (2.5 to 4 s measured, gzip or brotli) against 1.2 s uncompressed; and a CAR is
   * mostly hashes, which do not compress.
   */
  async getRepo<T>(did: string, since: string | undefined, consume: (body: ReadableStream<Uint8Array>) => Promise<T>): Promise<T> {
    return this.request('com.atproto.sync.getRepo', { params: { did, since }, headers: { 'accept-encoding': 'identity' } }, async (res) => consume(bodyOf(res)))
  }

  /** com.atproto.sync.getBlob; the body and the served content type go to `consume`. */
  async getBlob<T>(did: string, cid: string, consume: (body: ReadableStream<Uint8Array>, mime: string | null) => Promise<T>): Promise<T> {
    return this.request('com.atproto.sync.getBlob', { params: { did, cid } }, async (res) => consume(bodyOf(res), res.headers.get('content-type')))
  }

  async getLatestCommit(did: string): Promise<LatestCommit> {
    return this.json<LatestCommit>('com.atproto.sync.getLatestCommit', { params: { did } })
  }

  /** Pages com.atproto.sync.listBlobs to the end: the cursor comes back even on the last page, so stop on an empty one. */
  async *listBlobs(did: string, since?: string): AsyncGenerator<string> {
    let cursor: string | undefined
    for (;;) {
      throwIfAborted(this.context.signal)
      const page = await this.json<ListBlobsPage>('com.atproto.sync.listBlobs', { params: { did, since, limit: 1000, cursor } })
      if (page.cids.length === 0) return
      yield* page.cids
      if (!page.cursor) return
      cursor = page.cursor
    }
  }

  /** Pages com.atproto.sync.listRepos to the end (past 100 and past 1000: the cursor loop pdsadmin lacks). */
  async *listRepos(): AsyncGenerator<ListReposPage['repos'][number]> {
    let cursor: string | undefined
    for (;;) {
      throwIfAborted(this.context.signal)
      const page = await this.json<ListReposPage>('com.atproto.sync.listRepos', { params: { limit: 1000, cursor } })
      yield* page.repos
      if (!page.cursor || page.repos.length === 0) return
      cursor = page.cursor
    }
  }

  /** Every blob the logged-in account's records reference that this PDS does not hold (the cursor is the last CID). */
  async listMissingBlobs(): Promise<{ cid: string; recordUri: string }[]> {
    const all: { cid: string; recordUri: string }[] = []
    let cursor: string | undefined
    for (;;) {
      const page = await this.json<MissingBlobsPage>('com.atproto.repo.listMissingBlobs', { params: { limit: 1000, cursor } })
      all.push(...page.blobs)
      if (!page.cursor || page.blobs.length < 1000) return all
      cursor = page.cursor
    }
  }

  /** com.atproto.repo.importRepo from a CAR file on disk (sent with its Content-Length; replayable on retry). */
  async importRepo(carPath: string): Promise<void> {
    const body = await openAsBlob(carPath, { type: CAR_TYPE })
    await this.request('com.atproto.repo.importRepo', { method: 'POST', body, headers: { 'content-type': CAR_TYPE } }, async (res) => {
      await res.arrayBuffer()
    })
  }

  /** com.atproto.repo.uploadBlob from a file on disk. */
  async uploadBlob(path: string, mime: string): Promise<void> {
    const body = await openAsBlob(path, { type: mime })
    await this.request('com.atproto.repo.uploadBlob', { method: 'POST', body, headers: { 'content-type': mime } }, async (res) => {
      await res.arrayBuffer()
    })
  }

  async getPreferences(): Promise<Preferences> {
    const prefs = await this.json<Partial<Preferences>>('app.bsky.actor.getPreferences')
    return { ...prefs, preferences: prefs.preferences ?? [] }
  }

  async putPreferences(prefs: Preferences): Promise<void> {
    await this.json('app.bsky.actor.putPreferences', { method: 'POST', body: JSON.stringify({ preferences: prefs.preferences ?? [] }) })
  }

  async checkAccountStatus(): Promise<AccountStatus> {
    return this.json<AccountStatus>('com.atproto.server.checkAccountStatus')
  }
}

function bodyOf(res: Response): ReadableStream<Uint8Array> {
  if (!res.body) throw new Error(`${res.url} answered ${res.status} without a body`)
  return res.body
}
