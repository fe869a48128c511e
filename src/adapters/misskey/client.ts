// The Misskey API client: misskey-js's APIClient with its `fetch` routed through net/http-client, so every call is
// queued per host, paced and retried (429 with Retry-After and RATE_LIMIT_EXCEEDED's resetMs, transient 5xx, resets,
// cut-off bodies) beneath the adapter, which never retries itself. The client registers MISSKEY_BODIES (pacing.ts).
//
// misskey-js hides the HTTP status and turns any non-2xx body into `{...body.error}` (built/api.js), so the fetch
// given to it (a) reads the body inside `http.request`, making a truncated JSON body a retried failure rather than a
// parse error, (b) adds the HTTP status to error objects, and (c) turns answers that are not Misskey's (HTML, a
// Fastify 404, bytes that are not JSON) into error objects with a `HTTP_<status>` / `NOT_JSON` code.
import * as Misskey from 'misskey-js'
import type { AdapterContext } from '../adapter.js'
import { throwIfAborted } from '../../errors.js'
import type { ApiErrorBody, Endpoints } from './api.js'
import { MisskeyApiError } from './errors.js'
import { MISSKEY_BODIES } from './pacing.js'

type FetchLike = NonNullable<ConstructorParameters<typeof Misskey.api.APIClient>[0]['fetch']>
type Response<E extends keyof Endpoints, P extends Endpoints[E]['req']> = Misskey.api.SwitchCaseResponseType<E, P>

const STATUS_KEY = '__lifeboatStatus'

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** Misskey's error object, or a stand-in for an answer that is not a Misskey API answer. */
function errorBody(status: number, text: string): ApiErrorBody {
  const parsed = parseJson(text) as { error?: unknown } | undefined
  const error = parsed?.error
  if (error !== null && typeof error === 'object' && typeof (error as ApiErrorBody).code === 'string') return error as ApiErrorBody
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 120)
  return { code: `HTTP_${status}`, message: `HTTP ${status}${snippet ? `: ${snippet}` : ''}`, id: '', kind: 'server' }
}

/** The FetchLike misskey-js calls; see the file comment for what it adds. */
export function misskeyFetch(context: AdapterContext): FetchLike {
  return async (input, init) => {
    const { status, text } = await context.http.request(
      input,
      { method: init?.method ?? 'POST', body: init?.body, headers: init?.headers, signal: context.signal },
      async (res) => ({ status: res.status, text: res.status === 204 ? '' : await res.text() }),
    )
    return {
      status,
      async json() {
        if (status === 200) {
          const parsed = parseJson(text)
          if (parsed === undefined) return { [STATUS_KEY]: status, error: { code: 'NOT_JSON', message: `HTTP 200 with a body that is not JSON: ${text.slice(0, 80)}`, id: '', kind: 'server' } }
          return parsed
        }
        return { error: { ...errorBody(status, text), [STATUS_KEY]: status } }
      },
    }
  }
}

export class MisskeyClient {
  readonly api: Misskey.api.APIClient

  /** `origin` is where requests go (the address the user gave), not necessarily the server's configured URL. */
  constructor(
    readonly context: AdapterContext,
    readonly origin: string,
    token: string | undefined,
  ) {
    context.http.registerBodyReader(MISSKEY_BODIES)
    this.api = new Misskey.api.APIClient({ origin, credential: token ?? null, fetch: misskeyFetch(context) })
  }

  /** One API call; a refusal becomes a MisskeyApiError with the endpoint, the HTTP status and Misskey's error object. */
  async call<E extends keyof Endpoints, P extends Endpoints[E]['req']>(endpoint: E, params: P): Promise<Response<E, P>> {
    throwIfAborted(this.context.signal)
    const request = this.api.request as unknown as (endpoint: E, params: P) => Promise<Response<E, P>>
    let result: Response<E, P>
    try {
      result = await request.call(this.api, endpoint, params)
    } catch (error) {
      if (error !== null && typeof error === 'object' && Misskey.api.isAPIError(error as Record<PropertyKey, unknown>)) {
        const { [STATUS_KEY]: status, ...body } = error as unknown as ApiErrorBody & { [STATUS_KEY]?: number }
        throw new MisskeyApiError(endpoint, status ?? 0, body)
      }
      throw error
    }
    // a 200 whose body was not JSON comes back as a value, since misskey-js resolves every 200
    const odd = result as { [STATUS_KEY]?: number; error?: ApiErrorBody } | null
    if (odd !== null && typeof odd === 'object' && STATUS_KEY in odd && odd.error) throw new MisskeyApiError(endpoint, 200, odd.error)
    return result
  }
}
