// Writes a complete, standalone repo CAR (CAR v1, root = commit) from any block source: the commit, every MST
// node and every record reachable from it, each once. Streams to disk; memory holds one block at a time.
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { CarWriter } from '@ipld/car/writer'
import type { CID } from 'multiformats/cid'
import type { BlockSource } from './car-file.js'
import { walkBlocks } from './mst.js'
import { PRIVATE_FILE_MODE } from '../../files/atomic-file.js'

export async function writeRepoCar(blocks: BlockSource, commit: CID, path: string): Promise<{ blocks: number }> {
  const { writer, out } = CarWriter.create([commit])
  const written = pipeline(Readable.from(out), createWriteStream(path, { mode: PRIVATE_FILE_MODE }))
  let count = 0
  try {
    for await (const block of walkBlocks(blocks, commit)) {
      await writer.put(block)
      count++
    }
  } finally {
    await writer.close()
  }
  await written
  return { blocks: count }
}
