// The identity phase of a migration: the DID document must name the new PDS and its signing key. For did:plc the
// new PDS recommends the credentials (identity.getRecommendedDidCredentials), the old PDS signs the update with its
// rotation key once the account owner proves control with a token emailed by requestPlcOperationSignature (expires
// after 15 minutes, deleted on use: pds account-manager/helpers/email-token.ts), and the new PDS checks and submits it
// (identity.submitPlcOperation refuses an operation without its own rotation key, endpoint, signing key and handle).
// For did:web nobody but the domain's owner can change the document, so Lifeboat says exactly what to publish.
import type { AdapterContext } from '../adapter.js'
import { AuthError, RemoteError, UsageError, isLifeboatError } from '../../errors.js'
import { pdsFromDocument, resolveDidDocument, handleFromDocument, type DidDocument } from './identity.js'
import type { PdsSession } from './session.js'

/** identity.getRecommendedDidCredentials (lexicons/com/atproto/identity/getRecommendedDidCredentials.json). */
export interface DidCredentials {
  rotationKeys?: string[]
  alsoKnownAs?: string[]
  verificationMethods?: Record<string, string>
  services?: Record<string, { type: string; endpoint: string }>
}

/** PLC allows at most five rotation keys (did-method-plc README). */
const MAX_ROTATION_KEYS = 5
const DID_KEY_RE = /^did:key:z[1-9A-HJ-NP-Za-km-z]{40,}$/

export function parseRotationKey(key: string): string {
  if (!DID_KEY_RE.test(key)) {
    throw new UsageError(`--rotation-key "${key.slice(0, 16)}…" is not a did:key public key.`, { hint: 'Give the PUBLIC key as did:key:z…, e.g. from `goat key generate` (keep the private key offline).' })
  }
  return key
}

export async function recommendedCredentials(neu: PdsSession): Promise<DidCredentials> {
  return neu.json<DidCredentials>('com.atproto.identity.getRecommendedDidCredentials')
}

/** Puts the user's own key first (highest priority: it can override the PDSes' keys within 72 hours). */
export function withRotationKey(credentials: DidCredentials, key: string | undefined): DidCredentials {
  if (!key) return credentials
  const rest = (credentials.rotationKeys ?? []).filter((k) => k !== key)
  const rotationKeys = [key, ...rest]
  if (rotationKeys.length > MAX_ROTATION_KEYS) throw new UsageError(`The DID would have ${rotationKeys.length} rotation keys; PLC allows ${MAX_ROTATION_KEYS}.`)
  return { ...credentials, rotationKeys }
}

export async function requestPlcToken(old: PdsSession): Promise<void> {
  await old.json('com.atproto.identity.requestPlcOperationSignature', { method: 'POST' })
}

/** The old PDS signs (does not submit) the update; a wrong or expired emailed token is an AuthError saying so. */
export async function signPlcOperation(old: PdsSession, token: string, credentials: DidCredentials): Promise<Record<string, unknown>> {
  try {
    const { operation } = await old.jsonOnce<{ operation: Record<string, unknown> }>('com.atproto.identity.signPlcOperation', { method: 'POST', body: JSON.stringify({ token, ...credentials }) })
    return operation
  } catch (error) {
    const name = isLifeboatError(error) ? String(error.details?.error ?? '') : ''
    if (name === 'InvalidToken' || name === 'ExpiredToken' || /token/i.test((error as Error).message)) {
      throw new AuthError(`${new URL(old.pds).host} refused the PLC token (${name || (error as Error).message}).`, {
        hint: 'The emailed token expires after 15 minutes and works once. Run again without the token to have a new one emailed.',
        details: { plcToken: 'refused' },
      })
    }
    throw error
  }
}

export async function submitPlcOperation(neu: PdsSession, operation: Record<string, unknown>): Promise<void> {
  await neu.json('com.atproto.identity.submitPlcOperation', { method: 'POST', body: JSON.stringify({ operation }) })
}

export interface IdentityView {
  pds: string | null
  handle: string | null
  signingKey: string | null
  document: DidDocument
}

/** PLC's own view of a did:plc (`GET /<did>/data`): keys as did:key strings, whatever format the document uses. */
interface PlcData {
  verificationMethods?: Record<string, string>
  services?: Record<string, { type: string; endpoint: string }>
  alsoKnownAs?: string[]
}

async function plcData(context: AdapterContext, plc: string, did: string): Promise<PlcData> {
  return context.http.request(`${plc.replace(/\/+$/, '')}/${did}/data`, { headers: { accept: 'application/json' } }, async (res) => {
    if (!res.ok) throw new RemoteError(`The PLC directory answered ${res.status} for ${did}/data.`, { status: res.status })
    return (await res.json()) as PlcData
  })
}

/** The identity as the world sees it now (PLC directory, or the did:web host). */
export async function currentIdentity(context: AdapterContext, did: string, plc: string): Promise<IdentityView> {
  const document = await resolveDidDocument(context.http, did, plc)
  let signingKey: string | null = null
  if (did.startsWith('did:plc:')) {
    signingKey = (await plcData(context, plc, did)).verificationMethods?.atproto ?? null
  } else {
    // did:web documents state the key as a Multikey (multibase of the multicodec-prefixed key, i.e. a did:key body).
    const methods = (document.verificationMethod ?? []) as { id?: string; type?: string; publicKeyMultibase?: string }[]
    const atproto = methods.find((m) => m.id === '#atproto' || m.id === `${did}#atproto`)
    if (atproto?.type === 'Multikey' && atproto.publicKeyMultibase) signingKey = `did:key:${atproto.publicKeyMultibase}`
  }
  return { pds: pdsFromDocument(document), handle: handleFromDocument(document), signingKey, document }
}

/** Whether the document already names the new PDS and its signing key (the identity step has taken effect). */
export function identityMatches(view: IdentityView, credentials: DidCredentials): boolean {
  const endpoint = credentials.services?.atproto_pds?.endpoint?.replace(/\/+$/, '')
  const key = credentials.verificationMethods?.atproto
  // A key written in a legacy format cannot be compared here; activateAccount checks it on the new PDS anyway.
  return Boolean(endpoint && view.pds === endpoint && (!key || view.signingKey === null || view.signingKey === key))
}

/** What the owner of a did:web identity must publish, line by line. */
export function didWebInstructions(did: string, credentials: DidCredentials): string[] {
  const host = decodeURIComponent(did.slice('did:web:'.length).split(':')[0]!)
  const endpoint = credentials.services?.atproto_pds?.endpoint ?? '(the new PDS)'
  const key = credentials.verificationMethods?.atproto ?? ''
  return [
    `${did} is a did:web identity: its document is a file on https://${host}/.well-known/did.json that only you can change,`,
    'so Lifeboat cannot sign or submit the change (there is no PLC operation and no emailed token for did:web).',
    'Edit that file so that:',
    `  - the service "#atproto_pds" has "serviceEndpoint": "${endpoint}"`,
    `  - the verification method "#atproto" (type Multikey) has "publicKeyMultibase": "${key.replace(/^did:key:/, '')}"`,
    ...(credentials.alsoKnownAs?.length ? [`  - "alsoKnownAs" is ${JSON.stringify(credentials.alsoKnownAs)}`] : []),
    'Then run this command again: it reads the document, and once it names the new PDS and key it activates the new',
    'account and deactivates the old one. Keep the old PDS running until then.',
  ]
}
