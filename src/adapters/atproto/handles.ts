// Handles for the accounts an AT Protocol repo names only by DID (follows, blocks: `subject` is a DID), so an archive
// can show people by name and offer their Bridgy Fed addresses (docs/archive-format.md §4.4). The handle is the one
// each DID document claims (its first `at://` alsoKnownAs), read from the PLC directory for did:plc and from the
// account's host for did:web: one request per account, a few at a time, through the shared HTTP client (retries,
// timeouts, 429 pacing). A handle is a convenience: an account whose document cannot be read keeps its DID only.
import type { HttpClient } from '../../net/http-client.js'
import { forEachOrdered } from '../../concurrency/ordered-pool.js'
import { throwIfAborted } from '../../errors.js'
import { handleFromDocument, parseActor, resolveDidDocument } from './identity.js'

export interface HandleLookup {
  /** DID -> handle, for every DID whose document claims a valid handle. */
  handles: Map<string, string>
  /** DIDs whose document could not be read, with the first reason (for the archive's notes). */
  failed: { did: string; reason: string }[]
}

/** A claimed handle Lifeboat will record: a syntactically valid one, lower-cased; not `handle.invalid`. */
function validHandle(claimed: string | null): string | null {
  if (!claimed) return null
  try {
    const parsed = parseActor(claimed)
    return 'handle' in parsed && parsed.handle !== 'handle.invalid' ? parsed.handle : null
  } catch {
    return null
  }
}

export async function lookUpHandles(dids: Iterable<string>, options: { http: HttpClient; plc: string; signal?: AbortSignal; concurrency?: number }): Promise<HandleLookup> {
  const unique = [...new Set(dids)].filter((did) => /^did:(plc|web):/.test(did))
  const handles = new Map<string, string>()
  const failed: HandleLookup['failed'] = []
  await forEachOrdered(
    unique,
    { concurrency: options.concurrency ?? 4, signal: options.signal },
    async (did) => validHandle(handleFromDocument(await resolveDidDocument(options.http, did, options.plc))),
    async (did, result) => {
      throwIfAborted(options.signal)
      if (!result.ok) failed.push({ did, reason: (result.error as Error).message })
      else if (result.value) handles.set(did, result.value)
    },
  )
  return { handles, failed }
}
