// Reads X's data files, which are JavaScript assignments of JSON: `window.YTD.tweets.part0 = [ … ]`,
// `Grailbird.data.tweets_2014_05 = \n[ … ]`, `var user_details =  { … }` (shared fixtures README, "Format quirks").
// Nothing is ever evaluated. The text before the first `=` must be a plain assignment target (dotted identifiers,
// optionally after `var`); what follows must be one JSON value, then only whitespace and `;`. Anything else is not X
// archive data and is refused.
//
// Big arrays (tweets, likes, followers) are streamed element by element by a byte scanner, so a 100,000-tweet file is
// never held whole and memory stays flat: JSON's structural characters are ASCII and never occur inside multi-byte
// UTF-8 sequences, so scanning bytes is safe. One element larger than its bound is not buffered: it is skipped and
// reported as `{ index, oversized }`, so one hostile item costs neither memory nor the rest of the archive.
import { notXData } from './errors.js'

const QUOTE = 0x22
const BACKSLASH = 0x5c
const EQUALS = 0x3d
const SEMICOLON = 0x3b
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c

/** Longest assignment target accepted before the `=` (`window.YTD.direct_messages_group.part0 ` is 40 bytes). */
const MAX_PREFIX_BYTES = 256
const TARGET = /^\s*(?:var\s+)?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*\s*$/

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09
}

export interface ArrayItem<T> {
  /** Position in the array, from 0. */
  index: number
  value?: T
  /** Set instead of `value` when the item was larger than the bound: its size in bytes. */
  oversized?: number
}

type Phase = 'prefix' | 'value' | 'items' | 'trailer'

/** Streams the elements of `<target> = [ {…}, {…} ]`. Every element must be a JSON object. */
export async function* assignedArrayItems<T = unknown>(source: AsyncIterable<Uint8Array>, what: string, maxItemBytes: number): AsyncGenerator<ArrayItem<T>> {
  let phase: Phase = 'prefix'
  const prefix: number[] = []
  let depth = 0
  let inString = false
  let escape = false
  let index = 0
  let inItem = false
  let itemBytes = 0
  let parts: Buffer[] = []
  let ready: ArrayItem<T>[] = []

  const endItem = (): void => {
    if (itemBytes > maxItemBytes) ready.push({ index, oversized: itemBytes })
    else {
      try {
        ready.push({ index, value: JSON.parse(Buffer.concat(parts).toString('utf8')) as T })
      } catch {
        throw notXData(what, `item ${index} is not valid JSON`)
      }
    }
    parts = []
    itemBytes = 0
    inItem = false
    index++
  }

  for await (const raw of source) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw)
    let start = inItem ? 0 : -1
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (phase === 'prefix') {
        if (b === EQUALS) {
          if (!TARGET.test(Buffer.from(prefix).toString('latin1'))) throw notXData(what, 'it does not start with `name =`')
          phase = 'value'
        } else if (prefix.length >= MAX_PREFIX_BYTES) throw notXData(what, 'it does not start with `name =`')
        else prefix.push(b)
        continue
      }
      if (phase === 'value') {
        if (isSpace(b)) continue
        if (b !== OPEN_ARRAY) throw notXData(what, 'what follows `=` is not a JSON array')
        phase = 'items'
        depth = 1
        continue
      }
      if (phase === 'trailer') {
        if (!isSpace(b) && b !== SEMICOLON) throw notXData(what, 'something other than data follows its JSON')
        continue
      }
      // phase 'items'
      if (inString) {
        if (escape) escape = false
        else if (b === BACKSLASH) escape = true
        else if (b === QUOTE) inString = false
        continue
      }
      if (depth === 1 && !inItem) {
        if (isSpace(b) || b === COMMA) continue
        if (b === CLOSE_ARRAY) {
          depth = 0
          phase = 'trailer'
          continue
        }
        if (b !== OPEN_OBJECT) throw notXData(what, `item ${index} is not a JSON object`)
        inItem = true
        start = i
      }
      if (b === QUOTE) inString = true
      else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++
      else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        depth--
        if (depth === 1) {
          const piece = chunk.subarray(start, i + 1)
          itemBytes += piece.length
          if (itemBytes <= maxItemBytes) parts.push(piece)
          start = -1
          endItem()
        }
      }
    }
    if (inItem && start >= 0) {
      const piece = chunk.subarray(start)
      itemBytes += piece.length
      // Past the bound the bytes are only counted, never kept.
      if (itemBytes <= maxItemBytes) parts.push(piece)
      else parts = []
    }
    const out = ready
    ready = []
    yield* out
  }
  if (phase === 'prefix') throw notXData(what, 'it has no `=`')
  if (phase !== 'trailer') throw notXData(what, 'it ends before its JSON array does')
}

/** Reads a small file `<target> = <JSON>` whole (at most `maxBytes`), e.g. manifest.js or user_details.js. */
export async function readAssignedValue<T = unknown>(source: AsyncIterable<Uint8Array>, what: string, maxBytes: number): Promise<T> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of source) {
    size += chunk.length
    if (size > maxBytes) throw notXData(what, `it is larger than ${maxBytes} bytes`)
    chunks.push(Buffer.from(chunk))
  }
  const text = Buffer.concat(chunks).toString('utf8')
  const eq = text.indexOf('=')
  if (eq < 0 || eq > MAX_PREFIX_BYTES || !TARGET.test(text.slice(0, eq))) throw notXData(what, 'it does not start with `name =`')
  const body = text.slice(eq + 1).replace(/[\s;]+$/, '')
  const first = body.trimStart()[0]
  if (first !== '{' && first !== '[') throw notXData(what, 'what follows `=` is not JSON data')
  try {
    return JSON.parse(body) as T
  } catch {
    throw notXData(what, 'what follows `=` is not valid JSON')
  }
}
