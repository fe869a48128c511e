// Incremental AT Protocol backups into a backup store (docs/backup-store.md; kind `atproto-repo`, data below).
//
// An unchanged repo costs one request (sync.getLatestCommit), or three with a login (createSession,
// getLatestCommit, getPreferences). A changed repo costs a diff CAR (sync.getRepo?since=<rev of the last snapshot>)
// plus the blobs the store lacks. The snapshot names every CAR "pack" since the last full fetch; walking the MST from
// the snapshot's commit through those packs yields exactly the repo at that commit, so deletions are reflected
// without a full download. Every snapshot is checked by that walk before it is written (all blocks present, each
// hashing to its CID), and a walk that finds a block missing falls back to a full CAR. `--full` and every
// `fullEvery`-th snapshot take a full CAR regardless, which bounds the pack chain.
import { Readable } from 'node:stream'
import PQueue from 'p-queue'
import { CID } from 'multiformats/cid'
import type { AdapterContext, ItemFailure } from '../adapter.js'
import { throwIfAborted, RemoteError } from '../../errors.js'
import { CarBlockStore, BlockNotFoundError } from './car-file.js'
import { cidSha256Hex } from '../../files/cid.js'
import { blobRefs, decodeRecord, readCommit, walkRecords } from './mst.js'
import { AtprotoClient } from './client.js'
import type { Identity } from './identity.js'
import type { PdsSession } from './session.js'
import type { BackupStore } from '../../store/store.js'
import type { Snapshot } from '../../store/format.js'

export const ATPROTO_SNAPSHOT_KIND = 'atproto-repo'

/** `data` of an `atproto-repo` snapshot. */
export type AtprotoSnapshotData = {
  did: string
  handle: string | null
  pds: string
  rev: string
  /** CID of the signed commit this snapshot captures. */
  commit: string
  /** sha256 of CAR objects, oldest first: a full CAR then the diffs since. Together they hold every block. */
  packs: string[]
  /** Blob CIDs referenced by the repo at this commit; each blob's object is the sha256 in its CID. */
  blobs: { cid: string; mime?: string }[]
  /** sha256 of the preferences JSON object, when the backup was logged in. */
  preferences: string | null
  records: number
  /** Whether this run fetched a full CAR. */
  full: boolean
}

export interface AtprotoBackupOptions {
  store: BackupStore
  identity: Identity
  /** The account's login on its PDS (adds preferences). */
  session?: PdsSession
  /** Fetch a full CAR even when a diff would do. */
  full?: boolean
  /** Take a full CAR when the last full one is this many snapshots back (default 7). */
  fullEvery?: number
  blobConcurrency?: number
}

export interface AtprotoBackupResult {
  snapshot: Snapshot<AtprotoSnapshotData>
  unchanged: boolean
  newBlobs: number
  failures: ItemFailure[]
}

async function fetchCar(client: AtprotoClient, options: AtprotoBackupOptions, since: string | undefined): Promise<string> {
  const stored = await client.getRepo(options.identity.did, since, (body) => options.store.putObject(body))
  return stored.sha256
}

/** Walks the repo at `commit` through `packs`; returns the blob refs and record count, or throws BlockNotFoundError. */
export async function walkSnapshot(store: BackupStore, packs: string[], commit: CID, signal?: AbortSignal) {
  // Packs need random access: local copies (the objects themselves in a plain local store).
  return store.withLocalObjects(packs, async (paths) => {
    const blocks = new CarBlockStore()
    try {
      for (const path of paths) await blocks.addFile(path)
      const head = await readCommit(blocks, commit)
      const blobs = new Map<string, string | undefined>()
      let records = 0
      for await (const entry of walkRecords(blocks, commit)) {
        throwIfAborted(signal)
        records++
        blobRefs(decodeRecord(entry.bytes), blobs)
      }
      return { rev: head.rev, did: head.did, blobs, records }
    } finally {
      await blocks.close()
    }
  }, signal)
}

export async function backupAccount(context: AdapterContext, options: AtprotoBackupOptions): Promise<AtprotoBackupResult> {
  const { store, identity, session } = options
  const { did, pds } = identity
  const previous = (await store.readSnapshot('latest', { kind: ATPROTO_SNAPSHOT_KIND, subject: did }).catch(() => null)) as Snapshot<AtprotoSnapshotData> | null
  const client = new AtprotoClient(context, pds, session)
  const head = await client.getLatestCommit(did)
  const preferences = session ? await storePreferences(client, options) : null
  const subject = { id: did, ...(identity.handle ? { handle: identity.handle } : {}), server: pds }

  if (previous && previous.data.commit === head.cid && !options.full) {
    const data: AtprotoSnapshotData = { ...previous.data, handle: identity.handle, pds, preferences: preferences ?? previous.data.preferences }
    const snapshot = await store.writeSnapshot<AtprotoSnapshotData>({ kind: ATPROTO_SNAPSHOT_KIND, subject, objects: objectsOf(data), data, stats: { unchanged: 1, newBlobs: 0 } })
    return { snapshot, unchanged: true, newBlobs: 0, failures: [] }
  }

  const fullEvery = options.fullEvery ?? 7
  const chainTooLong = previous ? previous.data.packs.length >= fullEvery : true
  const incremental = Boolean(previous && !options.full && !chainTooLong && previous.data.did === did)
  let packs = incremental ? [...previous!.data.packs, await fetchCar(client, options, previous!.data.rev)] : [await fetchCar(client, options, undefined)]
  let full = !incremental
  let walked
  try {
    walked = await walkSnapshot(store, packs, CID.parse(head.cid), context.signal)
  } catch (error) {
    if (!(error instanceof BlockNotFoundError) || full) throw wrapWalkError(error, did)
    context.out.info(`The diff for ${did} does not complete the repo (${error.message}); fetching the full repository.`)
    packs = [await fetchCar(client, options, undefined)]
    full = true
    walked = await walkSnapshot(store, packs, CID.parse(head.cid), context.signal).catch((e) => {
      throw wrapWalkError(e, did)
    })
  }
  if (walked.did !== did) throw new RemoteError(`The repository served for ${did} is signed for ${walked.did}.`)

  const listed = client.listBlobs(did, incremental ? previous!.data.rev : undefined)
  for await (const cid of listed) if (!walked.blobs.has(cid)) walked.blobs.set(cid, undefined)
  const { newBlobs, failures } = await storeBlobs(context, client, options, walked.blobs)

  const data: AtprotoSnapshotData = {
    did,
    handle: identity.handle,
    pds,
    rev: walked.rev,
    commit: head.cid,
    packs,
    blobs: [...walked.blobs].filter(([cid]) => !failures.some((f) => f.item === cid)).map(([cid, mime]) => (mime ? { cid, mime } : { cid })),
    preferences: preferences ?? previous?.data.preferences ?? null,
    records: walked.records,
    full,
  }
  for (const failure of failures) context.out.warn(`blob ${failure.item}: ${failure.reason}`)
  const snapshot = await store.writeSnapshot<AtprotoSnapshotData>({
    kind: ATPROTO_SNAPSHOT_KIND,
    subject,
    objects: objectsOf(data),
    data,
    stats: { unchanged: 0, newBlobs, records: walked.records, packs: packs.length, failedBlobs: failures.length },
  })
  return { snapshot, unchanged: false, newBlobs, failures }
}

function wrapWalkError(error: unknown, did: string): Error {
  if (error instanceof BlockNotFoundError) return new RemoteError(`The repository of ${did} as served is incomplete: ${error.message}.`, { hint: 'Try again later; if it persists the PDS is damaged.' })
  return error as Error
}

export function objectsOf(data: AtprotoSnapshotData): string[] {
  const objects = new Set<string>(data.packs)
  for (const blob of data.blobs) {
    const sha = cidSha256Hex(blob.cid)
    if (sha) objects.add(sha)
  }
  if (data.preferences) objects.add(data.preferences)
  return [...objects]
}

async function storePreferences(client: AtprotoClient, options: AtprotoBackupOptions): Promise<string> {
  const prefs = await client.getPreferences()
  const stored = await options.store.putObject(Readable.from([Buffer.from(JSON.stringify(prefs) + '\n')]))
  return stored.sha256
}

async function storeBlobs(context: AdapterContext, client: AtprotoClient, options: AtprotoBackupOptions, blobs: Map<string, string | undefined>) {
  const { did } = options.identity
  const failures: ItemFailure[] = []
  const queue = new PQueue({ concurrency: options.blobConcurrency ?? 8 })
  const progress = context.out.progress('blobs', blobs.size)
  let newBlobs = 0
  for (const cid of blobs.keys()) {
    queue.add(async () => {
      if (context.signal.aborted) return
      try {
        const sha = cidSha256Hex(cid)
        if (!sha) throw new Error('not a sha2-256 CID')
        if (await options.store.hasObject(sha)) return
        await client.getBlob(did, cid, (body) => options.store.putObject(body, { expectSha256: sha }))
        newBlobs++
      } catch (error) {
        if (!context.signal.aborted) failures.push({ kind: 'blob', item: cid, reason: (error as Error).message })
      } finally {
        progress.tick()
      }
    })
  }
  await queue.onIdle()
  throwIfAborted(context.signal)
  progress.done()
  return { newBlobs, failures }
}
