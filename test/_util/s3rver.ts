// A real S3 API on 127.0.0.1 for the store's tests: the `s3rver` package run as a child process (rule 1: real
// servers). It must run with --openssl-legacy-provider (its list paging answers 500 without it on Node ≥ 17). The
// port is chosen by the OS (-p 0) and read from the line s3rver prints once it listens.
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'

export interface S3rver {
  /** http://127.0.0.1:<port> */
  endpoint: string
  bucket: string
  /** Where s3rver keeps the bucket's files. */
  dir: string
  /** The environment a Lifeboat run needs for this server (endpoint, region, s3rver's fixed keys). */
  env: Record<string, string>
  stop(): Promise<void>
}

/** s3rver accepts only these credentials (its documented defaults). */
const ACCESS_KEY = 'S3RVER'
const SECRET_KEY = 'S3RVER'
const START_TIMEOUT_MS = 60_000

export function s3Env(endpoint: string): Record<string, string> {
  return { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY }
}

/**
 * Starts s3rver with one empty bucket. `allowMismatchedSignatures` lets a proxy in front of it (which rewrites the
 * Host header the requests were signed for) through.
 */
export async function startS3rver(options: { bucket?: string; allowMismatchedSignatures?: boolean } = {}): Promise<S3rver> {
  const bucket = options.bucket ?? 'lifeboat-test'
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-s3rver-'))
  const bin = join(dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js')
  const args = ['--openssl-legacy-provider', bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent', '--configure-bucket', bucket]
  if (options.allowMismatchedSignatures) args.push('--allow-mismatched-signatures')
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      const match = /listening on [^:]+:(\d+)/.exec(line)
      if (match) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`s3rver exited with ${code}: ${stderr}`))
    })
  })
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    bucket,
    dir,
    env: s3Env(endpoint),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
