// One lane per host (scheme-less `host:port`): a p-queue bounding concurrency (and optionally a request rate),
// and the host's pacing state. Rate limits are per server, so one slow or rate-limited server never holds up
// requests to another.
import PQueue from 'p-queue'

import { HostPacing } from './rate-limit.js'

export interface HostQueueOptions {
  concurrency: number
  intervalCap?: { intervalMs: number; cap: number } | undefined
}

export interface HostLane {
  readonly host: string
  readonly queue: PQueue
  readonly pacing: HostPacing
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
      lane = { host: key, queue, pacing: new HostPacing() }
      this.lanes.set(key, lane)
    }
    return lane
  }
}
