// The one blob copy onto a PDS, shared by restore (from a store or an archive) and migration (from the old PDS).
// The target decides what is needed and what is done: its com.atproto.repo.listMissingBlobs names the blobs its
// records reference and it lacks, and the same list after the uploads is the result, never a count of uploads.
// Every blob's bytes are checked against its CID before upload: bytes that do not match are a per-item failure named
// by CID and are never sent. Reads and uploads run `concurrency` at a time each, side by side; the host queues of the
// HTTP client bound them too.
// The passes end when a list has nothing left to try; that list, read after the last upload, is the result.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import PQueue from 'p-queue'
import type { AdapterContext } from '../adapter.js'
import { AuthError, BadArchiveError, InterruptedError, NotFoundError, throwIfAborted } from '../../errors.js'
import { fileMatchesCid } from '../../files/cid.js'
import type { AtprotoClient } from './client.js'

export interface BlobSource {
  /** Where the blobs come from, for messages: "the backup", "old.example.com". */
  readonly name: string
  /**
   * The blob's bytes in a file: `scratch` (a fresh path the source may write) or a file of the source's own, and its
   * MIME type; null when the source does not have the blob. The copy checks the file against the CID, then uploads it.
   */
  open(cid: string, scratch: string): Promise<{ path: string; mime: string } | null>
}

/** Why a blob is still missing on the target. `corrupt`: the source's bytes do not match the CID. */
export type MissingKind = 'corrupt' | 'absent' | 'failed' | 'pending'

export interface MissingBlob {
  cid: string
  recordUri: string
  reason: string
  kind: MissingKind
}

export interface BlobCopyResult {
  /** Blobs uploaded by this run. */
  uploaded: number
  /** What the target's listMissingBlobs still lists after the copy, each with why. Empty means every blob is there. */
  missing: MissingBlob[]
}

export interface BlobCopyOptions {
  /** A private working directory for scratch files. */
  work: string
  /** Uploads in flight at once, and reads from the source beside them (default 6 each). */
  concurrency?: number
  /** Passes over the target's missing list; a pass with nothing left to try ends early (default 3). */
  rounds?: number
}

export const DEFAULT_BLOB_CONCURRENCY = 6

export async function copyMissingBlobs(context: AdapterContext, target: AtprotoClient, source: BlobSource, options: BlobCopyOptions): Promise<BlobCopyResult> {
  const failures = new Map<string, { kind: MissingKind; reason: string }>()
  let uploaded = 0
  let n = 0
  // The target's latest list, when nothing has been uploaded since it was read: then it is also the result.
  let left: { cid: string; recordUri: string }[] | undefined
  for (let round = 0; round < (options.rounds ?? 3); round++) {
    const listed = await target.listMissingBlobs()
    // Blobs the source lacks or holds corrupt are not tried again: another pass cannot change that.
    const todo = listed.filter((b) => !['corrupt', 'absent'].includes(failures.get(b.cid)?.kind ?? ''))
    if (todo.length === 0) {
      left = listed
      break
    }
    const progress = context.out.progress('blobs', todo.length)
    // Reading a blob (a download from the old PDS, an archive member, a store object) with its CID check, and its
    // upload, run in lanes of their own, `concurrency` each, so neither side waits for the other; a blob holds a
    // scratch file from its read to the end of its upload, so at most 2 × `concurrency` are on disk at once.
    const concurrency = options.concurrency ?? DEFAULT_BLOB_CONCURRENCY
    const queue = new PQueue({ concurrency: 2 * concurrency })
    const reads = new PQueue({ concurrency })
    const uploads = new PQueue({ concurrency })
    let fatal: unknown
    const stopped = () => context.signal.aborted || fatal !== undefined
    for (const blob of todo) {
      queue.add(async () => {
        if (stopped()) return
        const scratch = join(options.work, `blob-${n++}`)
        try {
          const found = await reads.add(async () => {
            if (stopped()) return 'stopped' as const
            const opened = await source.open(blob.cid, scratch)
            if (!opened) return 'absent' as const
            return (await fileMatchesCid(blob.cid, opened.path)) ? opened : ('corrupt' as const)
          })
          if (found === 'stopped') return
          if (found === 'absent') {
            failures.set(blob.cid, { kind: 'absent', reason: `not in ${source.name}` })
          } else if (found === 'corrupt') {
            failures.set(blob.cid, { kind: 'corrupt', reason: `the bytes in ${source.name} do not match the CID; not uploaded` })
          } else {
            const sent = await uploads.add(async () => {
              if (stopped()) return false
              await target.uploadBlob(found.path, found.mime)
              return true
            })
            if (sent) {
              uploaded++
              failures.delete(blob.cid)
            }
            return
          }
          context.out.warn(`blob ${blob.cid} (used by ${blob.recordUri}): ${failures.get(blob.cid)!.reason}`)
        } catch (error) {
          if (error instanceof InterruptedError || error instanceof AuthError) {
            fatal ??= error
            return
          }
          const message = error instanceof Error ? error.message : String(error)
          const absent = error instanceof NotFoundError || /BlobNotFound|blob not found/i.test(message)
          failures.set(
            blob.cid,
            error instanceof BadArchiveError
              ? { kind: 'corrupt', reason: `${source.name} is damaged here (${message}); not uploaded` }
              : absent
                ? { kind: 'absent', reason: `${source.name} does not have it (${message})` }
                : { kind: 'failed', reason: message },
          )
          context.out.warn(`blob ${blob.cid} (used by ${blob.recordUri}): ${failures.get(blob.cid)!.reason}`)
        } finally {
          await rm(scratch, { force: true })
          progress.tick()
        }
      })
    }
    await queue.onIdle()
    if (fatal) throw fatal
    throwIfAborted(context.signal)
    progress.done()
  }
  left ??= await target.listMissingBlobs()
  return {
    uploaded,
    missing: left.map((b) => ({ ...b, ...(failures.get(b.cid) ?? { kind: 'pending' as const, reason: `uploaded, but ${target.host} still lists it as missing` }) })),
  }
}
