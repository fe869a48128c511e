// The data phase of a migration (atproto.com guide "Account Migration"; distro ACCOUNT_MIGRATION.md): repo, blobs,
// preferences, each from the old PDS into the deactivated account on the new one, and the proof that nothing is
// missing. Everything here only adds to the new PDS and can be repeated: a repeated import is an empty diff there, and
// only blobs the new PDS still lists as missing are copied.
import { createWriteStream, openAsBlob } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import PQueue from 'p-queue'
import type { AdapterContext } from '../adapter.js'
import { AuthError, InterruptedError, RemoteError, isLifeboatError, throwIfAborted } from '../../errors.js'
import { PRIVATE_FILE_MODE } from '../../files/atomic-file.js'
import { CarBlockStore, cidSha256Hex } from './car-file.js'
import { readCommit } from './mst.js'
import type { AccountStatus, LatestCommit, MissingBlobsPage } from './api.js'
import { responseError, type PdsSession } from './target-session.js'
import type { MissingBlob } from './migrate-state.js'

export interface Sides {
  did: string
  old: PdsSession
  neu: PdsSession
}

const CAR_TYPE = 'application/vnd.ipld.car'

/** The old repo's head, read with the account's own login (a deactivated repo is hidden from everyone else). */
export async function latestCommit(session: PdsSession, did: string): Promise<LatestCommit> {
  return session.json<LatestCommit>('com.atproto.sync.getLatestCommit', { params: { did } })
}

async function toFile(body: ReadableStream<Uint8Array>, path: string, expectSha256?: string): Promise<void> {
  const hash = createHash('sha256')
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      done(null, chunk)
    },
  })
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), tap, createWriteStream(path, { mode: PRIVATE_FILE_MODE }))
  if (expectSha256 !== undefined && hash.digest('hex') !== expectSha256) throw new BlobMismatchError()
}

class BlobMismatchError extends Error {
  override name = 'BlobMismatchError'
  constructor() {
    super('the bytes the old PDS served do not match the blob\'s CID')
  }
}

/** getRepo (old, streamed to disk) then importRepo (new, from disk with its Content-Length); returns what was imported. */
export async function importRepo(context: AdapterContext, sides: Sides, work: string): Promise<{ commit: string; rev: string }> {
  const { did, old, neu } = sides
  const carPath = join(work, 'repo.car')
  await old.request('com.atproto.sync.getRepo', { params: { did } }, async (res) => {
    if (!res.ok || !res.body) throw await responseError('com.atproto.sync.getRepo', old.pds, res)
    await toFile(res.body, carPath)
  })
  const blocks = new CarBlockStore()
  let root: string
  let rev: string
  try {
    const [commitCid] = await blocks.addFile(carPath)
    if (!commitCid) throw new RemoteError(`The repository ${new URL(old.pds).host} served for ${did} has no root.`)
    const commit = await readCommit(blocks, commitCid)
    if (commit.did !== did) throw new RemoteError(`The repository ${new URL(old.pds).host} served for ${did} is signed for ${commit.did}.`)
    root = commitCid.toString()
    rev = commit.rev
    context.out.debug(`repo of ${did} at rev ${rev}: ${blocks.size} blocks`)
  } finally {
    await blocks.close()
  }
  const body = await openAsBlob(carPath, { type: CAR_TYPE })
  await neu.request('com.atproto.repo.importRepo', { method: 'POST', body, headers: { 'content-type': CAR_TYPE } }, async (res) => {
    if (!res.ok) throw await responseError('com.atproto.repo.importRepo', neu.pds, res)
    await res.arrayBuffer()
  })
  await rm(carPath, { force: true })
  return { commit: root, rev }
}

/** Every blob the new PDS lists as referenced but not uploaded (the cursor is the last CID; stop on a short page). */
export async function listMissingBlobs(neu: PdsSession): Promise<{ cid: string; recordUri: string }[]> {
  const all: { cid: string; recordUri: string }[] = []
  let cursor: string | undefined
  for (;;) {
    const page = await neu.json<MissingBlobsPage>('com.atproto.repo.listMissingBlobs', { params: { limit: 1000, cursor } })
    all.push(...page.blobs)
    if (!page.cursor || page.blobs.length < 1000) return all
    cursor = page.cursor
  }
}

function missingReason(error: unknown, old: PdsSession): string {
  if (error instanceof BlobMismatchError) return error.message
  const message = error instanceof Error ? error.message : String(error)
  if (/blob not found|BlobNotFound/i.test(message) || (isLifeboatError(error) && error.details?.status === 404)) {
    return `${new URL(old.pds).host} does not have it (${message})`
  }
  return message
}

/** The new PDS's missing blobs, each downloaded from the old PDS (checked against its CID) and uploaded; repeated until none is left or nothing more can be done. */
export async function copyMissingBlobs(context: AdapterContext, sides: Sides, work: string, concurrency = 4): Promise<{ copied: number; missing: MissingBlob[] }> {
  const { did, old, neu } = sides
  const failures = new Map<string, string>()
  /** Blobs that cannot come from the old PDS at all (gone, or the wrong bytes): not tried again in later rounds. */
  const hopeless = new Set<string>()
  let copied = 0
  let n = 0
  for (let round = 0; round < 3; round++) {
    const missing = (await listMissingBlobs(neu)).filter((b) => !hopeless.has(b.cid))
    if (missing.length === 0) break
    const progress = context.out.progress('blobs', missing.length)
    const queue = new PQueue({ concurrency })
    for (const blob of missing) {
      queue.add(async () => {
        if (context.signal.aborted) return
        const path = join(work, `blob-${n++}`)
        try {
          let mime = 'application/octet-stream'
          await old.request('com.atproto.sync.getBlob', { params: { did, cid: blob.cid } }, async (res) => {
            if (!res.ok || !res.body) throw await responseError('com.atproto.sync.getBlob', old.pds, res)
            mime = res.headers.get('content-type') ?? mime
            await toFile(res.body, path, cidSha256Hex(blob.cid))
          })
          const body = await openAsBlob(path, { type: mime })
          await neu.request('com.atproto.repo.uploadBlob', { method: 'POST', body, headers: { 'content-type': mime } }, async (res) => {
            if (!res.ok) throw await responseError('com.atproto.repo.uploadBlob', neu.pds, res)
            await res.arrayBuffer()
          })
          copied++
          failures.delete(blob.cid)
        } catch (error) {
          if (error instanceof InterruptedError || error instanceof AuthError) throw error
          const reason = missingReason(error, old)
          failures.set(blob.cid, reason)
          if (error instanceof BlobMismatchError || reason.includes('does not have it')) hopeless.add(blob.cid)
          context.out.warn(`blob ${blob.cid} (${blob.recordUri}): ${reason}`)
        } finally {
          await rm(path, { force: true })
          progress.tick()
        }
      })
    }
    await queue.onIdle()
    throwIfAborted(context.signal)
    progress.done()
  }
  const left = await listMissingBlobs(neu)
  return { copied, missing: left.map((b) => ({ ...b, reason: failures.get(b.cid) ?? 'not copied yet' })) }
}

/** Preferences with full sessions on both sides (an app-password session would drop the birth date). */
export async function copyPreferences(sides: Sides): Promise<number> {
  const prefs = await sides.old.json<{ preferences: unknown[] }>('app.bsky.actor.getPreferences')
  await sides.neu.json('app.bsky.actor.putPreferences', { method: 'POST', body: JSON.stringify({ preferences: prefs.preferences ?? [] }) })
  return prefs.preferences?.length ?? 0
}

export interface ImportCheck {
  name: string
  ok: boolean
  detail: string
}

/** checkAccountStatus on both sides plus listMissingBlobs on the new one: what must hold before the DID may move. */
export async function checkImport(sides: Sides): Promise<{ ok: boolean; checks: ImportCheck[]; old: AccountStatus; neu: AccountStatus; missing: { cid: string; recordUri: string }[] }> {
  const [old, neu, missing] = await Promise.all([
    sides.old.json<AccountStatus>('com.atproto.server.checkAccountStatus'),
    sides.neu.json<AccountStatus>('com.atproto.server.checkAccountStatus'),
    listMissingBlobs(sides.neu),
  ])
  const checks: ImportCheck[] = [
    { name: 'records', ok: neu.indexedRecords === old.indexedRecords, detail: `${neu.indexedRecords} on the new PDS, ${old.indexedRecords} on the old` },
    { name: 'blobs referenced', ok: neu.expectedBlobs >= old.expectedBlobs, detail: `${neu.expectedBlobs} on the new PDS, ${old.expectedBlobs} on the old` },
    // importedBlobs can exceed expectedBlobs (Airport #3): the test is "at least", and nothing listed as missing.
    { name: 'blobs uploaded', ok: neu.importedBlobs >= neu.expectedBlobs, detail: `${neu.importedBlobs} of ${neu.expectedBlobs}` },
    {
      name: 'missing blobs',
      ok: missing.length === 0,
      detail: missing.length === 0 ? 'none' : missing.slice(0, 5).map((b) => `${b.cid} (${b.recordUri})`).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : ''),
    },
  ]
  return { ok: checks.every((c) => c.ok), checks, old, neu, missing }
}
