// AT Protocol Source: the repo CAR as fetched (streamed to disk), every blob (checked against its CID), the
// preferences when logged in, the DID document and PLC log, and normalised records walked from the CAR.
import PQueue from 'p-queue'
import { forEachOrdered } from '../../concurrency/ordered-pool.js'
import { CID } from 'multiformats/cid'
import type { AdapterContext, ExportOptions, ExportReport, ItemFailure, Source } from '../adapter.js'
import { ATPROTO_CAPABILITIES } from './capabilities.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import { MediaHashMismatchError } from '../../archive/writer.js'
import { nativeMember } from '../../archive/format.js'
import type { AccountRef, ListRecord } from '../../archive/records.js'
import { throwIfAborted } from '../../errors.js'
import { CarBlockStore } from './car-file.js'
import { CarStreamIndex } from './car-stream-index.js'
import { cidSha256Hex } from '../../files/cid.js'
import { blobRefs, decodeRecord, readCommit, walkRecords } from './mst.js'
import { COLLECTIONS, mapList, mapPost, mapProfile, mapRelation, mapSubject, toLexJson } from './map.js'
import { AtprotoClient } from './client.js'
import { DEFAULT_PLC, type Identity } from './identity.js'
import { lookUpHandles } from './handles.js'
import type { RelationRecord } from '../../archive/records.js'
import type { PdsSession } from './session.js'

export interface AtprotoSourceOptions {
  identity: Identity
  /** The account's login on its PDS, for private data (preferences); public data needs none. */
  session?: PdsSession
  plc?: string
  /** Parallel blob downloads (the host queue caps requests per host as well). Default BLOB_CONCURRENCY. */
  blobConcurrency?: number
}

/**
 * Blob downloads in flight: at 40 ms of latency, 300 blobs took about 4 s 8 at a time (which the host queue's 6 slots
 * cut to 5) and now about 1.5 s, while the export's walk of the repo runs beside them.
 */
export const BLOB_CONCURRENCY = 14

export class AtprotoSource implements Source {
  readonly capabilities = ATPROTO_CAPABILITIES
  readonly client: AtprotoClient

  constructor(
    readonly context: AdapterContext,
    readonly options: AtprotoSourceOptions,
  ) {
    this.client = new AtprotoClient(context, options.identity.pds, options.session)
  }

  get account(): AccountRef {
    const { did, handle } = this.options.identity
    return handle ? { id: did, handle } : { id: did }
  }

  async describe() {
    return { server: this.options.identity.pds, account: this.account }
  }

  async exportTo(writer: ArchiveWriter, _options: ExportOptions = {}): Promise<ExportReport> {
    const { did, pds } = this.options.identity
    const { out } = this.context
    const failures: ItemFailure[] = []
    out.info(`Fetching the repository of ${this.account.handle ?? did} from ${pds} …`)
    const prefetch = this.#prefetchBlobs(writer)
    const blocks = new CarBlockStore()
    try {
      // The CAR is indexed as it is written to staging; one the stream index cannot follow is indexed from the file.
      const car = await this.client.getRepo(did, undefined, async (body) => {
        const index = new CarStreamIndex()
        const staged = await writer.addFile(nativeMember('atproto', 'repo.car'), index.pass(body), { compress: true })
        return { path: staged.path, index }
      })
      const [root] = car.index.complete ? await blocks.addIndexed(car.path, car.index) : await blocks.addFile(car.path)
      if (!root) throw new Error('the repository CAR has no root')
      const commit = await readCommit(blocks, root)
      out.debug(`repo ${did} at rev ${commit.rev}: ${blocks.size} blocks`)
      const blobInfo = await this.#writeRecords(writer, blocks, root)
      const media = await this.#writeBlobs(writer, blobInfo, await prefetch.listed(), prefetch.staged, failures)
      await this.#writeExtras(writer, failures)
      return { counts: { media }, failures, cursor: { rev: commit.rev, commit: root.toString() } }
    } finally {
      await prefetch.stop()
      await blocks.close()
    }
  }

  /**
   * Starts downloading the blobs sync.listBlobs names while the repo CAR is still being fetched and walked: they are
   * staged (checked against their CID) but not recorded; #writeBlobs records every blob in CID order and fetches what
   * this missed or failed to get (a failure here is not reported: that pass retries it and reports its own).
   */
  #prefetchBlobs(writer: ArchiveWriter) {
    const { did } = this.options.identity
    const queue = new PQueue({ concurrency: this.options.blobConcurrency ?? BLOB_CONCURRENCY })
    const staged = new Set<string>()
    let stopped = false
    const download = async (cid: string) => {
      if (stopped || this.context.signal.aborted || writer.hasStagedMedia(cid)) return
      const expectSha256 = cidSha256Hex(CID.parse(cid))
      await this.client.getBlob(did, cid, (body, served) => writer.stageMedia(body, { key: cid, expectSha256, meta: { mime: served ?? undefined } }))
      staged.add(cid)
    }
    const listing = (async () => {
      const cids = new Set<string>()
      for await (const cid of this.client.listBlobs(did)) {
        if (stopped) break
        if (!cids.has(cid) && !writer.hasStagedMedia(cid)) queue.add(() => download(cid)).catch(() => undefined)
        cids.add(cid)
      }
      return cids
    })()
    listing.catch(() => undefined)
    return {
      staged,
      /** Every CID listBlobs named, once the listing and the downloads it started are done. */
      async listed(): Promise<Set<string>> {
        const cids = await listing
        await queue.onIdle()
        return cids
      },
      /** Ends the downloads still queued and waits for those under way. */
      async stop(): Promise<void> {
        stopped = true
        queue.clear()
        await listing.catch(() => undefined)
        await queue.onIdle()
      },
    }
  }

  /** Walks the CAR once, writing every normalised record; returns blob CID -> { mime, alt, attachedTo }. */
  async #writeRecords(writer: ArchiveWriter, blocks: CarBlockStore, root: CID) {
    const did = this.options.identity.did
    const blobs = new Map<string, { mime?: string; alt?: string; attachedTo: string[] }>()
    const blobsBySha = new Map<string | undefined, { mime?: string; alt?: string; attachedTo: string[] }>()
    const lists = new Map<string, ListRecord>()
    // Follows and blocks name accounts by DID only: they are written after the walk, with the handles looked up.
    const relations: { following: RelationRecord[]; blocks: RelationRecord[] } = { following: [], blocks: [] }
    let profile: Record<string, unknown> | null = null
    for (const kind of ['posts', 'likes', 'reposts', 'following', 'blocks', 'lists'] as const) writer.declare(kind)
    for await (const entry of walkRecords(blocks, root)) {
      throwIfAborted(this.context.signal)
      const record = decodeRecord(entry.bytes)
      const uri = `at://${did}/${entry.collection}/${entry.rkey}`
      for (const [cid, mime] of blobRefs(record)) {
        let info = blobs.get(cid)
        if (!info) {
          info = { mime, attachedTo: [] }
          blobs.set(cid, info)
          blobsBySha.set(cidSha256Hex(cid), info)
        }
        info.attachedTo.push(uri)
      }
      switch (entry.collection) {
        case COLLECTIONS.post: {
          const post = mapPost(did, entry.rkey, entry.cid.toString(), record)
          for (const ref of post.media ?? []) {
            const info = blobsBySha.get(ref.sha256)
            if (info && ref.alt) info.alt = ref.alt
          }
          await writer.write('posts', post)
          break
        }
        case COLLECTIONS.like:
          await writer.write('likes', mapSubject(did, entry.collection, entry.rkey, record))
          break
        case COLLECTIONS.repost:
          await writer.write('reposts', mapSubject(did, entry.collection, entry.rkey, record))
          break
        case COLLECTIONS.follow:
          relations.following.push(mapRelation(did, entry.collection, entry.rkey, record))
          break
        case COLLECTIONS.block:
          relations.blocks.push(mapRelation(did, entry.collection, entry.rkey, record))
          break
        case COLLECTIONS.list:
          lists.set(`at://${did}/${entry.collection}/${entry.rkey}`, mapList(did, entry.rkey, record))
          break
        case COLLECTIONS.listItem: {
          const list = lists.get(record.list as string)
          if (list) list.members.push({ id: record.subject as string })
          break
        }
        case COLLECTIONS.profile:
          if (entry.rkey === 'self') profile = record
          break
      }
    }
    await this.#addHandles(writer, [...relations.following, ...relations.blocks])
    for (const kind of ['following', 'blocks'] as const) for (const relation of relations[kind]) await writer.write(kind, relation)
    for (const list of lists.values()) await writer.write('lists', list)
    await writer.setProfile(mapProfile(this.account, profile))
    return blobs
  }

  /**
   * Sets `account.handle` on each relation from the DID documents (docs/archive-format.md §4.4). Only when this export
   * read the account's own DID document: with --server alone it reads no directory, and asks none about others.
   */
  async #addHandles(writer: ArchiveWriter, relations: RelationRecord[]): Promise<void> {
    if (relations.length === 0) return
    if (!this.options.identity.didDocument) {
      writer.note('handles of followed and blocked accounts not looked up: with --server alone the export reads no DID directory (add --plc https://plc.directory); they are recorded by DID only')
      return
    }
    const { out, http, signal } = this.context
    const { handles, failed } = await lookUpHandles(
      relations.map((r) => r.account.id),
      { http, plc: this.options.plc ?? DEFAULT_PLC, signal },
    )
    for (const relation of relations) {
      const handle = handles.get(relation.account.id)
      if (handle) relation.account.handle = handle
    }
    const missing = relations.filter((r) => !r.account.handle).length
    out.info(`handles: ${relations.length - missing} of ${relations.length} followed and blocked accounts named by their DID document`)
    if (failed.length > 0) {
      out.warn(`${failed.length} DID documents could not be read (first: ${failed[0]!.did}: ${failed[0]!.reason}); those accounts are recorded by DID only`)
      writer.note(`handles of ${failed.length} followed or blocked accounts not looked up: their DID documents could not be read (first: ${failed[0]!.did}: ${failed[0]!.reason})`)
    }
  }

  async #writeBlobs(writer: ArchiveWriter, fromRecords: Map<string, { mime?: string; alt?: string; attachedTo: string[] }>, listed: Set<string>, prefetched: Set<string>, failures: ItemFailure[]): Promise<number> {
    const { did } = this.options.identity
    const { out, signal } = this.context
    const cids = new Set<string>(listed)
    for (const cid of fromRecords.keys()) cids.add(cid)
    const progress = out.progress('blobs', cids.size)
    let stored = 0
    let reused = 0
    // Downloads run concurrently; records are written in CID order, so the archive does not depend on timing.
    await forEachOrdered(
      [...cids].sort(),
      { concurrency: this.options.blobConcurrency ?? BLOB_CONCURRENCY, signal },
      async (cid) => {
        if (writer.hasStagedMedia(cid)) {
          if (!prefetched.has(cid)) reused++
          return
        }
        const expectSha256 = cidSha256Hex(CID.parse(cid))
        const mime = fromRecords.get(cid)?.mime
        await this.client.getBlob(did, cid, async (body, served) => {
          await writer.stageMedia(body, { key: cid, expectSha256, meta: { mime: mime ?? served ?? undefined } })
        })
      },
      async (cid, result) => {
        progress.tick()
        if (!result.ok) {
          const error = result.error
          const reason = error instanceof MediaHashMismatchError ? `bytes do not match the CID (${error.actual})` : (error as Error).message
          failures.push({ kind: 'media', item: cid, reason })
          out.warn(`blob ${cid}: ${reason}`)
          return
        }
        const info = fromRecords.get(cid)
        await writer.recordMedia({ key: cid, meta: { mime: info?.mime, alt: info?.alt ?? null, source: { cid }, attachedTo: info?.attachedTo ?? [] } })
        stored++
      },
    )
    progress.done(`blobs: ${stored} stored${reused ? ` (${reused} reused from an interrupted run)` : ''}${failures.length ? `, ${failures.length} failed` : ''}`)
    return stored
  }

  /** Preferences (with a session), the DID document and the PLC audit log: small, kept verbatim under native/. */
  async #writeExtras(writer: ArchiveWriter, failures: ItemFailure[]): Promise<void> {
    const { identity, session } = this.options
    if (session) {
      const prefs = await this.client.getPreferences()
      await writer.addFile(nativeMember('atproto', 'preferences.json'), JSON.stringify(prefs, null, 2) + '\n')
    } else {
      writer.note('preferences not exported: no password was given (public data only)')
    }
    if (identity.didDocument) await writer.addFile(nativeMember('atproto', 'did.json'), JSON.stringify(identity.didDocument, null, 2) + '\n')
    if (identity.did.startsWith('did:plc:') && this.options.plc) {
      try {
        const log = await xrpcLog(this.context, this.options.plc, identity.did)
        await writer.addFile(nativeMember('atproto', 'plc-audit-log.json'), JSON.stringify(log, null, 2) + '\n')
      } catch (error) {
        failures.push({ kind: 'identity', item: identity.did, reason: `PLC audit log: ${(error as Error).message}` })
      }
    }
  }
}

async function xrpcLog(context: AdapterContext, plc: string, did: string): Promise<unknown> {
  return context.http.request(`${plc.replace(/\/+$/, '')}/${did}/log/audit`, {}, async (res) => {
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return toLexJson(await res.json())
  })
}
