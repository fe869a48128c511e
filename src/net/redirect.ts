// Redirects are followed here rather than inside fetch so that every hop passes assertSecureUrl (a redirect to
// plain http would otherwise resend a Misskey body with its `i` token in clear), every hop is queued and paced
// for its own host, and credentials never follow a redirect to another origin.
// Method and body rules follow the Fetch standard's "HTTP-redirect fetch".

export const MAX_REDIRECTS = 20

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** The absolute target of a redirect response, or undefined when it is not a redirect with a usable Location. */
export function redirectTarget(response: Response, from: URL): URL | undefined {
  if (!REDIRECT_STATUSES.has(response.status)) return undefined
  const location = response.headers.get('location')
  if (location === null) return undefined
  try {
    return new URL(location, from)
  } catch {
    return undefined
  }
}

export interface Hop {
  url: URL
  method: string
  headers: Headers
  body: RequestInit['body'] | undefined
}

/** The next hop's request: 303 (and 301/302 after POST) become a bodiless GET; cross-origin drops credentials. */
export function nextHop(previous: Hop, status: number, target: URL): Hop {
  const headers = new Headers(previous.headers)
  let method = previous.method
  let body = previous.body
  const toGet = (status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')
  if (toGet) {
    method = 'GET'
    body = undefined
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) {
      headers.delete(name)
    }
  }
  if (target.origin !== previous.url.origin) {
    for (const name of ['authorization', 'proxy-authorization', 'cookie', 'x-ratelimit-bypass']) headers.delete(name)
  }
  return { url: target, method, headers, body }
}
