// "The limit" of an export, measured in the same run as the export it is compared with: what the protocol allows at
// best. Page chains are sequential by protocol (each page names the next), so each chain is walked one page after the
// other; independent chains run side by side; media files are fetched beside the chains, MEDIA_AT_ONCE at a time
// (all at once overflows a test server's accept queue, and 64 requests in flight hide 40 ms of latency). The
// client does nothing else: no parsing beyond the cursor, no verification, no archive. An export at 1.0 × this is as
// fast as the server and the latency allow.
import { timed } from './_report.js'

export interface Limit {
  /** Wall time of everything together. */
  ms: number
  /** When each chain alone finished, in the order given. */
  chainMs: number[]
  /** Pages each chain walked. */
  pages: number[]
  media: number
}

/** One chain: returns the next page's cursor, or null after the last page. */
export type Step = (cursor: string | null) => Promise<string | null>

export async function walk(step: Step): Promise<number> {
  let pages = 0
  let cursor: string | null = null
  do {
    cursor = await step(cursor)
    pages++
  } while (cursor !== null)
  return pages
}

export const MEDIA_AT_ONCE = 64

/** Walks `chains` side by side while fetching the `media` URLs MEDIA_AT_ONCE at a time; bodies are read and dropped. */
export async function measureLimit(chains: Step[], media: string[], init: RequestInit = {}): Promise<Limit> {
  let next = 0
  const chainMs: number[] = []
  const pages: number[] = []
  const all = await timed(() =>
    Promise.all([
      ...chains.map((step, i) =>
        timed(() => walk(step)).then((r) => {
          chainMs[i] = r.ms
          pages[i] = r.value
        }),
      ),
      ...Array.from({ length: Math.min(MEDIA_AT_ONCE, media.length) }, async () => {
        while (next < media.length) {
          const url = media[next++]!
          const res = await fetch(url, init)
          if (!res.ok) throw new Error(`limit client: GET ${url} answered ${res.status}`)
          await res.arrayBuffer()
        }
      }),
    ]),
  )
  return { ms: all.ms, chainMs, pages, media: media.length }
}

export function describeLimit(limit: Limit, what: string[]): string {
  const chains = what.map((w, i) => `${limit.pages[i]} ${w} pages (${(limit.chainMs[i]! / 1000).toFixed(1)} s)`).join(' beside ')
  return `the limit: ${chains}, with its ${limit.media} media ${MEDIA_AT_ONCE} at a time`
}
