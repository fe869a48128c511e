// Finding out what is at the address the user gave, and signing in. `POST /api/meta` answers with the server's
// configured URL and version on Misskey and its forks (meta__anonymous.json); anything else is told apart through
// NodeInfo (`/.well-known/nodeinfo`, the software name), so that a Mastodon or a web page gets a clear
// "this is not Misskey" (exit 6) instead of a parse error, and an unreachable host a RemoteError from net/ (exit 5).
import type { AdapterContext } from '../adapter.js'
import { UnsupportedError } from '../../errors.js'
import { assertSecureUrl } from '../../net/secure-url.js'
import type { MeDetailed } from './api.js'
import { MisskeyClient } from './client.js'
import { toLifeboatError } from './errors.js'

export interface MisskeyServerInfo {
  /** Where requests go: the scheme and host the user gave. */
  origin: string
  /** The server's configured URL (`meta.uri`), the base of its ActivityPub ids (`<uri>/users/<id>`, `<uri>/notes/<id>`). */
  uri: string
  /** Host of `uri`: the host part of this server's accounts in `user@host`. */
  host: string
  version: string
  /** NodeInfo `software.name` (misskey, sharkey, firefish …), or `misskey` when NodeInfo says nothing. */
  software: string
}

export interface MisskeySession {
  client: MisskeyClient
  server: MisskeyServerInfo
  me: MeDetailed
}

/** Software that speaks the Mastodon API rather than Misskey's (for the hint of the "not Misskey" message). */
const MASTODON_API = ['mastodon', 'gotosocial', 'akkoma', 'pleroma', 'hometown', 'glitch-soc', 'iceshrimp.net', 'takahe', 'mitra', 'snac']

interface RawAnswer {
  status: number
  json: unknown
}

async function rawJson(context: AdapterContext, url: string, init: RequestInit): Promise<RawAnswer> {
  return context.http.request(url, { ...init, signal: context.signal }, async (res) => {
    const text = await res.text()
    try {
      return { status: res.status, json: JSON.parse(text) as unknown }
    } catch {
      return { status: res.status, json: undefined }
    }
  })
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

/** NodeInfo's software name and version, or undefined when the server publishes none. */
export async function nodeinfoSoftware(context: AdapterContext, origin: string): Promise<{ name: string; version: string } | undefined> {
  const index = await rawJson(context, `${origin}/.well-known/nodeinfo`, { method: 'GET' })
  const links = record(index.json)?.links
  if (index.status !== 200 || !Array.isArray(links)) return undefined
  const hrefs = links
    .map((l) => record(l))
    .filter((l) => typeof l?.href === 'string' && typeof l.rel === 'string' && l.rel.includes('nodeinfo.diaspora.software/ns/schema/2'))
    .sort((a, b) => String(b!.rel).localeCompare(String(a!.rel)))
  if (hrefs.length === 0) return undefined
  const doc = await rawJson(context, String(hrefs[0]!.href), { method: 'GET' })
  const software = record(record(doc.json)?.software)
  if (doc.status !== 200 || typeof software?.name !== 'string') return undefined
  return { name: software.name.toLowerCase(), version: String(software.version ?? '') }
}

/** Identifies the server at `url`; throws UnsupportedError when it is not Misskey (or a fork with its API). */
export async function probeServer(context: AdapterContext, url: string): Promise<MisskeyServerInfo> {
  const parsed = assertSecureUrl(url, 'server URL')
  const origin = `${parsed.protocol}//${parsed.host}`
  const meta = await rawJson(context, `${origin}/api/meta`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"detail":false}' })
  const body = record(meta.json)
  const software = await nodeinfoSoftware(context, origin).catch(() => undefined)
  if (meta.status === 200 && typeof body?.version === 'string' && typeof body.uri === 'string') {
    const uri = body.uri.replace(/\/+$/, '')
    return { origin, uri, host: new URL(uri).host, version: body.version, software: software?.name ?? 'misskey' }
  }
  if (software) {
    const mastodonLike = MASTODON_API.includes(software.name)
    throw new UnsupportedError(`${parsed.host} is not a Misskey server: it runs ${software.name}${software.version ? ` ${software.version}` : ''}.`, {
      hint: mastodonLike
        ? 'Use Lifeboat\'s Mastodon adapter for it (--to mastodon); the Misskey adapter needs Misskey or a fork with its API.'
        : 'The Misskey adapter needs Misskey or a fork that keeps its API (Sharkey, Firefish, CherryPick …).',
    })
  }
  throw new UnsupportedError(`${parsed.host} does not answer like a Misskey server (POST /api/meta: HTTP ${meta.status}${body ? '' : ', not JSON'}).`, {
    hint: 'Check the server address: give the address of a Misskey server, e.g. https://misskey.io.',
  })
}

/** Probes the server and signs in with `token`. */
export async function connect(context: AdapterContext, url: string, token: string, envName?: string): Promise<MisskeySession> {
  return signIn(context, await probeServer(context, url), token, envName)
}

/** Signs in with `token` (`i`); wrong tokens become AuthError (exit 4), naming the variable they came from. */
export async function signIn(context: AdapterContext, server: MisskeyServerInfo, token: string, envName?: string): Promise<MisskeySession> {
  const client = new MisskeyClient(context, server.origin, token)
  let me: MeDetailed
  try {
    me = await client.call('i', {})
  } catch (error) {
    throw toLifeboatError(error, server.origin, envName)
  }
  return { client, server, me }
}

/** A URL under the server's configured address, moved onto the address requests go to (e.g. drive file URLs). */
export function viaOrigin(server: MisskeyServerInfo, url: string): string {
  return server.origin !== server.uri && url.startsWith(`${server.uri}/`) ? server.origin + url.slice(server.uri.length) : url
}
