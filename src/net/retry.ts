// Retry policy: which failures are transient, and how long to back off when the server gave no hint.
// Project rule: transient failures (429, 5xx, resets, timeouts) are retried; other 4xx never are.
import { InterruptedError } from '../errors.js'

/**
 * Statuses worth another attempt: 429 and the 5xx family, except the 5xx that describe a permanent state of the
 * server (501 Not Implemented, 505 HTTP Version Not Supported, 506, 507 Insufficient Storage, 508, 510, 511).
 * 520–524 and 529 (CDN "origin down / timed out / overloaded") are transient and included.
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 429) return true
  if (status < 500 || status > 599) return false
  return ![501, 505, 506, 507, 508, 510, 511].includes(status)
}

/**
 * Delay before retry number `retry` (0 for the first retry): "full jitter" — uniform in
 * [0, min(maxMs, baseMs · 2^retry)) — so that many clients failing together do not retry together
 * (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(retry, 30))
  return Math.floor(random() * ceiling)
}

export type FailureKind = 'refused' | 'reset' | 'truncated' | 'timeout' | 'unreachable' | 'dns' | 'tls' | 'network'

/** A failure below HTTP: no response, or a response whose body broke off. */
export interface NetworkFailure {
  kind: FailureKind
  retryable: boolean
  /** The errno / undici code that decided the kind, when there was one. */
  code: string | undefined
  cause: unknown
  /** For our own timeouts: which wait ran out ("no response headers within 30 s"). */
  detail?: string
}

/** The code of the errors our own timers raise (timeouts.ts): a timeout like undici's. */
export const TIMEOUT_CODE = 'LIFEBOAT_TIMEOUT'

/** An error raised by one of our timers; `detail` says which wait ran out. */
export function timeoutError(detail: string): Error & { code: string } {
  return Object.assign(new Error(detail), { code: TIMEOUT_CODE })
}

/** Connection refused means "server down": retry a few times only, then report that the host cannot be reached. */
export const REFUSED_RETRIES = 3

const CODE_KINDS: Record<string, FailureKind> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ERR_STREAM_PREMATURE_CLOSE: 'reset',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'truncated',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  [TIMEOUT_CODE]: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ENOTFOUND: 'dns',
}

function kindOfCode(code: string): FailureKind | undefined {
  if (code in CODE_KINDS) return CODE_KINDS[code]
  if (/^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) return 'tls'
  return undefined
}

/** Every error in the cause chain, including the members of AggregateErrors (happy-eyeballs connects). */
function chain(error: unknown): unknown[] {
  const out: unknown[] = []
  const pending = [error]
  while (pending.length > 0 && out.length < 20) {
    const item = pending.shift()
    if (item === undefined || item === null || out.includes(item)) continue
    out.push(item)
    if (typeof item === 'object') {
      if ('cause' in item) pending.push((item as { cause: unknown }).cause)
      if (item instanceof AggregateError) pending.push(...item.errors)
    }
  }
  return out
}

/**
 * Recognises a network-level failure thrown by fetch (undici) or by reading a response body, or returns undefined
 * for anything else (a bug or a caller's own error, which must not be retried or disguised).
 * Reading a body that the peer cut off throws `TypeError: terminated` (cause UND_ERR_SOCKET): that is a truncation.
 */
export function classifyFailure(error: unknown, duringBody = false): NetworkFailure | undefined {
  const errors = chain(error)
  let fetchFailed = false
  for (const item of errors) {
    if (!(item instanceof Error)) continue
    const code = (item as Error & { code?: unknown }).code
    if (typeof code === 'string') {
      const kind = kindOfCode(code)
      if (kind !== undefined) {
        const finalKind = duringBody && (kind === 'reset' || kind === 'truncated') ? 'truncated' : kind
        const detail = code === TIMEOUT_CODE ? item.message : undefined
        return { kind: finalKind, retryable: kind !== 'dns' && kind !== 'tls', code, cause: error, ...(detail ? { detail } : {}) }
      }
    }
    if (item.message === 'socket hang up') return { kind: 'reset', retryable: true, code: undefined, cause: error }
    if (item instanceof TypeError && item.message === 'terminated') {
      return { kind: duringBody ? 'truncated' : 'reset', retryable: true, code: undefined, cause: error }
    }
    if (item instanceof TypeError && item.message === 'fetch failed') fetchFailed = true
  }
  if (fetchFailed) return { kind: 'network', retryable: false, code: undefined, cause: error }
  return undefined
}

/** How a failure reads in a one-line message: "connection refused", "connection reset" … */
export function describeFailure(failure: NetworkFailure): string {
  switch (failure.kind) {
    case 'refused':
      return 'connection refused'
    case 'reset':
      return 'connection reset'
    case 'truncated':
      return 'response cut off before its end'
    case 'timeout':
      return failure.detail ? `timed out: ${failure.detail}` : 'timed out'
    case 'unreachable':
      return `network unreachable${failure.code ? ` (${failure.code})` : ''}`
    case 'dns':
      return 'host name not found'
    case 'tls':
      return `TLS failure${failure.code ? ` (${failure.code})` : ''}`
    case 'network':
      return 'network failure'
  }
}

/** The InterruptedError every aborted wait, queue slot or request becomes. */
export function interrupted(cause: unknown): InterruptedError {
  return new InterruptedError('Interrupted.', { hint: 'Run the same command again to continue.', cause })
}

/** Real-timer sleep that rejects with InterruptedError as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted(signal.reason))
    if (ms <= 0) return resolve()
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(interrupted(signal?.reason))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
