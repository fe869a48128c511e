// What an error body says, read by the network that wrote it. This layer knows no network: each adapter registers a
// BodyReader on the client it is given (HttpClient.registerBodyReader), and the client asks every registered reader
// about the JSON body of each 429 and retryable 5xx (at most PEEK_LIMIT bytes). A reader answers only for the shape
// its own network writes and undefined/false otherwise, so readers of several networks can share one client.

export interface BodyReader {
  /** The wait (ms from `nowMs`) a 429 or 5xx body asks for, e.g. Matrix `retry_after_ms`. */
  waitMs?(body: unknown, nowMs: number): number | undefined
  /**
   * True when a 5xx body says the failure is permanent (e.g. Misskey's `FAILED_TO_RESOLVE_REMOTE_USER`): the answer
   * is not retried but handed to the caller as it is, like a 4xx.
   */
  permanent?(status: number, body: unknown): boolean
}

/** The longest wait any reader found, or undefined. */
export function bodyWait(readers: Iterable<BodyReader>, body: unknown, nowMs: number): number | undefined {
  let wait: number | undefined
  for (const reader of readers) {
    const ms = reader.waitMs?.(body, nowMs)
    if (ms !== undefined && Number.isFinite(ms) && ms >= 0 && (wait === undefined || ms > wait)) wait = Math.ceil(ms)
  }
  return wait
}

/** True when any reader calls this 5xx permanent. */
export function isPermanent(readers: Iterable<BodyReader>, status: number, body: unknown): boolean {
  if (status < 500) return false
  for (const reader of readers) if (reader.permanent?.(status, body) === true) return true
  return false
}
