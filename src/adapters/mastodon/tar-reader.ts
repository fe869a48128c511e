// A small streaming reader of POSIX ustar archives, enough for Mastodon's tar.gz exports (2.3–4.1), which Ruby's
// `Gem::Package::TarWriter` writes: 512-byte headers, octal sizes, names longer than 100 bytes split into the ustar
// `prefix` field (shared fixtures README, "How the archives are written"). PAX `path` records and GNU long names are
// read too, since people repack archives with other tools. Only regular files are yielded; links, devices and
// directories are skipped, and names are returned as written: callers never use them as file-system paths.
import { BadArchiveError } from '../../errors.js'

const BLOCK = 512

export interface TarEntry {
  name: string
  size: number
  /** The entry's bytes; must be read to the end (or not at all) before the next entry is asked for. */
  body: AsyncIterable<Buffer>
}

/** Reads exact byte counts from a chunked stream. */
class ByteReader {
  #chunks: AsyncIterator<Uint8Array>
  #buffer = Buffer.alloc(0)
  #done = false

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#chunks = source[Symbol.asyncIterator]()
  }

  async #fill(min: number): Promise<boolean> {
    while (this.#buffer.length < min && !this.#done) {
      const next = await this.#chunks.next()
      if (next.done) this.#done = true
      else this.#buffer = this.#buffer.length === 0 ? Buffer.from(next.value) : Buffer.concat([this.#buffer, next.value])
    }
    return this.#buffer.length >= min
  }

  /** Exactly `n` bytes, or null at a clean end of input. */
  async read(n: number): Promise<Buffer | null> {
    if (!(await this.#fill(n))) {
      if (this.#buffer.length === 0) return null
      throw new BadArchiveError('The tar archive ends in the middle of an entry.', { hint: 'The download may be incomplete; get the archive again.' })
    }
    const out = this.#buffer.subarray(0, n)
    this.#buffer = this.#buffer.subarray(n)
    return out
  }

  /** Up to `n` bytes in the chunks they arrive in. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n
    while (left > 0) {
      if (!(await this.#fill(1))) throw new BadArchiveError('The tar archive ends in the middle of an entry.', { hint: 'The download may be incomplete; get the archive again.' })
      const take = Math.min(left, this.#buffer.length)
      const out = this.#buffer.subarray(0, take)
      this.#buffer = this.#buffer.subarray(take)
      left -= take
      yield out
    }
  }
}

function text(header: Buffer, offset: number, length: number): string {
  const field = header.subarray(offset, offset + length)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? length : end).toString('utf8')
}

function octal(header: Buffer, offset: number, length: number): number {
  const field = header.subarray(offset, offset + length)
  // GNU base-256 for sizes of 8 GiB and more: a leading 0x80 byte, then big-endian bytes.
  if (field[0]! & 0x80) return field.subarray(1).reduce((n, byte) => n * 256 + byte, 0)
  const digits = text(header, offset, length).trim()
  return digits === '' ? 0 : Number.parseInt(digits, 8)
}

function checksumOk(header: Buffer): boolean {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!
  return sum === octal(header, 148, 8)
}

/** `path=` of a PAX extended header (records `<length> <key>=<value>\n`). */
function paxPath(data: Buffer): string | undefined {
  let at = 0
  let path: string | undefined
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    if (space < 0) break
    const length = Number.parseInt(data.subarray(at, space).toString('ascii'), 10)
    if (!Number.isFinite(length) || length <= 0) break
    const record = data.subarray(space + 1, at + length - 1).toString('utf8')
    const eq = record.indexOf('=')
    if (eq > 0 && record.slice(0, eq) === 'path') path = record.slice(eq + 1)
    at += length
  }
  return path
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** The regular files of a tar stream (already decompressed), in archive order. */
export async function* tarEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source)
  let longName: string | undefined
  for (;;) {
    const header = await reader.read(BLOCK)
    if (header === null || header.every((b) => b === 0)) return
    if (!checksumOk(header)) throw new BadArchiveError('This is not a tar archive, or it is damaged (a header checksum does not match).', { hint: 'Give the .tar.gz file Mastodon produced, unchanged.' })
    const size = octal(header, 124, 12)
    const type = String.fromCharCode(header[156]!)
    const padding = (BLOCK - (size % BLOCK)) % BLOCK
    const magic = text(header, 257, 6)
    const prefix = magic.startsWith('ustar') ? text(header, 345, 155) : ''
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100))
    longName = undefined
    const body = reader.stream(size)
    if (type === 'x' || type === 'L') {
      const data = await readAll(body)
      longName = type === 'L' ? data.toString('utf8').replace(/\0+$/, '') : paxPath(data)
    } else if (type === '0' || type === '\0' || type === '7') {
      // A consumer that stops early must not close the shared reader: its `return` only ends its own view.
      const view: AsyncIterable<Buffer> = {
        [Symbol.asyncIterator]: () => ({ next: () => body.next(), return: async () => ({ done: true, value: undefined }) }),
      }
      yield { name, size, body: view }
      while (!(await body.next()).done) {
        // skip what the consumer left unread
      }
    } else {
      while (!(await body.next()).done) {
        // links, directories, devices: skipped
      }
    }
    if (padding > 0) await reader.read(padding)
  }
}
