// The one place that knows how CIDs (content addresses) name bytes: AT Protocol repo blocks and blobs use CIDv1 with
// a sha2-256 multihash (atproto.com/specs/data-model "Link and CID Formats"), so a CID promises a sha256 that the
// bytes must have. Here, not in the AT Protocol adapter, because the backup store (src/store/pds-dir/) reads them too
// and the store imports no adapter.
import { createReadStream } from 'node:fs'
import { createHash, hash } from 'node:crypto'
import { CID } from 'multiformats/cid'

const SHA2_256 = 0x12

/** The hex sha256 a CID promises, or undefined when its hash is not sha2-256. Throws on a string that is no CID. */
export function cidSha256Hex(cid: string | CID): string | undefined {
  const parsed = typeof cid === 'string' ? CID.parse(cid) : cid
  if (parsed.multihash.code !== SHA2_256) return undefined
  return Buffer.from(parsed.multihash.digest).toString('hex')
}

/** The hex sha256 named by a CID in a file name (the PDS disk blobstore names blobs by CID), or null when it names none. */
export function sha256FromCidName(name: string): string | null {
  try {
    return cidSha256Hex(name) ?? null
  } catch {
    return null
  }
}

/**
 * Does `bytes` hash to `cid`? Called for every repo block a walk reads (38,000 in a 30,000-record repo): one-shot
 * hashing compared as bytes, no Hash object or hex strings per block.
 */
export function matchesCid(cid: CID, bytes: Uint8Array): boolean {
  const { code, digest } = cid.multihash
  return code === SHA2_256 && hash('sha256', bytes, 'buffer').equals(digest)
}

/** Does the file at `path` hash to the blob CID `cid`? Streams the file; never loads it whole. */
export async function fileMatchesCid(cid: string, path: string): Promise<boolean> {
  let expected: string | undefined
  try {
    expected = cidSha256Hex(cid)
  } catch {
    return false
  }
  if (expected === undefined) return false
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex') === expected
}
