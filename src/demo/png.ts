// Small valid PNG images of one colour, for the demo's sample posts (real bytes a PDS accepts as image/png).
import { crc32, deflateSync } from 'node:zlib'

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}

/**
 * A width x height RGB PNG filled with `rgb`; with a `seed`, a little noise in the red channel makes every image
 * differ (and compress like a photo). The one PNG encoder of the project: the demo, tests, fixtures and benchmarks.
 */
export function solidPng(width: number, height: number, rgb: [number, number, number], seed?: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // RGB
  const rows: Buffer[] = []
  let state = (seed ?? 0) * 2654435761 + 1
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3)
    for (let x = 0; x < width; x++) {
      state = (state * 1103515245 + 12345) >>> 0
      const noise = seed === undefined ? 0 : (state >>> 24) & 0x0f
      row[1 + x * 3] = (rgb[0] + noise) & 0xff
      row[2 + x * 3] = rgb[1]
      row[3 + x * 3] = rgb[2]
    }
    rows.push(row)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
