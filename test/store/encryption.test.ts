// The encrypted store's codec on real bytes (docs/backup-store.md §9): round trips at the segment edges, every kind of
// damage (a flipped bit, truncation, dropped, reordered or duplicated segments) refused with exit 12, keyed object
// names, and the passphrase: right unlocks, wrong is exit 4, a hostile config.json is exit 12 before scrypt runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Readable, type Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createEncryptionConfig, unlock, type ObjectCodec, type ScryptParams } from '../../src/store/encryption.js'
import { HEADER_BYTES, SEGMENT_BYTES, TAG_BYTES, sealedSize } from '../../src/store/encryption-stream.js'
import { AuthError, BadArchiveError, ExitCode } from '../../src/errors.js'

// Cheap scrypt for most tests; one test uses the default parameters.
const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 }
const SEALED_SEGMENT = SEGMENT_BYTES + TAG_BYTES

async function through(transform: Transform, input: Buffer, chunkBytes = 7919): Promise<Buffer> {
  const chunks: Buffer[] = []
  for (let i = 0; i < input.length; i += chunkBytes) chunks.push(input.subarray(i, i + chunkBytes))
  const out: Buffer[] = []
  await pipeline(Readable.from(chunks), transform, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk)
  })
  return Buffer.concat(out)
}

async function codec(passphrase = 'correct horse battery staple'): Promise<ObjectCodec> {
  return (await createEncryptionConfig(passphrase, FAST)).codec
}

async function rejectsAsDamaged(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BadArchiveError, `${what}: ${String(error)}`)
    assert.equal(error.exitCode, ExitCode.badArchive)
    assert.doesNotMatch(error.message, /\n/)
    return true
  }, what)
}

const SIZES = { empty: 0, 'one byte': 1, 'one segment exactly': SEGMENT_BYTES, 'one segment and a byte': SEGMENT_BYTES + 1, 'three segments exactly': 3 * SEGMENT_BYTES, 'several segments': 3 * SEGMENT_BYTES + 12345 }

test('objects and manifests round-trip at every segment edge, streamed or whole, and are not the plaintext', async () => {
  const c = await codec()
  for (const [label, size] of Object.entries(SIZES)) {
    const plain = randomBytes(size)
    const stored = await through(c.encrypt(), plain)
    assert.equal(stored.length, sealedSize(size), `${label}: stored size`)
    assert.deepEqual(await through(c.decrypt(), stored), plain, `${label}: streamed in odd chunks`)
    assert.deepEqual(await through(c.decrypt(), stored, stored.length || 1), plain, `${label}: streamed whole`)
    const manifest = c.sealSmall(plain)
    assert.equal(manifest.length, sealedSize(size))
    assert.deepEqual(c.openSmall(manifest), plain, `${label}: manifest`)
    // From 16 bytes on, finding the plaintext in the ciphertext by chance is out of the question (one random byte
    // turns up among ~60 stored bytes about one run in five, so shorter ones prove nothing).
    if (size >= 16) assert.equal(stored.indexOf(plain.subarray(0, Math.min(size, 32))), -1, `${label}: plaintext not in the stored bytes`)
  }
  // The same plaintext sealed twice gives different bytes (a fresh salt and body key each time).
  const text = Buffer.from('a private post')
  assert.notDeepEqual(c.sealSmall(text), c.sealSmall(text))
  assert.equal(c.sealSmall(text).indexOf(text), -1)
})

test('a flipped bit anywhere in a sealed body is refused with exit 12', async () => {
  const c = await codec()
  // Every bit of a small body: header, ciphertext and tag.
  const small = await through(c.encrypt(), Buffer.from('x'))
  for (let bit = 0; bit < small.length * 8; bit++) {
    const bad = Buffer.from(small)
    bad[bit >> 3]! ^= 1 << (bit & 7)
    await rejectsAsDamaged(through(c.decrypt(), bad), `small body, bit ${bit}`)
    const manifest = c.sealSmall(Buffer.from('x'))
    manifest[bit >> 3]! ^= 1 << (bit & 7)
    assert.throws(() => c.openSmall(manifest), BadArchiveError, `small manifest, bit ${bit}`)
  }
  // Sampled positions of a multi-segment body: magic, salt, each segment's first byte and tag, the very last byte.
  const plain = randomBytes(3 * SEGMENT_BYTES + 100)
  const big = await through(c.encrypt(), plain)
  const positions = [0, 3, 4, HEADER_BYTES - 1, big.length - 1]
  for (let s = 0; s < 4; s++) positions.push(HEADER_BYTES + s * SEALED_SEGMENT, HEADER_BYTES + s * SEALED_SEGMENT + Math.min(SEALED_SEGMENT, big.length - HEADER_BYTES - s * SEALED_SEGMENT) - 1)
  for (const position of positions) {
    const bad = Buffer.from(big)
    bad[position]! ^= 0x80
    await rejectsAsDamaged(through(c.decrypt(), bad), `big body, byte ${position}`)
    assert.throws(() => c.openSmall(bad), BadArchiveError, 'an object body is not a manifest either way')
  }
  const manifest = c.sealSmall(plain)
  manifest[HEADER_BYTES + SEALED_SEGMENT + 5]! ^= 1
  assert.throws(() => c.openSmall(manifest), (error: unknown) => error instanceof BadArchiveError && /segment 1/.test(error.message))
})

test('truncation, dropped, reordered, duplicated and appended segments are refused with exit 12', async () => {
  const c = await codec()
  const plain = randomBytes(3 * SEGMENT_BYTES + 100)
  const stored = await through(c.encrypt(), plain)
  const header = stored.subarray(0, HEADER_BYTES)
  const segments = [0, 1, 2, 3].map((i) => stored.subarray(HEADER_BYTES + i * SEALED_SEGMENT, HEADER_BYTES + (i + 1) * SEALED_SEGMENT))
  assert.equal(Buffer.concat([header, ...segments]).length, stored.length)
  const cases: Record<string, Buffer> = {
    'nothing at all': Buffer.alloc(0),
    'half a header': stored.subarray(0, 20),
    'the header alone': header,
    'cut at a segment boundary (last segment dropped)': Buffer.concat([header, ...segments.slice(0, 3)]),
    'one byte short': stored.subarray(0, stored.length - 1),
    'cut inside the last tag': stored.subarray(0, stored.length - TAG_BYTES + 3),
    'a middle segment dropped': Buffer.concat([header, segments[0]!, segments[2]!, segments[3]!]),
    'two segments swapped': Buffer.concat([header, segments[1]!, segments[0]!, segments[2]!, segments[3]!]),
    'a segment duplicated': Buffer.concat([header, segments[0]!, segments[0]!, segments[1]!, segments[2]!, segments[3]!]),
    'bytes appended': Buffer.concat([stored, Buffer.from([0])]),
    'another body appended': Buffer.concat([stored, stored]),
    'the header of another body': Buffer.concat([(await through(c.encrypt(), plain)).subarray(0, HEADER_BYTES), ...segments]),
  }
  for (const [label, bytes] of Object.entries(cases)) {
    await rejectsAsDamaged(through(c.decrypt(), bytes), label)
    assert.throws(() => c.openSmall(bytes), BadArchiveError, `${label} (as a manifest)`)
  }
  // An exactly-one-segment body cut to look like an empty one, and an empty body given a stray segment.
  const one = await through(c.encrypt(), randomBytes(SEGMENT_BYTES))
  await rejectsAsDamaged(through(c.decrypt(), one.subarray(0, HEADER_BYTES + TAG_BYTES)), 'one segment cut to a tag')
  // A manifest sealed for one store does not open as an object, nor the other way round.
  assert.throws(() => c.openSmall(stored), BadArchiveError)
  await rejectsAsDamaged(through(c.decrypt(), c.sealSmall(plain)), 'a manifest read as an object')
})

test('object keys are keyed: not the sha256, stable within a store, different in another store', async () => {
  const a = await codec('one passphrase')
  const b = await codec('one passphrase')
  const sha = createHash('sha256').update('a media blob').digest('hex')
  const key = a.objectKey(sha)
  assert.match(key, /^objects\/([0-9a-f]{2})\/\1[0-9a-f]{62}$/)
  assert.equal(a.objectKey(sha), key, 'the same plaintext gets the same name in its store (deduplication)')
  assert.ok(!key.includes(sha) && !key.includes(sha.slice(0, 16)), 'the name does not contain the plaintext hash')
  assert.notEqual(b.objectKey(sha), key, 'another store (another master key, same passphrase) names it differently')
  assert.notEqual(a.objectKey(createHash('sha256').update('another blob').digest('hex')), key)
  assert.ok(a.isObjectKey(key))
  // A key under another bucket than its first two digits (one of 00 and ff is always another: the key is random).
  const otherBucket = key.slice(8, 10) === '00' ? 'ff' : '00'
  for (const bad of [`objects/${otherBucket}/` + key.slice(11), key + '0', key.slice(0, -1), 'snapshots/x.json', key.toUpperCase(), `objects/${key.slice(8, 10)}/../${key.slice(11)}`]) {
    assert.equal(a.isObjectKey(bad), false, bad)
  }
  assert.throws(() => a.objectKey('not a sha'))
})

test('the right passphrase unlocks the same keys; a wrong one is exit 4 in one line', async () => {
  const { config, codec: created } = await createEncryptionConfig('café passphrase', FAST)
  const text = JSON.stringify(config)
  assert.ok(!text.includes('café'), 'the passphrase is not in the config')
  const sealed = await through(created.encrypt(), Buffer.from('hello'))
  const sha = createHash('sha256').update('hello').digest('hex')

  // NFC: the same passphrase with a combining accent unlocks too.
  const decomposed = 'cafe\u0301 passphrase'
  for (const passphrase of ['café passphrase', decomposed]) {
    const opened = await unlock(JSON.parse(text), passphrase, '/srv/store')
    assert.equal(opened.objectKey(sha), created.objectKey(sha))
    assert.equal((await through(opened.decrypt(), sealed)).toString(), 'hello')
  }
  for (const wrong of ['cafe passphrase', 'café passphrase ', '']) {
    await assert.rejects(unlock(JSON.parse(text), wrong, '/srv/store'), (error: unknown) => {
      assert.ok(error instanceof AuthError)
      assert.equal(error.exitCode, ExitCode.auth)
      assert.equal(error.message, 'The passphrase does not unlock /srv/store.')
      return true
    })
  }
  // The sealed master key altered: no different key comes out, only the same refusal.
  const altered = JSON.parse(text)
  const bytes = Buffer.from(altered.masterKey.sealed, 'base64')
  bytes[0]! ^= 1
  altered.masterKey.sealed = bytes.toString('base64')
  await assert.rejects(unlock(altered, 'café passphrase'), AuthError)
})

test('new stores use the default scrypt parameters, which unlock', async () => {
  const { config, codec: created } = await createEncryptionConfig('default cost')
  assert.deepEqual({ N: config.kdf.N, r: config.kdf.r, p: config.kdf.p }, { N: 65536, r: 8, p: 1 })
  assert.equal(Buffer.from(config.kdf.salt, 'base64').length, 32)
  const sha = createHash('sha256').update('x').digest('hex')
  assert.equal((await unlock(config, 'default cost')).objectKey(sha), created.objectKey(sha))
})

test('a malformed or hostile encryption block is exit 12 before any scrypt runs', async () => {
  const { config } = await createEncryptionConfig('p', FAST)
  const variants: Record<string, (c: any) => unknown> = {
    'not an object': () => 'x',
    'unknown scheme': (c) => ({ ...c, scheme: 'rot13' }),
    'unknown kdf': (c) => ({ ...c, kdf: { ...c.kdf, name: 'argon2id' } }),
    'N of 2^30 (gigabytes)': (c) => ({ ...c, kdf: { ...c.kdf, N: 2 ** 30 } }),
    'N not a power of two': (c) => ({ ...c, kdf: { ...c.kdf, N: 1000 } }),
    'r too big': (c) => ({ ...c, kdf: { ...c.kdf, r: 1000 } }),
    'p too big': (c) => ({ ...c, kdf: { ...c.kdf, p: 64 } }),
    'memory over the bound': (c) => ({ ...c, kdf: { ...c.kdf, N: 2 ** 20, r: 8, p: 4 } }),
    'short salt': (c) => ({ ...c, kdf: { ...c.kdf, salt: 'AAAA' } }),
    'salt not base64': (c) => ({ ...c, kdf: { ...c.kdf, salt: '!!!' } }),
    'no master key': (c) => ({ ...c, masterKey: null }),
    'short nonce': (c) => ({ ...c, masterKey: { ...c.masterKey, nonce: 'AAAA' } }),
    'short sealed key': (c) => ({ ...c, masterKey: { ...c.masterKey, sealed: 'AAAA' } }),
  }
  for (const [label, change] of Object.entries(variants)) {
    await assert.rejects(unlock(change(structuredClone(config)), 'p', '/srv/store'), (error: unknown) => {
      assert.ok(error instanceof BadArchiveError, `${label}: ${String(error)}`)
      assert.match(error.message, /^The encryption settings in \/srv\/store's config\.json are damaged: .+\.$/)
      return true
    }, label)
  }
})
