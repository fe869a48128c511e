// Restores an AT Protocol account onto a PDS from a backup-store snapshot or an archive (atproto.com guide
// "Account Migration", data phase): repo.importRepo with a complete CAR, then the blobs the PDS lists as missing
// (blob-copy.ts: each checked against its CID, uploaded concurrently), then the preferences, then
// server.checkAccountStatus. Success is the PDS's own listMissingBlobs coming back empty. Every step is idempotent on
// the PDS side (a repeated import is a no-op diff; only missing blobs are uploaded), so a rerun simply continues.
import type { AdapterContext } from '../adapter.js'
import type { AccountStatus } from './api.js'
import { copyMissingBlobs, type BlobSource, type MissingBlob } from './blob-copy.js'
import type { AtprotoClient, Preferences } from './client.js'

export interface RestoreInput {
  /** Path of a complete repo CAR on disk. */
  carPath: string
  blobs: BlobSource
  /** Preferences JSON as stored ({ preferences: [...] }), if any. */
  preferences: Preferences | null
  /** Private working directory for scratch files. */
  work: string
  blobConcurrency?: number
}

export interface RestoreResult {
  status: AccountStatus
  uploadedBlobs: number
  /** Blobs the PDS still lists as missing after the restore, each with why. */
  missing: MissingBlob[]
}

export async function restoreAccount(context: AdapterContext, target: AtprotoClient, input: RestoreInput): Promise<RestoreResult> {
  const { out } = context
  out.info(`Importing the repository into ${target.session?.did ?? 'the account'} on ${target.host} …`)
  await target.importRepo(input.carPath)
  const blobs = await copyMissingBlobs(context, target, input.blobs, { work: input.work, concurrency: input.blobConcurrency })
  out.info(`Uploaded ${blobs.uploaded} blob${blobs.uploaded === 1 ? '' : 's'}.`)
  if (input.preferences) await target.putPreferences(input.preferences)
  const status = await target.checkAccountStatus()
  return { status, uploadedBlobs: blobs.uploaded, missing: blobs.missing }
}
