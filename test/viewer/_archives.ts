// Archives for the viewer tests and benchmarks, written by the real ArchiveWriter: a sample account with a Japanese
// post, a thread, images, a video, hostile HTML in text and alt text, a content warning, sensitive media, a poll,
// reactions, edits, a quote, a repost and people; and as many filler posts as asked (100,000 for the large test).
import { solidPng } from '../../src/demo/png.js'
import { ArchiveWriter } from '../../src/archive/writer.js'
import type { Network } from '../../src/archive/format.js'
import type { PostRecord } from '../../src/archive/records.js'

export const JAPANESE_PHRASE = '京都で桜を見ました'
export const HOSTILE_TEXT = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">hostile'
export const HOSTILE_ALT = '<img src=x onerror="window.__pwned=3">alt'

export interface SampleIds {
  japanese: string
  root: string
  reply: string
  replyToReply: string
  images: string
  hostile: string
  cw: string
  last: string
}

export async function writeSampleArchive(path: string, options: { network?: string; handle?: string; filler?: number; viewer?: boolean } = {}): Promise<SampleIds> {
  const network = (options.network ?? 'mastodon') as Network
  const handle = options.handle ?? 'alice@old.test'
  const base = `https://${handle.split('@')[1] ?? 'example.test'}/${network}/`
  const writer = await ArchiveWriter.open({
    path,
    source: { network, server: `https://${handle.split('@')[1] ?? 'example.test'}`, account: { id: `${base}users/alice`, handle, displayName: 'Alice' } },
    viewer: options.viewer ?? false,
  })
  const red = await writer.addMedia([solidPng(64, 48, [220, 30, 30])], { key: 'red', meta: { source: {}, mime: 'image/png', alt: 'a red square' } })
  const green = await writer.addMedia([solidPng(40, 40, [30, 200, 30])], { key: 'green', meta: { source: {}, mime: 'image/png', alt: 'a green square' } })
  const blue = await writer.addMedia([solidPng(30, 20, [30, 30, 220])], { key: 'blue', meta: { source: {}, mime: 'image/png', alt: HOSTILE_ALT, sensitive: true } })
  const id = (name: string) => `${base}notes/${name}`
  const t = (day: number, hour = 12) => new Date(Date.UTC(2024, 4, day, hour)).toISOString()
  const special: PostRecord[] = [
    { id: id('ja'), createdAt: t(20), text: `今日は${JAPANESE_PHRASE}。とても綺麗でした`, langs: ['ja'] },
    { id: id('root'), createdAt: t(10), text: 'Thread root: a trip in three posts' },
    { id: id('reply'), createdAt: t(10, 13), text: 'Second post of the thread', replyTo: { id: id('root'), root: id('root') } },
    { id: id('reply2'), createdAt: t(10, 14), text: 'Third post of the thread', replyTo: { id: id('reply'), root: id('root') } },
    { id: id('images'), createdAt: t(9), text: 'Two pictures https://example.com/page', media: [{ sha256: red.sha256, alt: 'a red square', mime: 'image/png' }, { sha256: green.sha256, alt: 'a green square', mime: 'image/png' }] },
    { id: id('hostile'), createdAt: t(8), text: HOSTILE_TEXT, media: [{ sha256: blue.sha256, alt: HOSTILE_ALT, mime: 'image/png' }] },
    { id: id('cw'), createdAt: t(7), text: 'Hidden behind a warning', contentWarning: 'spoiler: the ending' },
    { id: id('poll'), createdAt: t(6), text: 'Which format?', poll: { options: [{ text: 'JSON', votes: 3 }, { text: 'CSV', votes: 1 }], multiple: false, expiresAt: null } },
    { id: id('react'), createdAt: t(5), text: 'Reacted to', reactions: { '👍': 4, ':blobcat@misskey.io:': 2 }, edits: [{ createdAt: t(4), text: 'Reacted tp' }] },
    { id: id('quote'), createdAt: t(3), text: 'Quoting the root', quoteOf: id('root') },
    { id: id('repost'), createdAt: t(2), text: '', repostOf: id('images') },
    { id: id('last'), createdAt: '2024-06-01T00:00:00.000Z', text: 'The newest special post', langs: ['en'] },
  ]
  const filler = options.filler ?? 0
  const sink = writer.sink('posts')
  for (const post of special) await sink.write(post)
  const start = Date.UTC(2024, 3, 30)
  for (let i = 0; i < filler; i++) {
    // Filler goes back in time from April 2024, 47 minutes apart (100,000 posts span about nine years).
    const text = i % 10 === 0 ? `日記 ${i}: いつもの散歩、${i % 7 === 0 ? '雨' : '晴れ'}` : `Post number ${i}, an ordinary day`
    await sink.write({ id: id(`f${i}`), createdAt: new Date(start - i * 47 * 60_000).toISOString(), text, ...(i % 50 === 1 ? { replyTo: { id: id(`f${i - 1}`) } } : {}) })
  }
  for (const kind of ['following', 'followers', 'blocks', 'mutes'] as const) {
    for (const who of ['bob', 'carol']) await writer.write(kind, { account: { id: `https://friends.test/users/${who}-${kind}`, handle: `${who}-${kind}@friends.test`, displayName: `${who} (${kind})` } })
  }
  await writer.write('lists', { id: 'l1', name: 'Friends', members: [{ id: 'https://friends.test/users/bob', handle: 'bob@friends.test' }] })
  await writer.setProfile({ account: { id: `${base}users/alice`, handle }, displayName: 'Alice', avatar: { sha256: green.sha256, mime: 'image/png' } })
  await writer.finish()
  return { japanese: id('ja'), root: id('root'), reply: id('reply'), replyToReply: id('reply2'), images: id('images'), hostile: id('hostile'), cw: id('cw'), last: id('last') }
}
