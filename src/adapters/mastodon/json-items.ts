// Streams the elements of a top-level array field of a JSON document (`orderedItems` of Mastodon's outbox.json,
// likes.json, bookmarks.json) one at a time, so an outbox of hundreds of MB is never held whole. Every occurrence of
// the field is read: Mastodon 4.2.10 wrote `"orderedItems":[],"orderedItems":[…]` (fixed in 4.2.11, mastodon #31099;
// shared fixtures README "Duplicate keys"), which first-wins parsers read as empty. JSON's structural characters are
// ASCII and never occur inside multi-byte UTF-8 sequences, so scanning bytes is safe.
import { BadArchiveError } from '../../errors.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

/** Largest single element accepted (a status with its HTML is a few KB; a malicious one could be endless). */
const MAX_ITEM_BYTES = 64 * 1024 * 1024

export async function* arrayItems<T = unknown>(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, field: string, what: string): AsyncGenerator<T> {
  let depth = 0
  let inString = false
  let escape = false
  /** At depth 1: collecting a key's bytes, then waiting for its value. */
  let key: number[] | null = null
  let expectKey = true
  let lastKey = ''
  /** Inside a wanted array: its elements sit at depth 2. */
  let inTarget = false
  let itemKind: 'none' | 'nested' | 'string' | 'scalar' = 'none'
  let parts: Buffer[] = []
  let partBytes = 0
  let ready: T[] = []

  const finish = (chunk: Buffer, start: number, end: number): void => {
    parts.push(chunk.subarray(start, end))
    const text = Buffer.concat(parts).toString('utf8')
    parts = []
    partBytes = 0
    itemKind = 'none'
    try {
      ready.push(JSON.parse(text) as T)
    } catch (cause) {
      throw new BadArchiveError(`${what} holds an item that is not valid JSON.`, { cause, hint: 'The archive is damaged; request a new one.' })
    }
  }

  for await (const raw of source) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw)
    let start = itemKind === 'none' ? -1 : 0
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (inString) {
        if (escape) escape = false
        else if (b === BACKSLASH) escape = true
        else if (b === QUOTE) {
          inString = false
          if (key !== null) {
            lastKey = Buffer.from(key).toString('utf8')
            key = null
          } else if (itemKind === 'string' && depth === 2) finish(chunk, start, i + 1)
        } else if (key !== null) key.push(b)
        continue
      }
      if (itemKind === 'scalar' && depth === 2 && (b === COMMA || b === CLOSE_ARRAY || isSpace(b))) finish(chunk, start, i)
      if (isSpace(b)) continue
      if (inTarget && depth === 2 && itemKind === 'none' && b !== COMMA && b !== CLOSE_ARRAY) {
        start = i
        itemKind = b === OPEN_OBJECT || b === OPEN_ARRAY ? 'nested' : b === QUOTE ? 'string' : 'scalar'
      }
      switch (b) {
        case QUOTE:
          inString = true
          if (depth === 1 && expectKey) key = []
          break
        case COLON:
          if (depth === 1) expectKey = false
          break
        case COMMA:
          if (depth === 1) expectKey = true
          break
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (depth === 1 && b === OPEN_ARRAY && !expectKey && lastKey === field) inTarget = true
          depth++
          break
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          depth--
          if (depth < 0) throw new BadArchiveError(`${what} is not valid JSON.`, { hint: 'The archive is damaged; request a new one.' })
          if (depth === 1 && inTarget) inTarget = false
          else if (depth === 2 && itemKind === 'nested') finish(chunk, start, i + 1)
          break
      }
    }
    if (itemKind !== 'none' && start >= 0) {
      parts.push(chunk.subarray(start))
      partBytes += chunk.length - start
      if (partBytes > MAX_ITEM_BYTES) throw new BadArchiveError(`${what} holds an item larger than ${MAX_ITEM_BYTES} bytes.`)
    }
    const out = ready
    ready = []
    yield* out
  }
  if (depth !== 0 || inString) throw new BadArchiveError(`${what} ends before its JSON does.`, { hint: 'The archive is damaged or incomplete; request a new one.' })
}
