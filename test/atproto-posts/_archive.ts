// The Mastodon-shaped archive the post replay tests re-create on a PDS: a long Japanese and emoji post with a link,
// a hashtag and a mention, a self-reply, a quote, five images (one over the 1 MB limit), content warnings, a video
// the PDS takes and one it refuses, and posts that are left out by default (followers-only, a reply to someone else,
// a boost). Written with the project's ArchiveWriter.
import sharp from 'sharp'
import { ArchiveWriter } from '../../src/archive/writer.js'
import type { MediaRef, PostRecord } from '../../src/archive/records.js'
import { solidPng } from '../../src/demo/png.js'

export const SELF = 'https://social.example/users/me'
const id = (n: number) => `${SELF}/statuses/${n}`

/** A file the PDS sniffs as MP4 (an ISO BMFF `ftyp` box), padded to `size` bytes. */
export function fakeMp4(size: number): Buffer {
  const head = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')])
  return Buffer.concat([head, Buffer.alloc(size - head.length, 7)])
}

export function longJapanese(bobHandle: string): string {
  const sentence = '今日は新しいサーバーに引っ越しました🎉 みんなありがとう👨‍👩‍👧‍👦 '
  return `${sentence.repeat(6)}詳しくは https://example.com/引っ越し?x=1 を見てね #引っ越し @${bobHandle} ${sentence.repeat(6)}おわり😀`
}

export interface BuiltArchive {
  posts: PostRecord[]
  images: Buffer[]
}

export async function buildArchive(path: string, bobHandle: string): Promise<BuiltArchive> {
  const writer = await ArchiveWriter.open({ path, source: { network: 'mastodon', server: 'https://social.example', account: { id: SELF, handle: 'me@social.example' } } })
  writer.declare('posts')
  const images = [1, 2, 3, 4].map((s) => solidPng(20 + s, 10 + s, [s * 40, 100, 200], s))
  images.push(await sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#336699', noise: { type: 'gaussian', mean: 128, sigma: 80 } } }).png().toBuffer())
  const refs: MediaRef[] = []
  for (const [i, bytes] of images.entries()) {
    const rec = await writer.addMedia([bytes], { key: `img${i}`, meta: { mime: 'image/png', alt: `picture ${i + 1}`, source: { id: `img${i}` } } })
    refs.push({ sha256: rec.sha256, mime: 'image/png', alt: `picture ${i + 1}` })
  }
  const video = await writer.addMedia([fakeMp4(4096)], { key: 'vid', meta: { mime: 'video/mp4', source: { id: 'vid' } } })
  const bigVideo = await writer.addMedia([fakeMp4(6 * 1024 * 1024)], { key: 'bigvid', meta: { mime: 'video/mp4', source: { id: 'bigvid' } } })
  const at = (day: number) => `2019-03-${String(day).padStart(2, '0')}T10:00:00.000Z`
  const posts: PostRecord[] = [
    // newest first, as Mastodon exports list them: the replay must order them itself
    { id: id(9), createdAt: at(19), text: '', repostOf: 'https://other.example/statuses/1', visibility: 'public' },
    { id: id(8), createdAt: at(18), text: 'only for followers', visibility: 'followers' },
    { id: id(7), createdAt: at(17), text: 'replying to someone else', replyTo: { id: '12345' }, visibility: 'public' },
    { id: id(6), createdAt: at(16), text: 'two videos', media: [{ sha256: bigVideo.sha256, mime: 'video/mp4' }], visibility: 'public' },
    { id: id(5), createdAt: at(15), text: 'a clip', media: [{ sha256: video.sha256, mime: 'video/mp4', alt: 'a short clip' }], visibility: 'public' },
    { id: id(4), createdAt: at(14), text: 'behind a warning', contentWarning: 'nsfw', visibility: 'public' },
    { id: id(10), createdAt: at(13), text: 'the ending of the film', contentWarning: 'spoilers', visibility: 'unlisted' },
    { id: id(3), createdAt: at(12), text: 'five pictures', media: refs, visibility: 'public' },
    { id: id(2), createdAt: at(11), text: 'quoting myself', quoteOf: id(1), visibility: 'public' },
    { id: id(11), createdAt: at(10, ), text: 'and a reply to myself', replyTo: { id: id(1) }, visibility: 'public' },
    { id: id(1), createdAt: at(9), text: longJapanese(bobHandle), langs: ['ja'], links: ['https://example.com/引っ越し?x=1'], tags: ['引っ越し'], visibility: 'public' },
  ]
  for (const post of posts) await writer.write('posts', post)
  await writer.finish()
  return { posts, images }
}
