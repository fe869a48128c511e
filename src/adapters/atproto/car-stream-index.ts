// Indexes a CARv1 (ipld.io/specs/transport/car/carv1) while its bytes go by, so a CAR being downloaded to disk is
// indexed by the time it is whole, without a second pass over the file. It finds the block boundaries only: each
// section is a varint length, a CID and the block's bytes; the bytes are checked against their CID when a
// CarBlockStore reads them. Anything it cannot follow (a CARv2, a section it cannot parse, bytes cut off) leaves it
// `complete: false`, and the caller indexes the file afterwards with @ipld/car, which reports the problem.
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'

export interface BlockLocation {
  offset: number
  length: number
}

/** Longest section start (varint length and CID) this waits for; real CIDs take under 100 bytes. */
const MAX_SECTION_START = 1024
/** Longest CAR header this waits for (a version and a list of roots). */
const MAX_HEADER = 64 * 1024

/** [value, bytes used], or undefined when `bytes` ends inside the varint (or it is longer than 8 bytes). */
function varint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0
  let factor = 1
  for (let i = 0; i < 8 && at + i < bytes.length; i++) {
    const byte = bytes[at + i]!
    value += (byte & 0x7f) * factor
    if (byte < 0x80) return [value, i + 1]
    factor *= 128
  }
  return undefined
}

/** Bytes the CID at `at` takes, or undefined when `bytes` ends inside it. */
function cidLength(bytes: Uint8Array, at: number): number | undefined {
  if (bytes[at] === 0x12 && bytes[at + 1] === 0x20) return 34 // CIDv0: a bare sha2-256 multihash
  let used = 0
  for (let i = 0; i < 3; i++) {
    // version, codec, multihash code
    const field = varint(bytes, at + used)
    if (!field) return undefined
    used += field[1]
  }
  const size = varint(bytes, at + used)
  if (!size) return undefined
  used += size[1] + size[0]
  return at + used <= bytes.length ? used : undefined
}

export class CarStreamIndex {
  /** The index key of a CID (car-file.ts `key`: its bytes as latin1) -> where its block's bytes are in the file. */
  readonly blocks = new Map<string, BlockLocation>()
  roots: CID[] = []
  #failed = false
  #header = false
  /** File offset of the next byte `push` receives. */
  #offset = 0
  /** Block bytes still to pass before the next section starts. */
  #skip = 0
  /** The start of a section cut by a chunk boundary. */
  #carry: Uint8Array | null = null

  /** Whether every byte was followed and the CAR ended on a section boundary. */
  get complete(): boolean {
    return this.#header && !this.#failed && this.#skip === 0 && this.#carry === null
  }

  /** The chunks of `body`, unchanged, indexed as they pass. */
  async *pass(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      this.push(chunk)
      yield chunk
    }
  }

  push(chunk: Uint8Array): void {
    if (this.#failed) return
    let bytes = chunk
    let base = this.#offset
    if (this.#carry) {
      bytes = Buffer.concat([this.#carry, chunk])
      base -= this.#carry.length
      this.#carry = null
    }
    this.#offset += chunk.length
    let at = 0
    while (at < bytes.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, bytes.length - at)
        this.#skip -= n
        at += n
        continue
      }
      const length = varint(bytes, at)
      const cid = length && (this.#header ? cidLength(bytes, at + length[1]) : length[0] <= bytes.length - at - length[1] ? length[0] : undefined)
      if (!length || cid === undefined) {
        const limit = this.#header || !length ? MAX_SECTION_START : MAX_HEADER
        if (bytes.length - at > limit) return this.#fail()
        this.#carry = bytes.slice(at)
        return
      }
      const start = at + length[1]
      if (!this.#header) {
        let header: { version?: number; roots?: CID[] } | undefined
        try {
          header = dagCbor.decode(bytes.subarray(start, start + length[0]))
        } catch {
          return this.#fail()
        }
        if (header?.version !== 1 || !Array.isArray(header.roots)) return this.#fail()
        this.roots = header.roots
        this.#header = true
        at = start + length[0]
        continue
      }
      if (cid > length[0]) return this.#fail()
      this.blocks.set(Buffer.from(bytes.buffer, bytes.byteOffset + start, cid).toString('latin1'), { offset: base + start + cid, length: length[0] - cid })
      this.#skip = length[0] - cid
      at = start + cid
    }
  }

  #fail(): void {
    this.#failed = true
    this.#carry = null
    this.blocks.clear()
  }
}
