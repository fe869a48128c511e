// The two store backends under test, so one suite runs against a directory and against a real S3 API (s3rver).
// The helpers that tamper with a store (write, remove a key) go around Lifeboat: the file system for a directory, the
// AWS SDK's own client for S3.
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { startS3rver, type S3rver } from '../_util/s3rver.js'

export interface BackendUnderTest {
  name: 'local' | 's3'
  /** The --store value of a new store that does not exist yet. */
  fresh(): Promise<string>
  /** Every key of the store at `location`, sorted. */
  keys(location: string): Promise<string[]>
  write(location: string, key: string, bytes: string | Buffer): Promise<void>
  remove(location: string, key: string): Promise<void>
}

export const localBackend: BackendUnderTest = {
  name: 'local',
  async fresh() {
    return join(await mkdtemp(join(tmpdir(), 'lifeboat-store-')), 's')
  },
  async keys(location) {
    const out: string[] = []
    const entries = await readdir(location, { withFileTypes: true, recursive: true }).catch(() => [])
    for (const entry of entries) if (entry.isFile()) out.push(join(entry.parentPath, entry.name).slice(location.length + 1))
    return out.sort()
  },
  async write(location, key, bytes) {
    await mkdir(dirname(join(location, key)), { recursive: true })
    await writeFile(join(location, key), bytes)
  },
  async remove(location, key) {
    await rm(join(location, key))
  },
}

/** An S3 backend on a running s3rver; `process.env` gets its settings, as a user's environment would. */
export function s3Backend(server: () => S3rver): BackendUnderTest {
  let client: S3Client | null = null
  const sdk = () => {
    const s = server()
    client ??= new S3Client({ endpoint: s.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s.env.AWS_SECRET_ACCESS_KEY! } })
    return client
  }
  const split = (location: string) => {
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(location)!
    return { bucket: bucket!, prefix: prefix! }
  }
  return {
    name: 's3',
    async fresh() {
      return `s3://${server().bucket}/stores/${randomBytes(6).toString('hex')}`
    },
    async keys(location) {
      const { bucket, prefix } = split(location)
      const out: string[] = []
      let token: string | undefined
      do {
        const page = await sdk().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ...(token ? { ContinuationToken: token } : {}) }))
        for (const item of page.Contents ?? []) out.push(item.Key!.slice(prefix.length + 1))
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
      return out.sort()
    },
    async write(location, key, bytes) {
      const { bucket, prefix } = split(location)
      await sdk().send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}`, Body: Buffer.from(bytes) }))
    },
    async remove(location, key) {
      const { bucket, prefix } = split(location)
      await sdk().send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}` }))
    },
  }
}

/**
 * Both backends, for a suite that registers its tests once per backend. Call from a test file's top level: s3rver
 * starts before the file's first test and stops after its last.
 */
export function bothBackends(hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void }): BackendUnderTest[] {
  let server: S3rver | null = null
  hooks.before(async () => {
    server = await startS3rver()
    Object.assign(process.env, server.env)
  })
  hooks.after(async () => {
    await server?.stop()
  })
  return [localBackend, s3Backend(() => server!)]
}
