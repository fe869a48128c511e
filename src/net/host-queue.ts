// One lane per host (scheme-less `host:port`): a p-queue bounding concurrency (and optionally a request rate), the
// host's own hold (a 5xx's Retry-After: the server as a whole asks for a pause), and one hold per rate-limit bucket.
// A bucket is the route family a caller names (e.g. Mastodon's daily `follows` family): a 429 or a used-up window
// holds only the bucket whose answer said so, so one exhausted route family never stalls the others. Requests that
// name no bucket share the host's default bucket. One slow or rate-limited server never holds up another.
import PQueue from 'p-queue'

import { HostPacing } from './rate-limit.js'

export interface HostQueueOptions {
  concurrency: number
  intervalCap?: { intervalMs: number; cap: number } | undefined
}

/** The bucket of requests that name none. */
export const DEFAULT_BUCKET = ''

export interface HostLane {
  readonly host: string
  readonly queue: PQueue
  /** The host's own hold (5xx with Retry-After), passed by every request of every bucket. */
  readonly pacing: HostPacing
  /** The hold of one bucket, created on first use. */
  bucket(name: string): HostPacing
}

export class HostQueues {
  private readonly lanes = new Map<string, HostLane>()

  constructor(private readonly options: HostQueueOptions) {}

  /** The lane for `host` (as in `URL.host`), created on first use. */
  get(host: string): HostLane {
    const key = host.toLowerCase()
    let lane = this.lanes.get(key)
    if (lane === undefined) {
      const interval = this.options.intervalCap
      const queue = new PQueue({
        concurrency: Math.max(1, this.options.concurrency),
        ...(interval ? { interval: interval.intervalMs, intervalCap: Math.max(1, interval.cap) } : {}),
      })
      const buckets = new Map<string, HostPacing>()
      lane = {
        host: key,
        queue,
        pacing: new HostPacing(),
        bucket(name: string): HostPacing {
          let pacing = buckets.get(name)
          if (pacing === undefined) {
            pacing = new HostPacing()
            buckets.set(name, pacing)
          }
          return pacing
        },
      }
      this.lanes.set(key, lane)
    }
    return lane
  }
}
