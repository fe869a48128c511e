// writeHashedFile (src/files/hashing.ts): the one way bytes from outside reach the disk. Empty bodies and empty chunks
// are ordinary (an empty compat CSV, a zero-byte media file, a stream that yields an empty chunk); a write of nothing
// returns 0 bytes written and must not be taken for a full disk.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { writeHashedFile } from '../../src/files/hashing.js'

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

it('an empty body, and empty chunks among others, are written and hashed, not reported as a full disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-hashing-'))
  try {
    const empty = await writeHashedFile(join(dir, 'empty'), [new Uint8Array(0)])
    assert.deepEqual(empty, { sha256: sha256(new Uint8Array(0)), size: 0, crc32: 0 })
    assert.equal((await readFile(join(dir, 'empty'))).length, 0)

    const none = await writeHashedFile(join(dir, 'none'), [])
    assert.equal(none.size, 0)

    const parts = [Buffer.from('abc'), new Uint8Array(0), Buffer.from('def'), new Uint8Array(0)]
    const mixed = await writeHashedFile(join(dir, 'mixed'), parts)
    const whole = Buffer.from('abcdef')
    assert.deepEqual(mixed, { sha256: sha256(whole), size: 6, crc32: crc32(whole) })
    assert.deepEqual(await readFile(join(dir, 'mixed')), whole)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
