// Plain-fetch helpers for the tests of this server: one JSON call, and `Link` header parsing as a client does
// it (mdocs: api/guidelines.md#pagination).

export interface ApiResponse<T = any> {
  status: number
  headers: Headers
  json: T
}

export async function call<T = any>(
  url: string,
  options: { token?: string; method?: string; body?: unknown; form?: Record<string, string | string[]>; accept?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {}
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`
  if (options.accept) headers['Accept'] = options.accept
  let body: string | undefined
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  } else if (options.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(options.form)) {
      for (const v of Array.isArray(value) ? value : [value]) search.append(key, v)
    }
    body = search.toString()
  }
  const res = await fetch(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body })
  const text = await res.text()
  return { status: res.status, headers: res.headers, json: (text === '' ? null : JSON.parse(text)) as T }
}

export function parseLink(header: string | null): { next?: string; prev?: string } {
  const out: { next?: string; prev?: string } = {}
  if (!header) return out
  for (const part of header.split(', ')) {
    const match = /^<([^>]+)>; rel="(next|prev)"$/.exec(part)
    if (match) out[match[2] as 'next' | 'prev'] = match[1]
  }
  return out
}

/** Follows `next` links from `start` and returns every item and the number of pages fetched. */
export async function pageAll<T = any>(start: string, token?: string): Promise<{ items: T[]; pages: number; urls: string[] }> {
  const items: T[] = []
  const urls: string[] = []
  let next: string | undefined = start
  while (next) {
    urls.push(next)
    const res: ApiResponse<T[]> = await call<T[]>(next, { token })
    if (res.status !== 200) throw new Error(`${next} answered ${res.status}: ${JSON.stringify(res.json)}`)
    items.push(...res.json)
    next = parseLink(res.headers.get('link')).next
  }
  return { items, pages: urls.length, urls }
}
