// A small Mastodon REST client over the shared HTTP layer (which queues, paces and retries beneath it): JSON calls
// with the bearer token, pages followed through the `Link` header (mdocs: api/guidelines.md#pagination), and the
// budget gate of pacing.ts. Each call is sent in the rate-limit bucket of its budget (paging, plain) unless the
// caller names another (follows: follow-cap.ts). Never retries by itself.
import type { AdapterContext } from '../adapter.js'
import { RemoteError, UsageError } from '../../errors.js'
import type { RateLimitInfo, RequestOptions } from '../../net/http-client.js'
import { assertSecureUrl } from '../../net/secure-url.js'
import { redactUrl } from '../../net/redact.js'
import { apiError } from './errors.js'
import { isPagingUrl, RateBudget } from './pacing.js'

export type Params = Record<string, string | number | boolean | readonly string[] | undefined | null>

export interface Links {
  next?: string
  prev?: string
}

export interface Page<T> {
  items: T[]
  url: string
  links: Links
}

/** `https://host` without a trailing slash or path; http only to loopback (secure-url.ts). */
export function normalizeServer(server: string | undefined): string {
  if (!server) throw new UsageError('Name the server with --server URL.', { hint: 'For example --server https://mastodon.social' })
  const withScheme = /^[a-z]+:\/\//i.test(server) ? server : `https://${server}`
  const url = assertSecureUrl(withScheme, '--server')
  return url.origin
}

/** Parses `Link: <url>; rel="next", <url>; rel="prev"` (RFC 8288, as Mastodon writes it). */
export function parseLinks(header: string | null): Links {
  const links: Links = {}
  if (!header) return links
  for (const match of header.matchAll(/<([^>]*)>\s*;\s*rel="?([^";,]+)"?/g)) {
    const rel = match[2]!.trim().toLowerCase()
    if (rel === 'next' || rel === 'prev') links[rel] ??= match[1]!
  }
  return links
}

/** Orders two ids of one server: snowflakes and flake ids by length then text, ULIDs by text (same length). */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

export function buildQuery(params: Params = {}): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) for (const v of value) search.append(`${key}[]`, v)
    else search.append(key, String(value))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

export class MastodonClient {
  readonly host: string
  readonly budget: RateBudget

  /** `clock` drives the budget gate's waits (tests inject one; default wall time and real timers). */
  constructor(
    readonly context: AdapterContext,
    readonly server: string,
    readonly token: string | undefined,
    clock: { now?: () => number; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> } = {},
  ) {
    this.host = new URL(server).host
    this.budget = new RateBudget(context.signal, context.out, clock.now, clock.sleep)
  }

  url(path: string, params?: Params): string {
    return `${this.server}${path}${buildQuery(params)}`
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json', ...extra }
    if (this.token) headers.Authorization = `Bearer ${this.token}`
    return headers
  }

  /** One call; `target` is a path under the server or an absolute URL on the same origin (e.g. from a Link header). */
  async call<T>(
    method: string,
    target: string,
    options: { params?: Params; form?: Params; json?: unknown; bucket?: RequestOptions } = {},
  ): Promise<{ body: T; links: Links; headers: Headers; limits: RateLimitInfo }> {
    const url = target.startsWith('/') ? this.url(target, options.params) : this.#onServer(target)
    const parsed = new URL(url)
    const what = `${method} ${parsed.pathname}`
    const init: RequestInit = { method, headers: this.#headers() }
    if (options.form) {
      init.headers = this.#headers({ 'Content-Type': 'application/x-www-form-urlencoded' })
      init.body = buildQuery(options.form).slice(1)
    } else if (options.json !== undefined) {
      init.headers = this.#headers({ 'Content-Type': 'application/json' })
      init.body = JSON.stringify(options.json)
    }
    const lane = isPagingUrl(parsed) ? 'paging' : 'plain'
    const budgeted = parsed.pathname.startsWith('/api/')
    if (budgeted) await this.budget.acquire(lane, this.host)
    let answered: RateLimitInfo | undefined
    try {
      return await this.context.http.request(url, init, async (res, limits) => {
        answered = limits
        const text = await res.text()
        if (!res.ok) throw apiError(this.host, what, res.status, text)
        let body: T
        try {
          body = (text === '' ? null : JSON.parse(text)) as T
        } catch (cause) {
          throw new RemoteError(`${this.host} answered ${what} with something that is not JSON.`, { hint: 'Check that --server names a Mastodon-API server.', cause })
        }
        return { body, links: parseLinks(res.headers.get('link')), headers: res.headers, limits }
      }, options.bucket ?? { bucket: lane })
    } finally {
      // A caller-named bucket's answers describe that bucket (the follow family's day), not the lane's budget.
      if (budgeted) this.budget.release(lane, options.bucket ? undefined : answered)
    }
  }

  async get<T>(target: string, params?: Params): Promise<T> {
    return (await this.call<T>('GET', target, { params })).body
  }

  async post<T>(path: string, form: Params = {}): Promise<T> {
    return (await this.call<T>('POST', path, { form })).body
  }

  /**
   * Pages from `first` along `rel` links (`next` goes back in time, `prev` forward) until a page is empty or has no
   * such link. A link that repeats the page it came from ends the walk instead of looping.
   */
  async *pages<T>(first: string, rel: 'next' | 'prev' = 'next', params?: Params): AsyncGenerator<Page<T>> {
    let url: string | undefined = first.startsWith('/') ? this.url(first, params) : first
    const seen = new Set<string>()
    while (url !== undefined && !seen.has(url)) {
      seen.add(url)
      const { body, links }: { body: T[]; links: Links } = await this.call<T[]>('GET', url)
      const items = Array.isArray(body) ? body : []
      yield { items, url, links }
      if (items.length === 0) return
      url = links[rel]
    }
  }

  /** Every item of a Link-paged collection, newest first. */
  async *items<T>(path: string, params?: Params): AsyncGenerator<T> {
    for await (const page of this.pages<T>(path, 'next', params)) yield* page.items
  }

  /**
   * Link URLs are followed on the configured server, whatever origin they name: the token never leaves it, and a
   * server behind a proxy that writes its internal address into `Link` still pages correctly.
   */
  #onServer(target: string): string {
    const url = new URL(target)
    if (url.origin === this.server) return url.href
    if (!/^https?:$/.test(url.protocol)) throw new RemoteError(`${this.host} sent an unusable link (${redactUrl(url)}).`)
    return `${this.server}${url.pathname}${url.search}`
  }
}
