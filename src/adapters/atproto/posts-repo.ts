// The one point where post replay touches the logged-in PDS session: conditional record creation, reading a record
// back, blob upload and handle resolution. Everything else in posts-*.ts is built on these four calls.
//
// A record is created with com.atproto.repo.putRecord and `swapRecord: null` ("only if no record is there"; pds
// api/com/atproto/repo/putRecord.ts): at a free key it creates the record (2 write points on a reference PDS); when
// the identical record is already there it is a no-op that writes nothing and answers with the record's URI and CID;
// when another record holds the key the PDS refuses with InvalidSwap and nothing is overwritten. createRecord cannot
// do this: a second create of a key fails deep in the MST as a 500.
import type { AdapterContext } from '../adapter.js'
import { isLifeboatError, NotFoundError } from '../../errors.js'
import type { PdsSession } from './session.js'
import { xrpcCall, xrpcError } from './xrpc.js'
import type { WritePacer } from './pacing.js'

/** Write points of a putRecord on a reference PDS (pds api/com/atproto/repo/putRecord.ts `calcPoints`). */
export const PUT_POINTS = 2

export interface StrongRef {
  uri: string
  cid: string
}

export type PutResult = (StrongRef & { status: 'created' | 'same' }) | { status: 'taken' }

export interface BlobRef {
  $type: 'blob'
  ref: { $link: string }
  mimeType: string
  size: number
}

export class PostsRepo {
  #handles = new Map<string, Promise<string | null>>()

  constructor(
    readonly context: AdapterContext,
    readonly session: PdsSession,
    readonly pacer: WritePacer,
  ) {}

  get did(): string {
    return this.session.did
  }

  /** Creates the record at `rkey` unless a record is there; the caller has asked the pacer first. */
  async putNew(collection: string, rkey: string, record: Record<string, unknown>): Promise<PutResult> {
    const body = JSON.stringify({ repo: this.session.did, collection, rkey, record, validate: true, swapRecord: null })
    try {
      const out = await this.session.request('com.atproto.repo.putRecord', { method: 'POST', body, headers: { 'content-type': 'application/json' } }, async (res) => {
        this.pacer.observe(res.headers)
        if (!res.ok) throw await xrpcError('com.atproto.repo.putRecord', this.session.pds, res)
        return (await res.json()) as StrongRef & { commit?: unknown }
      })
      return { uri: out.uri, cid: out.cid, status: out.commit ? 'created' : 'same' }
    } catch (error) {
      if (isLifeboatError(error) && error.details?.error === 'InvalidSwap') return { status: 'taken' }
      throw error
    }
  }

  async get(collection: string, rkey: string): Promise<(StrongRef & { value: Record<string, unknown> }) | null> {
    try {
      return await this.session.json('com.atproto.repo.getRecord', { params: { repo: this.session.did, collection, rkey } })
    } catch (error) {
      if (error instanceof NotFoundError || (isLifeboatError(error) && error.details?.error === 'RecordNotFound')) return null
      throw error
    }
  }

  async uploadBlob(bytes: Buffer, mime: string): Promise<BlobRef> {
    const out = await this.session.request(
      'com.atproto.repo.uploadBlob',
      { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': mime } },
      async (res) => {
        if (!res.ok) throw await xrpcError('com.atproto.repo.uploadBlob', this.session.pds, res)
        return (await res.json()) as { blob: BlobRef }
      },
    )
    return out.blob
  }

  /** A handle's DID, through the PDS; null when it resolves nowhere. */
  resolveHandle(handle: string): Promise<string | null> {
    let found = this.#handles.get(handle)
    if (!found) {
      found = xrpcCall<{ did: string }>(this.context, this.session.pds, 'com.atproto.identity.resolveHandle', { params: { handle } }).then(
        (r) => r.did,
        (error) => {
          if (isLifeboatError(error) && (error instanceof NotFoundError || [400, 404].includes(Number(error.details?.status)))) return null
          throw error
        },
      )
      this.#handles.set(handle, found)
    }
    return found
  }
}
