// The pure parts of the X importer: dates of both eras, text (entities, t.co, media and quote links), retweets,
// long-post joins, and finding a tweet's media files (best video variant, glob fallback, names that try to escape).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isStub, mapTweet, matchNote, parseXDate, retweetOf, snowflakeTime, tweetText, withNote } from '../../src/adapters/x/map.js'
import { MediaIndex, urlBasename } from '../../src/adapters/x/media.js'
import type { NoteTweet, Tweet } from '../../src/adapters/x/api.js'

const me = { id: '52338276', screenName: 'alrocar' }

test('dates of both eras, and snowflake times', () => {
  assert.equal(parseXDate('Wed Mar 22 07:41:49 +0000 2017'), '2017-03-22T07:41:49.000Z')
  assert.equal(parseXDate('2014-05-27 12:24:35 +0000'), '2014-05-27T12:24:35.000Z')
  assert.equal(parseXDate('Sat Nov 09 12:14:18 +0200 2024'), '2024-11-09T10:14:18.000Z')
  assert.equal(parseXDate('not a date'), null)
  // 1855222380982907193 was created at Sat Nov 09 12:14:18 +0000 2024 (fixtures/x, alrocar).
  assert.equal(snowflakeTime('1855222380982907193')!.slice(0, 19), '2024-11-09T12:14:18')
})

test('text: entities unescaped around links, t.co expanded, media and quote links dropped', () => {
  const tweet: Tweet = {
    id_str: '2',
    created_at: 'Wed Mar 22 07:41:49 +0000 2017',
    full_text: 'a &lt;b&gt; &amp;amp; https://t.co/AAA and https://t.co/QQQ https://t.co/MMM',
    entities: {
      urls: [
        { url: 'https://t.co/AAA', expanded_url: 'https://example.com/?a=1&amp;b=2' },
        { url: 'https://t.co/QQQ', expanded_url: 'https://twitter.com/someone/status/123' },
      ],
      media: [{ url: 'https://t.co/MMM', media_url_https: 'https://pbs.twimg.com/media/X.jpg' }],
    },
  }
  const text = tweetText(tweet)
  assert.equal(text.text, 'a <b> &amp; https://example.com/?a=1&amp;b=2 and https://twitter.com/someone/status/123')
  assert.deepEqual(text.links, ['https://example.com/?a=1&amp;b=2', 'https://twitter.com/someone/status/123'])
  assert.equal(text.quoteOf, null, 'a status link that is not last is a link, not a quote')
  // A quote of one's own tweet leaves the text (a replay embeds it); someone else's stays a link beside quoteOf.
  const own = tweetText({ ...tweet, full_text: 'look https://t.co/QQQ', entities: { urls: tweet.entities!.urls } }, 'Someone')
  assert.deepEqual(own, { text: 'look', links: [], quoteOf: '123' })
  const other = tweetText({ ...tweet, full_text: 'look https://t.co/QQQ', entities: { urls: tweet.entities!.urls } }, 'me')
  assert.deepEqual(other, { text: 'look https://twitter.com/someone/status/123', links: ['https://twitter.com/someone/status/123'], quoteOf: '123' })
})

test('retweets: Grailbird names the original, tweet.js only the author (or a photo\'s source)', () => {
  assert.deepEqual(retweetOf({ id_str: '1', created_at: '', text: 'RT @a: x', retweeted_status: { id_str: '9', created_at: '', user: { screen_name: 'a' } } }), { id: '9', screenName: 'a' })
  assert.deepEqual(retweetOf({ id_str: '1', created_at: '', full_text: 'RT @b_c: hi…' }), { id: null, screenName: 'b_c' })
  const withPhoto: Tweet = { id_str: '1', created_at: '', full_text: 'RT @b: x', extended_entities: { media: [{ source_status_id_str: '77' }] } }
  assert.equal(mapTweet(withPhoto, me).repostOf, '77')
  const post = mapTweet({ id_str: '1', created_at: 'Wed Mar 22 07:41:49 +0000 2017', full_text: 'RT @b: x', lang: 'qme' }, me)
  assert.deepEqual([post.text, post.repostOf, post.langs], ['', 'https://x.com/b', []])
})

test('long posts: the stub takes its note\'s text among notes of the same second, leading mentions kept', () => {
  const stub: Tweet = { id_str: '5', created_at: 'Tue Jan 30 08:14:27 +0000 2024', full_text: '@bob @carol 2/100 #x &gt;&gt; trabajo\n-… https://t.co/S' }
  assert.ok(isStub(stub))
  assert.ok(!isStub({ ...stub, full_text: 'done https://t.co/M' }))
  const other: NoteTweet = { noteTweetId: '7', createdAt: '2024-01-30T08:14:27.000Z', core: { text: '3/100 something else' } }
  const note: NoteTweet = { noteTweetId: '8', createdAt: '2024-01-30T08:14:27.000Z', core: { text: '2/100 #x >> trabajo\n- more https://t.co/L', urls: [{ shortUrl: 'https://t.co/L', expandedUrl: 'https://long.example/' }], hashtags: [{ text: 'x' }] } }
  assert.equal(matchNote(stub, [other, note]), note)
  const post = withNote(mapTweet(stub, me), stub, note)
  assert.equal(post.text, '@bob @carol 2/100 #x >> trabajo\n- more https://long.example/')
  assert.deepEqual(post.links, ['https://long.example/'])
})

test('media: the best video variant first, then the glob fallback; crafted names find nothing', () => {
  const names = [
    'data/tweets_media/10-low.mp4',
    'data/tweets_media/10-high.mp4',
    'data/tweets_media/11-renamed.jpg',
    'data/tweets_media/12-a.jpg',
    'data/secret.jpg',
    'data/profile_media/52338276-avatar.jpg',
  ]
  const index = new MediaIndex(names, 'data/')
  const video = { type: 'video', video_info: { variants: [
    { bitrate: '256000', content_type: 'video/mp4', url: 'https://video.twimg.com/v/low.mp4?tag=1' },
    { content_type: 'application/x-mpegURL', url: 'https://video.twimg.com/v/pl.m3u8' },
    { bitrate: '2176000', content_type: 'video/mp4', url: 'https://video.twimg.com/v/high.mp4?tag=1' },
  ] } }
  assert.equal(index.find('10', video, new Set()), 'data/tweets_media/10-high.mp4')
  assert.equal(index.find('10', video, new Set(['data/tweets_media/10-high.mp4'])), 'data/tweets_media/10-low.mp4')
  assert.equal(index.find('11', { type: 'photo', media_url_https: 'https://pbs.twimg.com/media/Original.jpg' }, new Set()), 'data/tweets_media/11-renamed.jpg', 'glob fallback')
  assert.equal(index.find('11', video, new Set()), undefined, 'a photo file is not a video')
  assert.equal(index.find('12', { media_url_https: 'https://pbs.twimg.com/media/../../secret.jpg' }, new Set(['data/tweets_media/12-a.jpg'])), undefined)
  assert.equal(urlBasename('https://pbs.twimg.com/media/..%2F..%2Fsecret.jpg'), null)
  assert.equal(urlBasename('https://pbs.twimg.com/media/../secret.jpg'), 'secret.jpg', 'URL parsing resolves dots; the name is still only looked up')
  assert.equal(index.findProfile('52338276', 'https://pbs.twimg.com/profile_images/1/avatar.jpg'), 'data/profile_media/52338276-avatar.jpg')
})
