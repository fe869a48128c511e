// The data phase of a migration (atproto.com guide "Account Migration"; distro ACCOUNT_MIGRATION.md): repo, blobs,
// preferences, each from the old PDS into the deactivated account on the new one, and the proof that nothing is
// missing. Everything here only adds to the new PDS and can be repeated: a repeated import is an empty diff there, and
// only blobs the new PDS still lists as missing are copied.
import { createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { AdapterContext } from '../adapter.js'
import { RemoteError } from '../../errors.js'
import { PRIVATE_FILE_MODE } from '../../files/atomic-file.js'
import { CarBlockStore } from './car-file.js'
import { readCommit } from './mst.js'
import type { AccountStatus, LatestCommit } from './api.js'
import type { PdsSession } from './session.js'
import { AtprotoClient } from './client.js'
import { copyMissingBlobs as copyBlobs, type BlobSource } from './blob-copy.js'
import type { MissingBlob } from './migration-state.js'

export interface Sides {
  did: string
  old: PdsSession
  neu: PdsSession
}

function client(session: PdsSession): AtprotoClient {
  return new AtprotoClient(session.context, session.pds, session)
}

/** The old repo's head, read with the account's own login (a deactivated repo is hidden from everyone else). */
export async function latestCommit(session: PdsSession, did: string): Promise<LatestCommit> {
  return session.json<LatestCommit>('com.atproto.sync.getLatestCommit', { params: { did } })
}

async function toFile(body: ReadableStream<Uint8Array>, path: string): Promise<void> {
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), createWriteStream(path, { mode: PRIVATE_FILE_MODE }))
}

/** getRepo (old, streamed to disk) then importRepo (new, from disk with its Content-Length); returns what was imported. */
export async function importRepo(context: AdapterContext, sides: Sides, work: string): Promise<{ commit: string; rev: string }> {
  const { did, old, neu } = sides
  const carPath = join(work, 'repo.car')
  await client(old).getRepo(did, undefined, (body) => toFile(body, carPath))
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
  await client(neu).importRepo(carPath)
  await rm(carPath, { force: true })
  return { commit: root, rev }
}

/** Every blob the new PDS lists as referenced but not uploaded. */
export async function listMissingBlobs(neu: PdsSession): Promise<{ cid: string; recordUri: string }[]> {
  return client(neu).listMissingBlobs()
}

/** The new PDS's missing blobs, each downloaded from the old PDS, checked against its CID and uploaded (blob-copy.ts). */
export async function copyMissingBlobs(context: AdapterContext, sides: Sides, work: string): Promise<{ copied: number; missing: MissingBlob[] }> {
  const { did, old, neu } = sides
  const fromOld: BlobSource = {
    name: new URL(old.pds).host,
    async open(cid, scratch) {
      let mime = 'application/octet-stream'
      await client(old).getBlob(did, cid, async (body, served) => {
        mime = served ?? mime
        await toFile(body, scratch)
      })
      return { path: scratch, mime }
    },
  }
  const result = await copyBlobs(context, client(neu), fromOld, { work })
  return { copied: result.uploaded, missing: result.missing.map(({ cid, recordUri, reason }) => ({ cid, recordUri, reason })) }
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
