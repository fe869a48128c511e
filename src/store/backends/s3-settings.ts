// Where an S3 store is and how to reach it: the `s3://bucket/prefix` URL and the usual AWS environment variables
// (docs/backup-store.md §2.5, docs/cli.md). Secrets come only from the environment and are registered for
// redaction; nothing here prints them.
import { UsageError } from '../../errors.js'
import { registerSecret } from '../../net/redact.js'
import { assertSecureUrl } from '../../net/secure-url.js'
import { DEFAULT_TIMEOUTS, timeoutsFromEnv, type Timeouts } from '../../net/timeouts.js'

export interface S3Location {
  bucket: string
  /** Without leading or trailing '/'; '' for the bucket's root. */
  prefix: string
  /** `s3://bucket/prefix` as messages show it. */
  url: string
}

export interface S3Settings {
  location: S3Location
  endpoint: string | undefined
  region: string
  forcePathStyle: boolean
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  timeouts: Timeouts
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const SEGMENT = /^[A-Za-z0-9._~@+=,-]+$/

/** Parses `s3://bucket/prefix` (UsageError naming what is wrong). */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(url)
  const bucket = match?.[1] ?? ''
  if (!BUCKET.test(bucket)) {
    throw new UsageError(`${JSON.stringify(url.slice(0, 200))} is not an S3 store address: the bucket name must be 3-63 lowercase letters, digits, dots or hyphens.`, {
      hint: 'For example --store s3://my-backups/lifeboat',
    })
  }
  const segments = (match?.[2] ?? '').split('/').filter((s) => s !== '')
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new UsageError(`The prefix of ${JSON.stringify(url.slice(0, 200))} has a segment ${JSON.stringify(segment.slice(0, 60))} that is not a plain name.`, {
        hint: 'Use letters, digits and . _ - ~ @ + = , in each part of the prefix.',
      })
    }
  }
  const prefix = segments.join('/')
  return { bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix}` : ''}` }
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase()
  if (value === undefined || value === '') return undefined
  if (['1', 'true', 'yes'].includes(value)) return true
  if (['0', 'false', 'no'].includes(value)) return false
  throw new UsageError(`${name} must be true or false, not ${JSON.stringify(value.slice(0, 20))}.`)
}

export function s3Settings(url: string, env: NodeJS.ProcessEnv): S3Settings {
  const location = parseS3Url(url)
  const endpointText = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined
  // Plain http:// only to loopback: the requests carry signatures and the store's bytes.
  const endpoint = endpointText ? assertSecureUrl(endpointText, 'S3 endpoint (AWS_ENDPOINT_URL)').href.replace(/\/$/, '') : undefined
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError(`The S3 store ${location.url} needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.`, {
      hint: 'Set both (and AWS_ENDPOINT_URL and AWS_REGION for a service other than AWS).',
    })
  }
  registerSecret(secretAccessKey)
  registerSecret(env.AWS_SESSION_TOKEN)
  return {
    location,
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    // S3-compatible services (MinIO, Garage, Ceph, s3rver) mostly want path-style addressing; AWS wants virtual hosts.
    forcePathStyle: flag(env, 'LIFEBOAT_S3_FORCE_PATH_STYLE') ?? endpoint !== undefined,
    credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) },
    timeouts: { ...DEFAULT_TIMEOUTS, ...timeoutsFromEnv(env) },
  }
}
