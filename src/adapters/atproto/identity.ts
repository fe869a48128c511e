// Who an AT Protocol account is and where it lives (atproto.com/specs/handle, /specs/did):
// handle -> DID (DNS TXT `_atproto.<handle>`, then https://<handle>/.well-known/atproto-did, or the PDS's
// com.atproto.identity.resolveHandle when --pds is given) -> DID document (PLC directory or did:web) -> PDS endpoint.
import { resolveTxt } from 'node:dns/promises'
import type { HttpClient } from '../../net/http-client.js'
import { assertSecureUrl } from '../../net/secure-url.js'
import { NotFoundError, RemoteError, UsageError } from '../../errors.js'

export const DEFAULT_PLC = 'https://plc.directory'

const HANDLE_RE = /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/
const DID_RE = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/

export interface Identity {
  did: string
  handle: string | null
  pds: string
  didDocument: DidDocument | null
}

export interface DidDocument {
  id: string
  alsoKnownAs?: string[]
  service?: { id: string; type: string; serviceEndpoint: string }[]
  verificationMethod?: unknown[]
}

export interface ResolveOptions {
  http: HttpClient
  /** Skip discovery: the account's PDS is here. */
  pds?: string
  plc?: string
}

/** Throws UsageError for anything that is neither a valid handle nor a valid DID. */
export function parseActor(actor: string): { did: string } | { handle: string } {
  const trimmed = actor.trim().replace(/^@/, '')
  if (trimmed.startsWith('did:')) {
    if (!DID_RE.test(trimmed) || !/^did:(plc|web):/.test(trimmed)) {
      throw new UsageError(`"${actor}" is not a valid DID.`, { hint: 'Use a did:plc:… or did:web:… identifier, or a handle such as alice.bsky.social.' })
    }
    return { did: trimmed }
  }
  if (trimmed.length > 253 || !HANDLE_RE.test(trimmed)) {
    throw new UsageError(`"${actor}" is not a valid handle.`, { hint: 'A handle looks like alice.bsky.social (no spaces, no @ in the middle); a DID looks like did:plc:….' })
  }
  return { handle: trimmed.toLowerCase() }
}

async function getJson<T>(http: HttpClient, url: string): Promise<{ status: number; body: T | null }> {
  return http.request(url, { headers: { accept: 'application/json' } }, async (res) => {
    const text = await res.text()
    let body: T | null = null
    try {
      body = JSON.parse(text) as T
    } catch {
      body = null
    }
    return { status: res.status, body }
  })
}

async function handleFromDns(handle: string): Promise<string | null> {
  try {
    const records = await resolveTxt(`_atproto.${handle}`)
    for (const record of records) {
      const value = record.join('')
      if (value.startsWith('did=')) return value.slice(4)
    }
  } catch {
    // No TXT record: fall through to the well-known file.
  }
  return null
}

async function handleFromWellKnown(http: HttpClient, handle: string): Promise<string | null> {
  try {
    return await http.request(`https://${handle}/.well-known/atproto-did`, {}, async (res) => {
      if (!res.ok) return null
      const text = (await res.text()).trim()
      return text.startsWith('did:') ? text : null
    })
  } catch {
    return null
  }
}

async function handleFromPds(http: HttpClient, pds: string, handle: string): Promise<string | null> {
  const { status, body } = await getJson<{ did?: string }>(http, `${pds}/xrpc/com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`)
  if (status === 200 && body?.did) return body.did
  return null
}

export async function resolveDidDocument(http: HttpClient, did: string, plc: string): Promise<DidDocument> {
  let url: string
  if (did.startsWith('did:plc:')) url = `${plc}/${did}`
  else {
    const host = decodeURIComponent(did.slice('did:web:'.length).split(':')[0]!)
    url = `https://${host}/.well-known/did.json`
  }
  assertSecureUrl(url, 'DID document')
  const { status, body } = await getJson<DidDocument>(http, url)
  if (status === 404 || status === 410) throw new NotFoundError(`${did} is not registered (${status === 410 ? 'tombstoned' : 'not found'} at ${new URL(url).origin}).`, { hint: 'Check the DID, or pass --plc for a different PLC directory.' })
  if (status !== 200 || !body?.id) throw new RemoteError(`Could not read the DID document of ${did} from ${new URL(url).origin} (HTTP ${status}).`, { hint: 'Try again later, or pass --pds to skip discovery.', status })
  return body
}

export function pdsFromDocument(doc: DidDocument): string | null {
  const service = doc.service?.find((s) => s.id === '#atproto_pds' || s.id === `${doc.id}#atproto_pds`)
  return service?.serviceEndpoint?.replace(/\/+$/, '') ?? null
}

export function handleFromDocument(doc: DidDocument): string | null {
  const aka = doc.alsoKnownAs?.find((a) => a.startsWith('at://'))
  return aka ? aka.slice('at://'.length) : null
}

export async function resolveIdentity(actor: string, options: ResolveOptions): Promise<Identity> {
  const parsed = parseActor(actor)
  const plc = (options.plc ?? DEFAULT_PLC).replace(/\/+$/, '')
  const pdsOverride = options.pds ? assertSecureUrl(options.pds, '--pds').origin : undefined
  assertSecureUrl(plc, '--plc')
  let did: string | null = 'did' in parsed ? parsed.did : null
  let handle: string | null = 'handle' in parsed ? parsed.handle : null
  if (!did && handle) {
    did = pdsOverride ? await handleFromPds(options.http, pdsOverride, handle) : null
    did ??= await handleFromDns(handle)
    did ??= await handleFromWellKnown(options.http, handle)
    if (!did) {
      throw new NotFoundError(`The handle ${handle} does not resolve to a DID.`, {
        hint: 'Check the spelling; if the account lives on a PDS without DNS, pass --pds URL.',
      })
    }
  }
  let didDocument: DidDocument | null = null
  let pds = pdsOverride ?? null
  // With --pds alone the DID document is optional (it only supplies the handle); --plc asks for it explicitly.
  if (!pds || options.plc) {
    try {
      didDocument = await resolveDidDocument(options.http, did!, plc)
    } catch (error) {
      if (!pds) throw error
    }
  }
  pds ??= didDocument ? pdsFromDocument(didDocument) : null
  if (!pds) throw new NotFoundError(`${did} names no PDS in its DID document.`, { hint: 'Pass --pds URL to say where the account lives.' })
  handle ??= didDocument ? handleFromDocument(didDocument) : null
  return { did: did!, handle, pds: assertSecureUrl(pds, 'PDS').origin, didDocument }
}
