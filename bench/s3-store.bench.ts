// Issue 16's S3 figure: upload throughput of the S3 store (BackupStore.putFile into s3://…: hashing, local staging,
// HEAD, lib-storage multipart) against a plain PutObject loop of the same bytes with the AWS SDK, both to the same
// s3rver on 127.0.0.1 in the same run. Higher is better; the aim is a ratio of at least 0.8.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { openStore } from '../src/store/store.js'
import { startS3rver } from '../test/_util/s3rver.js'
import { mib, report, timed } from './_report.js'

const server = await startS3rver()
const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-s3-'))
try {
  Object.assign(process.env, server.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' })
  // Media-like sizes: many 2 MiB files and two of 24 MiB (multipart for the store).
  const sizes = [...Array.from({ length: 16 }, () => 2 * 1024 * 1024), 24 * 1024 * 1024, 24 * 1024 * 1024]
  const files: string[] = []
  for (const [i, size] of sizes.entries()) {
    const path = join(dir, `f${i}`)
    await writeFile(path, randomBytes(size))
    files.push(path)
  }
  const total = sizes.reduce((a, b) => a + b, 0)

  const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! }, requestChecksumCalculation: 'WHEN_REQUIRED' })
  const plain = await timed(async () => {
    for (const [i, file] of files.entries()) await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `plain/${i}`, Body: await readFile(file) }))
  })
  client.destroy()

  const store = await openStore(`s3://${server.bucket}/store`, { create: true })
  const lock = await store.lock()
  const ours = await timed(async () => {
    for (const file of files) await store.putFile(file)
  })
  await lock.release()
  await store.close()

  const rate = (ms: number) => mib(total) / (ms / 1000)
  report({ name: `S3 store upload of ${mib(total)} MiB (s3rver)`, value: rate(ours.ms), baseline: rate(plain.ms), unit: 'MiB/s', against: 'a plain PutObject loop of the same files', note: 'higher is better; aim ≥ 0.8' })
} finally {
  await rm(dir, { recursive: true, force: true })
  await server.stop()
}
