// The S3 backend: a store under `s3://bucket/prefix` on any S3-compatible service (docs/backup-store.md §2.5, §3,
// §4). Loaded only for s3:// stores (the AWS SDK is large). Keys are the store's relative names under the prefix.
// Atomicity comes from S3 itself: a PutObject or a completed multipart upload appears whole or not at all, so an
// object is staged on local disk (hashed, encoded) and uploaded under its final name; manifests go last; the lock is
// an object per writer (object-lock.ts). Settings come from the usual AWS environment variables (s3-settings.ts).
import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3'
import { AuthError, NotFoundError, RemoteError } from '../../errors.js'
import type { Lock } from '../../files/lock.js'
import { abortableSleep, backoffDelay, classifyFailure } from '../../net/retry.js'
import { StoredKeyProblem, type BackendEntry, type LocationState, type StoreBackend } from '../backend.js'
import { acquireObjectLock, type ObjectLockOptions } from './object-lock.js'
import { s3Settings, type S3Location } from './s3-settings.js'
import { PolicyRetryStrategy, isRetryableS3Error } from './s3-retry.js'

/** Multipart part size and parallel parts: memory stays under PART_SIZE × QUEUE_SIZE whatever the object's size. */
const PART_SIZE = 8 * 1024 * 1024
const QUEUE_SIZE = 4
/** Times a download cut off mid-body is resumed (a ranged GET from where it stopped, same ETag). */
const BODY_RESUMES = 5

type Sdk = typeof import('@aws-sdk/client-s3')

interface SdkError {
  name?: string
  Code?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
}

function statusOf(error: unknown): number | undefined {
  return (error as SdkError | null)?.$metadata?.httpStatusCode
}

function isNotFound(error: unknown): boolean {
  const name = (error as SdkError | null)?.name
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(error) === 404 && name !== 'NoSuchBucket')
}

export interface S3BackendOptions {
  lock?: ObjectLockOptions
}

export class S3Backend implements StoreBackend {
  readonly location: string
  readonly localDir = null
  readonly #sdk: Sdk
  readonly #client: S3Client
  readonly #where: S3Location
  readonly #options: S3BackendOptions
  #staging: Promise<string> | null = null

  constructor(sdk: Sdk, client: S3Client, where: S3Location, options: S3BackendOptions = {}) {
    this.#sdk = sdk
    this.#client = client
    this.#where = where
    this.location = where.url
    this.#options = options
  }

  #key(key: string): string {
    return this.#where.prefix === '' ? key : `${this.#where.prefix}/${key}`
  }

  /** One SDK call; failures become Lifeboat errors (after the retry strategy has given up on transient ones). */
  async #send<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw this.#explain(what, error)
    }
  }

  #explain(what: string, error: unknown): unknown {
    if (isNotFound(error)) return error
    const e = (error ?? {}) as SdkError
    const status = statusOf(error)
    const code = e.name ?? e.Code ?? 'error'
    if (code === 'NoSuchBucket') {
      return new NotFoundError(`The bucket ${this.#where.bucket} does not exist (${this.location}).`, { hint: 'Create the bucket first; Lifeboat creates only the store inside it.' })
    }
    if (status === 401 || status === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'].includes(code)) {
      return new AuthError(`The S3 service refused ${what} in ${this.location} (${code}).`, {
        hint: 'Check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the key’s permissions on the bucket.',
        cause: error,
      })
    }
    const network = classifyFailure(error)
    const why = network ? network.kind : `${code}${status ? ` (HTTP ${status})` : ''}`
    return new RemoteError(`S3 ${what} in ${this.location} failed: ${why}.`, {
      hint: 'Transient failures were retried; run the command again. A rerun continues where this one stopped.',
      cause: error,
      ...(status ? { status } : {}),
    })
  }

  async probe(): Promise<LocationState> {
    const prefix = this.#where.prefix === '' ? '' : `${this.#where.prefix}/`
    const listed = await this.#send('listing', () => this.#client.send(new this.#sdk.ListObjectsV2Command({ Bucket: this.#where.bucket, Prefix: prefix, MaxKeys: 1 })))
    return (listed.KeyCount ?? listed.Contents?.length ?? 0) > 0 ? 'used' : 'empty'
  }

  async create(): Promise<void> {}

  async readSmall(key: string, limitBytes: number): Promise<Buffer | null> {
    const response = await this.#get(key)
    if (response === null) return null
    if ((response.ContentLength ?? 0) > limitBytes) {
      ;(response.Body as Readable | undefined)?.destroy()
      throw new StoredKeyProblem('too-large')
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of await this.#resumable(key, response)) {
      size += (chunk as Buffer).length
      if (size > limitBytes) throw new StoredKeyProblem('too-large')
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks)
  }

  async writeSmall(key: string, bytes: Buffer): Promise<void> {
    await this.#send(`writing ${key}`, () =>
      this.#client.send(new this.#sdk.PutObjectCommand({ Bucket: this.#where.bucket, Key: this.#key(key), Body: bytes, ContentLength: bytes.length })),
    )
  }

  async size(key: string): Promise<number | null> {
    try {
      const head = await this.#send(`checking ${key}`, () => this.#client.send(new this.#sdk.HeadObjectCommand({ Bucket: this.#where.bucket, Key: this.#key(key) })))
      return head.ContentLength ?? 0
    } catch (error) {
      if (isNotFound(error)) return null
      throw error
    }
  }

  async #get(key: string, range?: { from: number; etag?: string }): Promise<GetObjectCommandOutput | null> {
    try {
      return await this.#send(`reading ${key}`, () =>
        this.#client.send(
          new this.#sdk.GetObjectCommand({
            Bucket: this.#where.bucket,
            Key: this.#key(key),
            ...(range ? { Range: `bytes=${range.from}-`, ...(range.etag ? { IfMatch: range.etag } : {}) } : {}),
          }),
        ),
      )
    } catch (error) {
      if (isNotFound(error)) return null
      throw error
    }
  }

  /** The body of `first`, resumed with ranged GETs (same ETag) when the connection breaks mid-body. */
  async #resumable(key: string, first: GetObjectCommandOutput): Promise<Readable> {
    const self = this
    const total = first.ContentLength
    const etag = first.ETag
    async function* body(): AsyncGenerator<Buffer> {
      let offset = 0
      let response = first
      for (let resumes = 0; ; ) {
        try {
          for await (const chunk of response.Body as Readable) {
            offset += (chunk as Buffer).length
            yield chunk as Buffer
          }
          if (total !== undefined && offset < total) throw Object.assign(new Error(`${key}: body ended after ${offset} of ${total} bytes`), { code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' })
          return
        } catch (error) {
          if (!classifyFailure(error, true)?.retryable || resumes >= BODY_RESUMES) throw self.#explain(`reading ${key}`, error)
          await abortableSleep(backoffDelay(resumes++, 250, 5000))
          const next = await self.#get(key, { from: offset, ...(etag ? { etag } : {}) })
          if (next === null) throw new NotFoundError(`${key} disappeared from ${self.location} while being read.`)
          response = next
        }
      }
    }
    return Readable.from(body(), { objectMode: false })
  }

  async openRead(key: string): Promise<Readable | null> {
    const response = await this.#get(key)
    return response === null ? null : this.#resumable(key, response)
  }

  async adopt(key: string, file: string): Promise<boolean> {
    try {
      // Written once under its content name: an object that exists already has these bytes.
      if ((await this.size(key)) !== null) return false
      const { Upload } = await import('@aws-sdk/lib-storage')
      // Parts are buffered (PART_SIZE each), so the SDK can send a failed part again; a file smaller than one part
      // goes up as one PutObject. An unfinished multipart upload is invisible and is aborted (or pruned, §6).
      const upload = new Upload({
        client: this.#client,
        params: { Bucket: this.#where.bucket, Key: this.#key(key), Body: createReadStream(file) },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      })
      await this.#send(`uploading ${key}`, () => upload.done())
      return true
    } finally {
      await rm(file, { force: true })
    }
  }

  async delete(key: string): Promise<void> {
    await this.#send(`deleting ${key}`, () => this.#client.send(new this.#sdk.DeleteObjectCommand({ Bucket: this.#where.bucket, Key: this.#key(key) })))
  }

  async *list(prefix: string): AsyncIterable<BackendEntry> {
    const strip = this.#where.prefix === '' ? 0 : this.#where.prefix.length + 1
    let token: string | undefined
    do {
      const page = await this.#send(`listing ${prefix}`, () =>
        this.#client.send(new this.#sdk.ListObjectsV2Command({ Bucket: this.#where.bucket, Prefix: this.#key(prefix), ...(token ? { ContinuationToken: token } : {}) })),
      )
      for (const item of page.Contents ?? []) if (item.Key) yield { key: item.Key.slice(strip), size: item.Size ?? 0 }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  localPath(): null {
    return null
  }

  stagingDir(): Promise<string> {
    // mkdtemp creates it owner-only (0700); staged files are deleted as soon as they are uploaded.
    this.#staging ??= mkdtemp(join(tmpdir(), 'lifeboat-s3-'))
    return this.#staging
  }

  lock(): Promise<Lock> {
    return acquireObjectLock(this, this.#options.lock)
  }

  async leftovers(remove: boolean): Promise<number> {
    // Multipart uploads of killed runs: invisible, but their parts take space until aborted. A service without
    // ListMultipartUploads (some S3 clones) has nothing to report.
    const prefix = this.#where.prefix === '' ? '' : `${this.#where.prefix}/`
    let uploads
    try {
      uploads = await this.#client.send(new this.#sdk.ListMultipartUploadsCommand({ Bucket: this.#where.bucket, Prefix: prefix }))
    } catch (error) {
      if (isRetryableS3Error(error)) throw this.#explain('listing unfinished uploads', error)
      return 0
    }
    const found = (uploads.Uploads ?? []).filter((u) => u.Key && u.UploadId)
    if (remove) {
      for (const u of found) {
        await this.#send(`aborting the unfinished upload of ${u.Key}`, () =>
          this.#client.send(new this.#sdk.AbortMultipartUploadCommand({ Bucket: this.#where.bucket, Key: u.Key!, UploadId: u.UploadId! })),
        )
      }
    }
    return found.length
  }

  async close(): Promise<void> {
    this.#client.destroy()
    if (this.#staging) await rm(await this.#staging, { recursive: true, force: true })
    this.#staging = null
  }
}

/** The backend for `s3://bucket/prefix`, configured from `env` (UsageError for a malformed URL or missing keys). */
export async function openS3Backend(url: string, env: NodeJS.ProcessEnv, options: S3BackendOptions = {}): Promise<S3Backend> {
  const settings = s3Settings(url, env)
  // The SDK warns on stderr, once per process, that its releases after January 2027 need Node 22; Lifeboat pins a
  // release that supports Node 20 (docs/dependencies.md), so the warning would only be noise in every run's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const sdk = await import('@aws-sdk/client-s3')
  const client = new sdk.S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    // The SDK's default CRC32 trailing checksums (aws-chunked bodies) are refused by many S3-compatible services;
    // send and check checksums only where the API requires them. Content is verified by its sha256 anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryStrategy: new PolicyRetryStrategy(settings.timeouts.retriesMs),
    requestHandler: { connectionTimeout: settings.timeouts.headersMs, requestTimeout: settings.timeouts.idleMs },
  })
  return new S3Backend(sdk, client, settings.location, options)
}
