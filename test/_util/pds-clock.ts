// The clock of the PDSes a test runs in its own process (@atproto/dev-env), moved forward on demand: with the CLI in
// a child process, moving this process's clock past the 120-minute access-token life makes every token the child
// holds expire for real, at the PDS, in the middle of a run. jose (the PDS's JWT check) reads `new Date()`.
import type { IncomingMessage } from 'node:http'

const RealDate = Date
let offsetMs = 0

class ShiftedDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(RealDate.now() + offsetMs)
    else super(...(args as [string]))
  }

  static override now(): number {
    return RealDate.now() + offsetMs
  }
}

/** Runs `fn` with this process's clock replaceable; the real clock is back afterwards. */
export async function withPdsClock<T>(fn: (advance: (ms: number) => void) => Promise<T>): Promise<T> {
  globalThis.Date = ShiftedDate as DateConstructor
  try {
    return await fn((ms) => {
      offsetMs += ms
    })
  } finally {
    globalThis.Date = RealDate
    offsetMs = 0
  }
}

/** Three hours: past an access token's life (pds account-manager/helpers/auth.ts), well within a refresh token's. */
export const PAST_ACCESS_TOKEN_LIFE_MS = 3 * 60 * 60 * 1000

/** Counts requests by XRPC method through a fault proxy's `skip` hook, and runs a hook before each is forwarded. */
export function xrpcWatcher() {
  const seen = new Map<string, number>()
  let hook: ((nsid: string) => void) | undefined
  return {
    seen,
    count: (nsid: string) => seen.get(nsid) ?? 0,
    /** Calls `fn` once, as the first request for `nsid` arrives (before it is forwarded). */
    onFirst(nsid: string, fn: () => void): () => boolean {
      let fired = false
      hook = (name) => {
        if (name === nsid && !fired) {
          fired = true
          fn()
        }
      }
      return () => fired
    },
    skip(req: IncomingMessage): boolean {
      const nsid = new URL(req.url ?? '/', 'http://x').pathname.replace('/xrpc/', '')
      seen.set(nsid, (seen.get(nsid) ?? 0) + 1)
      hook?.(nsid)
      return true
    },
  }
}
