// Walks an AT Protocol repository (atproto.com/specs/repository): the signed commit points at the root of a
// Merkle Search Tree whose entries map `<collection>/<rkey>` keys to record CIDs. Node layout:
// { l: CID | null, e: [{ p: prefix length shared with the previous key, k: key suffix bytes, v: record CID,
// t: right subtree CID | null }] }. Walking in order yields records sorted by key, reading one block at a time.
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { BlockNotFoundError, type BlockSource } from './car-file.js'

export interface Commit {
  did: string
  version: number
  data: CID
  rev: string
  prev: CID | null
  sig: Uint8Array
}

interface MstEntry {
  p: number
  k: Uint8Array
  v: CID
  t: CID | null
}

interface MstNode {
  l: CID | null
  e: MstEntry[]
}

export interface RepoEntry {
  collection: string
  rkey: string
  cid: CID
  bytes: Uint8Array
}

async function need(blocks: BlockSource, cid: CID): Promise<Uint8Array> {
  const bytes = await blocks.get(cid)
  if (!bytes) throw new BlockNotFoundError(cid.toString())
  return bytes
}

export async function readCommit(blocks: BlockSource, cid: CID): Promise<Commit> {
  const commit = dagCbor.decode<Commit>(await need(blocks, cid))
  if (typeof commit?.did !== 'string' || !commit.data || typeof commit.rev !== 'string') throw new Error(`block ${cid} is not a repo commit`)
  return commit
}

/**
 * Yields every block of the repository reachable from the commit, each exactly once: commit, MST nodes, records.
 * With `records: false` the record blocks are skipped (used to check the tree alone).
 */
export async function* walkBlocks(blocks: BlockSource, commitCid: CID): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  const commitBytes = await need(blocks, commitCid)
  yield { cid: commitCid, bytes: commitBytes }
  const commit = dagCbor.decode<Commit>(commitBytes)
  const seen = new Set<string>()
  const stack: CID[] = [commit.data]
  while (stack.length > 0) {
    const cid = stack.pop()!
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    const bytes = await need(blocks, cid)
    yield { cid, bytes }
    const node = dagCbor.decode<MstNode>(bytes)
    if (node.l) stack.push(node.l)
    for (const entry of node.e) {
      if (entry.t) stack.push(entry.t)
      const recordKey = entry.v.toString()
      if (!seen.has(recordKey)) {
        seen.add(recordKey)
        yield { cid: entry.v, bytes: await need(blocks, entry.v) }
      }
    }
  }
}

/**
 * Yields records in key order: an in-order walk of the tree with an explicit stack (one generator, not one per
 * level: each level of nested generators adds a trip through the microtask queue per record).
 */
export async function* walkRecords(blocks: BlockSource, commitCid: CID): AsyncGenerator<RepoEntry> {
  const commit = await readCommit(blocks, commitCid)
  const stack: { entries: MstEntry[]; next: number; previous: Uint8Array }[] = []
  let descend: CID | null = commit.data
  for (;;) {
    // Down the left edge of the subtree `descend`, then on from the deepest node not yet finished.
    while (descend) {
      const node: MstNode = dagCbor.decode<MstNode>(await need(blocks, descend))
      stack.push({ entries: node.e, next: 0, previous: new Uint8Array(0) })
      descend = node.l
    }
    const frame = stack.at(-1)
    if (!frame) return
    if (frame.next === frame.entries.length) {
      stack.pop()
      continue
    }
    const entry = frame.entries[frame.next++]!
    const key = new Uint8Array(entry.p + entry.k.length)
    key.set(frame.previous.subarray(0, entry.p))
    key.set(entry.k, entry.p)
    frame.previous = key
    const path = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8')
    const slash = path.indexOf('/')
    yield { collection: path.slice(0, slash), rkey: path.slice(slash + 1), cid: entry.v, bytes: await need(blocks, entry.v) }
    descend = entry.t
  }
}

/** Every blob CID a record references (`{ $type: 'blob', ref: CID }`, and legacy `{ cid: string, mimeType }`). */
export function blobRefs(value: unknown, found: Map<string, string | undefined> = new Map()): Map<string, string | undefined> {
  if (value === null || typeof value !== 'object') return found
  if (Array.isArray(value)) {
    for (const item of value) blobRefs(item, found)
    return found
  }
  const object = value as Record<string, unknown>
  if (object.$type === 'blob' && object.ref && typeof (object.ref as CID).toString === 'function' && (object.ref as CID).multihash) {
    found.set((object.ref as CID).toString(), object.mimeType as string | undefined)
    return found
  }
  if (typeof object.cid === 'string' && typeof object.mimeType === 'string' && Object.keys(object).length === 2) {
    found.set(object.cid, object.mimeType)
    return found
  }
  if ((object as { multihash?: unknown }).multihash && (object as { asCID?: unknown }).asCID) return found
  for (const child of Object.values(object)) blobRefs(child, found)
  return found
}

export function decodeRecord(bytes: Uint8Array): Record<string, unknown> {
  return dagCbor.decode<Record<string, unknown>>(bytes)
}
