// Random access to the blocks of CAR files on disk, without loading them: one streaming pass builds a CID ->
// (file, offset, length) index, then blocks are read on demand and checked against their CID before use.
// Several CAR files (a full repo CAR plus later diff CARs) can serve as one block source.
import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { CarIndexer } from '@ipld/car/indexer'
import { CID } from 'multiformats/cid'
import { matchesCid } from '../../files/cid.js'

export interface BlockSource {
  get(cid: CID): Promise<Uint8Array | null>
}

interface Location {
  file: number
  offset: number
  length: number
}

export class BlockNotFoundError extends Error {
  override name = 'BlockNotFoundError'
  constructor(readonly cid: string) {
    super(`block ${cid} is missing`)
  }
}

export class BlockHashError extends Error {
  override name = 'BlockHashError'
  constructor(readonly cid: string) {
    super(`block ${cid} does not hash to its CID`)
  }
}

/**
 * The index key of a CID: its binary form as a flat one-byte-per-char string (~40 bytes). cid.toString() builds its
 * base32 text by concatenation, and V8 keeps such a string as a rope of ~60 pieces (~1.6 KB per block).
 */
function key(cid: CID): string {
  return Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1')
}

export class CarBlockStore implements BlockSource {
  #files: FileHandle[] = []
  #index = new Map<string, Location>()
  #roots: CID[][] = []

  /** Adds a CAR file; later files win for blocks present in both (they are identical by CID anyway). */
  async addFile(path: string): Promise<CID[]> {
    const indexer = await CarIndexer.fromIterable(createReadStream(path))
    const roots = await indexer.getRoots()
    const file = this.#files.length
    this.#files.push(await open(path, 'r'))
    for await (const block of indexer) {
      this.#index.set(key(block.cid), { file, offset: block.blockOffset, length: block.blockLength })
    }
    this.#roots.push(roots)
    return roots
  }

  get size(): number {
    return this.#index.size
  }

  has(cid: CID): boolean {
    return this.#index.has(key(cid))
  }

  async get(cid: CID): Promise<Uint8Array | null> {
    const location = this.#index.get(key(cid))
    if (!location) return null
    const bytes = Buffer.alloc(location.length)
    await this.#files[location.file]!.read(bytes, 0, location.length, location.offset)
    if (!matchesCid(cid, bytes)) throw new BlockHashError(cid.toString())
    return bytes
  }

  async close(): Promise<void> {
    await Promise.all(this.#files.map((f) => f.close()))
    this.#files = []
  }
}
