import { crc32, deflateRawSync } from 'node:zlib'

// A minimal ZIP writer (stored or deflated entries) that writes names and attributes exactly as given, so tests and
// fixtures can build hostile archives (path traversal, links, lying sizes, entries sharing bytes) that well-behaved
// zip libraries refuse to.
export interface RawZipEntry {
  name: string
  data: Uint8Array
  /** Unix mode for the external attributes (e.g. 0o120777 for a symlink); default a regular 0600 file. */
  mode?: number
  /** Lie about the uncompressed size in the headers. */
  declaredSize?: number
  /** Deflate the data (method 8) instead of storing it. */
  deflate?: boolean
}

export interface RawZipOptions {
  /** Extra central-directory records, each pointing at the local header (and so the bytes) of entry `of`. */
  aliases?: { name: string; of: number }[]
}

export function buildRawZip(entries: RawZipEntry[], options: RawZipOptions = {}): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  const records: { entry: RawZipEntry; crc: number; compressed: number; size: number; method: number; offset: number }[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const plain = Buffer.from(entry.data)
    const crc = crc32(plain)
    const size = entry.declaredSize ?? plain.length
    const data = entry.deflate ? deflateRawSync(plain) : plain
    const method = entry.deflate ? 8 : 0
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    locals.push(local, name, data)
    centrals.push(...centralRecord(entry, name, crc, data.length, size, method, offset))
    records.push({ entry, crc, compressed: data.length, size, method, offset })
    offset += local.length + name.length + data.length
  }
  for (const alias of options.aliases ?? []) {
    const target = records[alias.of]!
    centrals.push(...centralRecord(target.entry, Buffer.from(alias.name, 'utf8'), target.crc, target.compressed, target.size, target.method, target.offset))
  }
  const count = entries.length + (options.aliases?.length ?? 0)
  const centralSize = centrals.reduce((n, b) => n + b.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(count, 8)
  end.writeUInt16LE(count, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, ...centrals, end])
}

function centralRecord(entry: RawZipEntry, name: Buffer, crc: number, compressed: number, size: number, method: number, offset: number): Buffer[] {
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE((3 << 8) | 20, 4) // made by Unix
  central.writeUInt16LE(20, 6)
  central.writeUInt16LE(0x0800, 8)
  central.writeUInt16LE(method, 10)
  central.writeUInt32LE(crc, 16)
  central.writeUInt32LE(compressed, 20)
  central.writeUInt32LE(size, 24)
  central.writeUInt16LE(name.length, 28)
  central.writeUInt32LE(((entry.mode ?? 0o100600) << 16) >>> 0, 38)
  central.writeUInt32LE(offset, 42)
  return [central, name]
}
