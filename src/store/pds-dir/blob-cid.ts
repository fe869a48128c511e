// The sha256 a PDS blob file must have, from its file name: the disk blobstore names each blob by its CID
// (@atproto/pds disk-blobstore.ts getStoredPath), and blob CIDs are CIDv1 raw with a sha2-256 multihash.
import { CID } from 'multiformats/cid'

const SHA2_256 = 0x12

/** The hex sha256 named by a CID file name, or null when the name is not a sha2-256 CID. */
export function sha256FromCidName(name: string): string | null {
  try {
    const cid = CID.parse(name)
    if (cid.multihash.code !== SHA2_256) return null
    return Buffer.from(cid.multihash.digest).toString('hex')
  } catch {
    return null
  }
}
