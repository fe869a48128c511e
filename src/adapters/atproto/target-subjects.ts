// Whether the accounts and posts an archive names still exist, checked where they live: the DID document (PLC
// directory, or did:web) names the account's PDS, and that PDS says whether it still hosts the repo
// (com.atproto.sync.getRepoStatus). Both are needed: a PDS deleting an account does not tombstone its did:plc
// (pds api/com/atproto/server/deleteAccount.ts; bluesky-social/indigo#1276), and a tombstoned or unknown DID has no
// document at all. Checks run in the background, a few at a time, from the moment a subject is first named, so a
// batch of 200 follows waits for its lookups once, not 200 times in a row.
import PQueue from 'p-queue'
import type { AdapterContext } from '../adapter.js'
import { NotFoundError, RemoteError, UnsupportedError, isLifeboatError } from '../../errors.js'
import { pdsFromDocument, resolveDidDocument } from './identity.js'
import { xrpcCall } from './xrpc.js'
import type { RepoStatus } from './api.js'

export type SubjectCheck = { exists: true; pds: string; active: boolean } | { exists: false; reason: string }

const DID_RE = /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9._:%-]+)$/
const AT_POST_RE = /^at:\/\/(did:[a-z]+:[a-zA-Z0-9._:%-]+)\/app\.bsky\.feed\.post\/([a-zA-Z0-9._~:-]{1,512})$/

export function isAtprotoDid(id: string): boolean {
  return DID_RE.test(id)
}

export function parsePostUri(uri: string): { did: string; rkey: string } | null {
  const match = AT_POST_RE.exec(uri)
  return match ? { did: match[1]!, rkey: match[2]! } : null
}

export class SubjectChecker {
  #accounts = new Map<string, Promise<SubjectCheck>>()
  #queue: PQueue

  constructor(
    readonly context: AdapterContext,
    readonly plc: string,
    concurrency = 8,
  ) {
    this.#queue = new PQueue({ concurrency })
  }

  /** Starts (once) and returns the check of an account; rejects only for trouble that may pass (retry later). */
  account(did: string): Promise<SubjectCheck> {
    let check = this.#accounts.get(did)
    if (!check) {
      check = this.#queue.add(() => this.#checkAccount(did))
      // A rejection is read by whoever awaits the check; until then it must not count as unhandled.
      check.catch(() => undefined)
      this.#accounts.set(did, check)
    }
    return check
  }

  async #checkAccount(did: string): Promise<SubjectCheck> {
    let pds: string | null
    try {
      pds = pdsFromDocument(await resolveDidDocument(this.context.http, did, this.plc))
    } catch (error) {
      if (error instanceof NotFoundError) return { exists: false, reason: 'no longer exists: its DID is tombstoned or unknown' }
      throw error
    }
    if (!pds) return { exists: false, reason: 'no longer exists: its DID document names no PDS' }
    try {
      const status = await xrpcCall<RepoStatus>(this.context, pds, 'com.atproto.sync.getRepoStatus', { params: { did } })
      return { exists: true, pds, active: status.active }
    } catch (error) {
      if (error instanceof NotFoundError) return { exists: false, reason: `no longer exists: deleted from ${new URL(pds).host}` }
      // A 400 naming the repo (older PDSes answer RepoNotFound as InvalidRequest "Could not find repo").
      if (error instanceof RemoteError && error.status === 400 && /not find|not found/i.test(error.message)) {
        return { exists: false, reason: `no longer exists: deleted from ${new URL(pds).host}` }
      }
      // Taken down or suspended: the account exists; a follow is still meaningful if it comes back.
      if (error instanceof UnsupportedError) return { exists: true, pds, active: false }
      throw error
    }
  }

  /** The current CID of a post, for a like's strong reference; null with a reason when the post is gone. */
  async post(uri: string): Promise<{ cid: string } | { gone: string }> {
    const parsed = parsePostUri(uri)
    if (!parsed) return { gone: 'not an AT Protocol post URI' }
    const author = await this.account(parsed.did)
    if (!author.exists) return { gone: `its author ${author.reason}` }
    try {
      const record = await xrpcCall<{ cid?: string }>(this.context, author.pds, 'com.atproto.repo.getRecord', {
        params: { repo: parsed.did, collection: 'app.bsky.feed.post', rkey: parsed.rkey },
      })
      if (!record.cid) return { gone: 'the post has no CID' }
      return { cid: record.cid }
    } catch (error) {
      if (error instanceof NotFoundError) return { gone: 'the post no longer exists' }
      if (isLifeboatError(error) && error.details?.error === 'RecordNotFound') return { gone: 'the post no longer exists' }
      if (error instanceof RemoteError && error.status === 400 && /not find|not found/i.test(error.message)) return { gone: 'the post no longer exists' }
      throw error
    }
  }
}
