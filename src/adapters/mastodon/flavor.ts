// Which Mastodon-API server this is, and its account domain. `GET /api/v2/instance` (4.0+; v1 before) gives the
// LOCAL_DOMAIN that local `acct`s lack and a `version`: Akkoma and Pleroma say "<compat> (compatible; Akkoma x)"
// (megalodon `detector`). NodeInfo's `software.name` (nodeinfo schema 2.0) tells GoToSocial and Mastodon forks apart.
// Sharkey (a Misskey fork that also speaks the Mastodon client API) says "3.0.0 (compatible; Sharkey 2025.4.7; like
// Akkoma)" in `/api/v1/instance` and has no `/api/v2/instance`: it is its own flavour, not Akkoma (issue 17; test
// server README). A server that answers neither instance endpoint is not a Mastodon-API server.
import { RemoteError, UnsupportedError } from '../../errors.js'
import type { InstanceV1, InstanceV2, NodeInfo } from './api.js'
import type { MastodonClient } from './client.js'
import { isStatus } from './errors.js'

export type Flavor = 'mastodon' | 'gotosocial' | 'akkoma' | 'sharkey'

export interface ServerInfo {
  flavor: Flavor
  /** Software name as NodeInfo (or the version string) gives it, e.g. `mastodon`, `glitch-soc`, `pleroma`. */
  software: string
  version: string
  /** The acct domain of local accounts. */
  domain: string
}

export function flavorOf(software: string, version: string): Flavor {
  const name = software.toLowerCase()
  if (name === 'gotosocial') return 'gotosocial'
  if (name === 'sharkey' || /\(compatible; sharkey\b/i.test(version)) return 'sharkey'
  if (['akkoma', 'pleroma', 'rebased'].includes(name) || /\((compatible; )?(akkoma|pleroma)/i.test(version)) return 'akkoma'
  return 'mastodon'
}

async function instance(client: MastodonClient): Promise<{ domain: string; version: string; sourceUrl?: string }> {
  try {
    const v2 = await client.get<InstanceV2 & { source_url?: string }>('/api/v2/instance')
    if (v2 && typeof v2.domain === 'string') return { domain: v2.domain, version: v2.version, sourceUrl: v2.source_url }
  } catch (error) {
    if (!isStatus(error, 404, 400, 405)) throw error
  }
  try {
    const v1 = await client.get<InstanceV1>('/api/v1/instance')
    if (v1 && typeof v1.uri === 'string') return { domain: v1.uri.replace(/^https?:\/\//, '').replace(/\/+$/, ''), version: v1.version ?? '' }
  } catch (error) {
    if (!isStatus(error, 404, 400, 405) && !(error instanceof RemoteError && /not JSON/.test(error.message))) throw error
  }
  throw new UnsupportedError(`${client.host} does not answer the Mastodon API (no /api/v1/instance).`, {
    hint: 'Check the server address; for Misskey servers use the misskey commands.',
  })
}

async function nodeInfoSoftware(client: MastodonClient): Promise<string | undefined> {
  try {
    const index = await client.get<{ links?: { rel?: string; href?: string }[] }>('/.well-known/nodeinfo')
    const href = index?.links?.find((l) => /nodeinfo\.diaspora\.software\/ns\/schema\/2\.[01]$/.test(l.rel ?? ''))?.href
    if (!href || new URL(href).origin !== client.server) return undefined
    return (await client.get<NodeInfo>(href))?.software?.name?.toLowerCase()
  } catch (error) {
    if (client.context.signal.aborted) throw error
    return undefined
  }
}

export async function detectServer(client: MastodonClient): Promise<ServerInfo> {
  const found = await instance(client)
  const software = (await nodeInfoSoftware(client)) ?? (/gotosocial/i.test(found.sourceUrl ?? '') ? 'gotosocial' : /\(compatible; sharkey\b/i.test(found.version) ? 'sharkey' : /akkoma/i.test(found.version) ? 'akkoma' : 'mastodon')
  return { flavor: flavorOf(software, found.version), software, version: found.version, domain: found.domain }
}
