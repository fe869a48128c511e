// The pure part of post replay: splitting, record keys, facet byte ranges, labels and media grouping; and sharp's
// downscaling (deterministic, so a rerun uploads the same blob).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import sharp from 'sharp'
import { detectFacets, graphemeCount, planPost, postRkey, selfLabels, splitText, MAX_IMAGE_BYTES } from '../../src/adapters/atproto/posts-map.js'
import { prepareImage } from '../../src/adapters/atproto/posts-media.js'
import { parentsFirst } from '../../src/replay/posts.js'
import type { PostRecord } from '../../src/archive/records.js'
import { solidPng } from '../../src/demo/png.js'

const S32 = '234567abcdefghijklmnopqrstuvwxyz'

function tidMicros(tid: string): bigint {
  let value = 0n
  for (const c of tid) value = value * 32n + BigInt(S32.indexOf(c))
  return value >> 10n
}

test('text over 300 graphemes or 3000 bytes is split without losing or cutting anything', () => {
  const japanese = 'あいうえおかきくけこ。'.repeat(80) // no spaces at all
  const parts = splitText(japanese)
  assert.ok(parts.length >= 3)
  assert.equal(parts.join(''), japanese)
  for (const part of parts) {
    assert.ok(graphemeCount(part) <= 300)
    assert.ok(part.endsWith('。'), 'cut after a sentence end')
  }
  const family = '👨‍👩‍👧‍👦' // one grapheme, 25 bytes
  const emoji = family.repeat(200)
  const emojiParts = splitText(emoji)
  for (const part of emojiParts) assert.ok(Buffer.byteLength(part) <= 3000)
  assert.equal(emojiParts.join(''), emoji, 'never inside a grapheme')
  const url = `https://example.com/${'a'.repeat(60)}`
  const words = `${'word '.repeat(55)}${url} ${'more '.repeat(10)}`.trim()
  const wordParts = splitText(words)
  assert.ok(wordParts.some((p) => p.includes(url)), 'a link stays whole')
  assert.equal(wordParts.join(' '), words)
  assert.deepEqual(splitText('short'), ['short'])
})

test('record keys are TIDs of the source date, the same for the same post and part, different otherwise', () => {
  const createdAt = '2015-06-01T12:34:56.789Z'
  const key = postRkey('https://x.example/status/1', createdAt, 0)
  assert.match(key, /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/)
  assert.equal(key, postRkey('https://x.example/status/1', createdAt, 0))
  assert.notEqual(key, postRkey('https://x.example/status/1', createdAt, 1))
  assert.notEqual(key, postRkey('https://x.example/status/2', createdAt, 0))
  assert.equal(tidMicros(key) / 1000n, BigInt(Date.parse(createdAt)))
})

test('facet byte ranges select exactly the link, tag and mention after Japanese and emoji', () => {
  const text = '日本語😀👨‍👩‍👧 https://例え.jp/パス #タグ @alice.bsky.social と @bob@social.example'
  const facets = detectFacets(text, [{ id: 'https://social.example/users/bob', handle: 'bob@social.example', url: 'https://social.example/@bob' }])
  const slices = facets.map((f) => Buffer.from(text).subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'))
  assert.deepEqual(slices, ['https://例え.jp/パス', '#タグ', '@alice.bsky.social', '@bob@social.example'])
  assert.deepEqual(facets.map((f) => f.features[0]!.$type.split('#')[1]), ['link', 'tag', 'mention', 'link'])
  assert.equal((facets[3]!.features[0] as { uri: string }).uri, 'https://social.example/@bob')
  // An X mention (a bare screen name) links to the account; `@jack2` and `@jack@host` are other accounts.
  const x = '返信 @jack さん、@jack2 と @jack@else.example にも'
  const xFacets = detectFacets(x, [{ id: '12', handle: 'jack', url: 'https://x.com/jack' }])
  assert.deepEqual(xFacets.map((f) => [Buffer.from(x).subarray(f.index.byteStart, f.index.byteEnd).toString('utf8'), (f.features[0] as { uri: string }).uri]), [['@jack', 'https://x.com/jack']])
})

test('content warnings become self-labels where one fits; more than four images go to follow-ups', () => {
  assert.deepEqual(selfLabels('NSFW', false), ['porn'])
  assert.deepEqual(selfLabels('gore', false), ['graphic-media'])
  assert.deepEqual(selfLabels('spoilers', false), [])
  assert.deepEqual(selfLabels(null, true), ['graphic-media'])
  const media = Array.from({ length: 9 }, (_, i) => ({ sha256: String(i).repeat(64), mime: 'image/png' }))
  const plan = planPost({ id: 'p', createdAt: '2020-01-01T00:00:00Z', text: 'nine', contentWarning: 'spoilers', media: [...media, { sha256: 'a'.repeat(64), mime: 'audio/mpeg' }] })
  assert.deepEqual(plan.parts.map((p) => p.images.length), [4, 4, 1])
  assert.equal(plan.parts[0]!.text, 'CW: spoilers\n\nnine')
  assert.equal(plan.unsupported.length, 1)
})

test('images over the limit are downscaled with sharp, the same way every time; small ones pass untouched', async () => {
  const small = solidPng(30, 20, [10, 20, 30], 1)
  const kept = await prepareImage(small, 'image/png')
  assert.equal(kept.bytes, small)
  assert.deepEqual([kept.width, kept.height, kept.downscaled], [30, 20, false])
  const big = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 90 } } }).png().toBuffer()
  assert.ok(big.length > MAX_IMAGE_BYTES)
  const once = await prepareImage(big, 'image/png')
  const twice = await prepareImage(big, 'image/png')
  assert.ok(once.bytes.length <= MAX_IMAGE_BYTES)
  assert.equal(once.mime, 'image/jpeg')
  assert.ok(once.width! <= 2000 && once.height! <= 2000)
  assert.ok(once.bytes.equals(twice.bytes))
})

test('a 10 MB text is refused with a reason, not split into an endless thread, and costs little to find out', () => {
  const huge = 'lorem ipsum '.repeat(900_000)
  const plan = planPost({ id: 'huge', createdAt: '2020-01-01T00:00:00Z', text: huge })
  assert.equal(plan.parts.length, 0)
  assert.match(plan.refused!, /more than 100 posts/)
  const long = planPost({ id: 'long', createdAt: '2020-01-01T00:00:00Z', text: 'word '.repeat(5000) })
  assert.equal(long.refused, undefined)
  assert.ok(long.parts.length > 50 && long.parts.length <= 100)
})

test('posts of one second: a reply or quote comes after the post it refers to; a cycle keeps date order', () => {
  const at = '2024-01-01T00:00:00.000Z'
  const post = (id: string, replyTo?: string, quoteOf?: string): PostRecord => ({ id, createdAt: at, text: id, replyTo: replyTo ? { id: replyTo } : null, quoteOf: quoteOf ?? null })
  // The file order X gives: newest first within the second.
  const ids = (posts: PostRecord[]) => parentsFirst(posts).map((p) => p.id)
  assert.deepEqual(ids([post('c', 'b'), post('b', 'a'), post('a'), post('z')]), ['a', 'b', 'c', 'z'])
  assert.deepEqual(ids([post('q', 'a', 'b'), post('a'), post('b')]), ['a', 'b', 'q'])
  assert.deepEqual(ids([post('x', 'y'), post('y', 'x')]), ['x', 'y'])
})
