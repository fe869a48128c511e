// Restores an AT Protocol account onto a PDS from a backup-store snapshot or an archive (atproto.com guide
// "Account Migration", data phase): repo.importRepo with a complete CAR, then the blobs the PDS lists as missing
// (blob-copy.ts: each checked against its CID, uploaded concurrently) with the preferences beside them, then
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
  // The blobs only after the import: a blob uploaded before the record that uses it is indexed stays temporary on the
  // PDS (never served, yet not listed as missing either). The preferences do not depend on either and go beside them.
  const [copied, preferred] = await Promise.allSettled([
    copyMissingBlobs(context, target, input.blobs, { work: input.work, concurrency: input.blobConcurrency }),
    input.preferences ? target.putPreferences(input.preferences) : Promise.resolve(),
  ])
  // Both settle before anything is thrown: nothing is left running against the PDS or in the working directory.
  if (copied.status === 'rejected') throw copied.reason
  if (preferred.status === 'rejected') throw preferred.reason
  const blobs = copied.value
  out.info(`Uploaded ${blobs.uploaded} blob${blobs.uploaded === 1 ? '' : 's'}.`)
  const status = await target.checkAccountStatus()
  return { status, uploadedBlobs: blobs.uploaded, missing: blobs.missing }
}
