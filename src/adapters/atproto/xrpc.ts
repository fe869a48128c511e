// Minimal XRPC over the shared HTTP client (atproto.com/specs/xrpc), for calls the SDK would buffer or cannot
// stream (getRepo, getBlob, importRepo, uploadBlob) and for unauthenticated reads. Errors become LifeboatErrors
// naming the endpoint and the server's own error name.
import type { HttpClient } from '../../net/http-client.js'
import type { AdapterContext } from '../adapter.js'
import { AuthError, NotFoundError, RemoteError, UnsupportedError } from '../../errors.js'

export interface XrpcOptions {
  params?: Record<string, string | number | boolean | undefined>
  accessJwt?: string
  method?: 'GET' | 'POST'
  body?: BodyInit
  headers?: Record<string, string>
}

export function xrpcUrl(service: string, nsid: string, params: XrpcOptions['params'] = {}): string {
  const url = new URL(`/xrpc/${nsid}`, service)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v))
  return url.href
}

export function xrpcInit(options: XrpcOptions): RequestInit {
  const headers: Record<string, string> = { ...options.headers }
  if (options.accessJwt) headers.authorization = `Bearer ${options.accessJwt}`
  const init: RequestInit = { method: options.method ?? 'GET', headers }
  if (options.body !== undefined) init.body = options.body
  return init
}

/** Turns a non-2xx XRPC answer into the matching LifeboatError. */
export async function xrpcError(nsid: string, service: string, res: Response): Promise<Error> {
  let name = ''
  let message = ''
  // Reading the body is outside the try: a connection reset while reading must reach the HTTP client, which
  // retries the whole request; only a body that is not JSON (a proxy's error page) is tolerated.
  const text = await res.text()
  try {
    const body = JSON.parse(text) as { error?: string; message?: string }
    name = body.error ?? ''
    message = body.message ?? ''
  } catch {
    // Non-JSON error bodies keep the status only.
  }
  const host = new URL(service).host
  const what = `${nsid} on ${host} answered ${res.status}${name ? ` ${name}` : ''}${message ? `: ${message}` : ''}`
  const details = { status: res.status, error: name || null }
  if (res.status === 401 || name === 'AuthenticationRequired' || name === 'ExpiredToken' || name === 'InvalidToken') {
    return new AuthError(what, { hint: 'Check the password (app password, or the account password where a full session is needed).', details })
  }
  if (['RepoNotFound', 'BlobNotFound', 'RecordNotFound', 'AccountNotFound'].includes(name) || res.status === 404) {
    return new NotFoundError(what, { hint: 'Check the account and server.', details })
  }
  if (['RepoTakendown', 'RepoSuspended', 'RepoDeactivated', 'AccountTakedown', 'AccountDeactivated'].includes(name)) {
    return new UnsupportedError(what, { hint: 'The account is not active on this PDS; a deactivated account can be read only with its own login.', details })
  }
  if (res.status === 501 || name === 'MethodNotImplemented') return new UnsupportedError(what, { details })
  return new RemoteError(what, { status: res.status, details })
}

/** One XRPC call with a JSON answer (a string body is sent as JSON unless a content-type is given). */
export async function xrpcJson<T>(http: HttpClient, service: string, nsid: string, options: XrpcOptions = {}): Promise<T> {
  const init = xrpcInit(options)
  if (typeof options.body === 'string') (init.headers as Record<string, string>)['content-type'] ??= 'application/json'
  return http.request(xrpcUrl(service, nsid, options.params), init, async (res) => {
    if (!res.ok) throw await xrpcError(nsid, service, res)
    const text = await res.text()
    return (text ? JSON.parse(text) : {}) as T
  })
}

/** xrpcJson through the run's HTTP client. */
export async function xrpcCall<T>(context: AdapterContext, service: string, nsid: string, options: XrpcOptions = {}): Promise<T> {
  return xrpcJson<T>(context.http, service, nsid, options)
}
