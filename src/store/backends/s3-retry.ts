// The AWS SDK's retries, decided by the project's policy (src/net/retry.ts) rather than the SDK's own: the same
// transient statuses (429, most 5xx) and network failures are retried, with the same full-jitter backoff, within the
// same total budget (LIFEBOAT_TIMEOUT_RETRIES); anything else fails at once. A server's Retry-After hint is honoured.
// Structurally the SDK's RetryStrategyV2 (@smithy/types), so no SDK module is loaded for it.
import { REFUSED_RETRIES, backoffDelay, classifyFailure, isRetryableStatus } from '../../net/retry.js'

const BASE_MS = 500
const MAX_MS = 20_000

interface RetryToken {
  getRetryCount(): number
  getRetryDelay(): number
}

interface RetryErrorInfo {
  error?: unknown
  errorType: string
  retryAfterHint?: Date
}

class Token implements RetryToken {
  constructor(
    readonly count: number,
    readonly delay: number,
    readonly started: number,
    readonly refused: number,
  ) {}
  getRetryCount(): number {
    return this.count
  }
  getRetryDelay(): number {
    return this.delay
  }
}

/** Whether our policy retries this SDK error: a transient status, or a retryable network failure. */
export function isRetryableS3Error(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
  if (status !== undefined && status >= 400) return isRetryableStatus(status)
  const name = (error as { name?: string } | null)?.name
  if (name === 'TimeoutError' || name === 'RequestTimeout') return true
  return classifyFailure(error)?.retryable ?? false
}

export class PolicyRetryStrategy {
  readonly mode = 'lifeboat'
  readonly #budgetMs: number
  readonly #now: () => number

  constructor(budgetMs: number, now: () => number = Date.now) {
    this.#budgetMs = budgetMs
    this.#now = now
  }

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new Token(0, 0, this.#now(), 0)
  }

  async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const t = token as Token
    const error = info.error
    if (!isRetryableS3Error(error)) throw error
    const refused = classifyFailure(error)?.kind === 'refused' ? t.refused + 1 : t.refused
    if (refused > REFUSED_RETRIES) throw error
    const elapsed = this.#now() - t.started
    if (elapsed >= this.#budgetMs) throw error
    const hinted = info.retryAfterHint ? info.retryAfterHint.getTime() - this.#now() : undefined
    const delay = Math.min(this.#budgetMs - elapsed, hinted !== undefined && hinted > 0 ? hinted : backoffDelay(t.count, BASE_MS, MAX_MS))
    return new Token(t.count + 1, Math.max(0, delay), t.started, refused)
  }

  recordSuccess(): void {}
}
