// Restores an AT Protocol account onto a PDS from a backup-store snapshot or an archive (atproto.com guide
// "Account Migration", data phase): repo.importRepo with a complete CAR, then repo.listMissingBlobs and uploadBlob
// until nothing is missing, then the preferences, then server.checkAccountStatus as the proof. Every step is
// idempotent on the PDS side (a repeated import is a no-op diff; only missing blobs are uploaded), so a rerun of an
// interrupted restore simply continues.
import { openAsBlob } from 'node:fs'
import type { AdapterContext, ItemFailure } from '../adapter.js'
import { RemoteError, throwIfAborted } from '../../errors.js'
import { xrpcError, xrpcInit, xrpcJson, xrpcUrl } from './xrpc.js'
import type { AccountStatus, MissingBlobsPage } from './api.js'
import type { LoggedIn } from './session.js'

export interface BlobProvider {
  /** A replayable body for the blob with this CID, or null when the backup does not hold it. */
  open(cid: string): Promise<{ body: Blob; mime: string } | null>
}

export interface RestoreInput {
  /** Path of a complete repo CAR on disk. */
  carPath: string
  blobs: BlobProvider
  /** Preferences JSON as stored ({ preferences: [...] }), if any. */
  preferences: unknown | null
}

export interface RestoreResult {
  status: AccountStatus
  uploadedBlobs: number
  missing: ItemFailure[]
}

const MAX_BLOB_ROUNDS = 3

export async function restoreAccount(context: AdapterContext, target: { pds: string; session: LoggedIn }, input: RestoreInput): Promise<RestoreResult> {
  const { pds, session } = target
  const { out } = context
  out.info(`Importing the repository into ${session.did} on ${new URL(pds).host} …`)
  const car = await openAsBlob(input.carPath, { type: 'application/vnd.ipld.car' })
  await context.http.request(
    xrpcUrl(pds, 'com.atproto.repo.importRepo'),
    xrpcInit({ method: 'POST', accessJwt: session.accessJwt, body: car, headers: { 'content-type': 'application/vnd.ipld.car' } }),
    async (res) => {
      if (!res.ok) throw await xrpcError('com.atproto.repo.importRepo', pds, res)
      await res.arrayBuffer()
    },
  )

  let uploaded = 0
  let missing: ItemFailure[] = []
  for (let round = 0; round < MAX_BLOB_ROUNDS; round++) {
    missing = []
    let attempted = 0
    for await (const blob of missingBlobs(context, pds, session.accessJwt)) {
      throwIfAborted(context.signal)
      const source = await input.blobs.open(blob.cid)
      if (!source) {
        missing.push({ kind: 'blob', item: blob.cid, reason: `not in the backup (used by ${blob.recordUri})` })
        continue
      }
      attempted++
      await context.http.request(
        xrpcUrl(pds, 'com.atproto.repo.uploadBlob'),
        xrpcInit({ method: 'POST', accessJwt: session.accessJwt, body: source.body, headers: { 'content-type': source.mime } }),
        async (res) => {
          if (!res.ok) throw await xrpcError('com.atproto.repo.uploadBlob', pds, res)
          await res.arrayBuffer()
        },
      )
      uploaded++
    }
    if (attempted === 0) break
  }
  out.info(`Uploaded ${uploaded} blob${uploaded === 1 ? '' : 's'}.`)

  if (input.preferences) {
    await session.agent.app.bsky.actor.putPreferences(input.preferences as { preferences: [] })
  }
  const status = await xrpcJson<AccountStatus>(context.http, pds, 'com.atproto.server.checkAccountStatus', { accessJwt: session.accessJwt })
  if (missing.length === 0 && status.importedBlobs < status.expectedBlobs) {
    throw new RemoteError(`${new URL(pds).host} still expects ${status.expectedBlobs - status.importedBlobs} blobs after the upload.`, { hint: 'Run the restore again to retry the missing blobs.' })
  }
  return { status, uploadedBlobs: uploaded, missing }
}

async function* missingBlobs(context: AdapterContext, pds: string, accessJwt: string): AsyncGenerator<{ cid: string; recordUri: string }> {
  let cursor: string | undefined
  for (;;) {
    const page = await xrpcJson<MissingBlobsPage>(context.http, pds, 'com.atproto.repo.listMissingBlobs', { params: { limit: 1000, cursor }, accessJwt })
    yield* page.blobs
    if (!page.cursor || page.blobs.length === 0) return
    cursor = page.cursor
  }
}
