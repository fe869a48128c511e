// The Mastodon adapter's pure parts: Link parsing, id order, HTML to text, the follow plan, the follow cap's header
// reading, CSVs of every Mastodon era, the tar reader's long names, and the commands' flags as commander parses them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Command } from 'commander'
import { compareIds, parseLinks } from '../../src/adapters/mastodon/client.js'
import { FollowCap, planFollows } from '../../src/adapters/mastodon/follow-cap.js'
import { readRateLimitHeaders } from '../../src/net/rate-limit.js'
import { htmlLinks, htmlToText, replyTarget } from '../../src/adapters/mastodon/map.js'
import { emptyCsvRecords, readCsvFile } from '../../src/adapters/mastodon/csv-import.js'
import { tarEntries } from '../../src/adapters/mastodon/tar-reader.js'
import { visibilityOf } from '../../src/adapters/mastodon/outbox-map.js'
import { register as registerExport } from '../../src/commands/export-mastodon.js'
import { register as registerImport } from '../../src/commands/import-mastodon-archive.js'
import type { Status } from '../../src/adapters/mastodon/api.js'
import { captureCli } from '../_util/cli.js'

test('Link headers, id order and HTML', () => {
  assert.deepEqual(parseLinks('<https://a.test/api/v1/x?max_id=5>; rel="next", <https://a.test/api/v1/x?min_id=9>; rel="prev"'), { next: 'https://a.test/api/v1/x?max_id=5', prev: 'https://a.test/api/v1/x?min_id=9' })
  assert.deepEqual(parseLinks(null), {})
  assert.ok(compareIds('109', '1000') < 0 && compareIds('01HZZ', '01HZA') > 0)
  const html = '<p>Hi <span class="h-card"><a href="https://b.test/@bob" class="u-url mention">@<span>bob</span></a></span> &amp; <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow"><span class="invisible">https://</span>example.com/a?b=1&amp;c=2</a> <a href="https://a.test/tags/x" class="mention hashtag" rel="tag">#x</a></p><p>two<br />lines &#39;q&#39;</p>'
  assert.equal(htmlToText(html), "Hi @bob & https://example.com/a?b=1&c=2 #x\n\ntwo\nlines 'q'")
  assert.deepEqual(htmlLinks(html), ['https://example.com/a?b=1&c=2'])
  const status = { id: '20', uri: 'https://a.test/users/me/statuses/20', in_reply_to_id: '10', in_reply_to_account_id: '1' } as Status
  assert.deepEqual(replyTarget(status, '1'), { id: 'https://a.test/users/me/statuses/10' })
  assert.deepEqual(replyTarget(status, '2'), { id: '10' })
})

test('archive visibility comes from to/cc', () => {
  const actor = { id: 'https://a.test/users/me', followers: 'https://a.test/users/me/followers', domain: 'a.test' }
  const pub = 'https://www.w3.org/ns/activitystreams#Public'
  assert.equal(visibilityOf([pub], [actor.followers], actor), 'public')
  assert.equal(visibilityOf([actor.followers], [pub], actor), 'unlisted')
  assert.equal(visibilityOf([actor.followers], [], actor), 'followers')
  assert.equal(visibilityOf(['https://b.test/users/bob'], [], actor), 'direct')
})

test('the follow plan spreads follows over the cap\'s days', () => {
  const now = Date.parse('2026-01-01T12:00:00Z')
  assert.deepEqual(planFollows(300, {}, now), { today: 300, laterDays: 0, finishesAt: new Date(now) })
  const resetAt = Date.parse('2026-01-02T00:00:00Z')
  const plan = planFollows(1000, { limit: 400, remaining: 150, resetAt }, now)
  assert.equal(plan.today, 150)
  assert.equal(plan.laterDays, 3)
  assert.equal(plan.finishesAt.toISOString(), '2026-01-04T00:00:00.000Z')
})

test('the follow cap reads only the daily family\'s headers', () => {
  const now = Date.parse('2026-01-01T12:00:00Z')
  const cap = new FollowCap(() => now)
  const headers = (remaining: number, reset: string) => readRateLimitHeaders(new Headers({ 'x-ratelimit-limit': '400', 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': reset }), now)
  assert.equal(cap.observe(headers(250, '2026-01-01T12:05:00.000000Z')), false, 'a 5-minute window is a request budget')
  assert.equal(cap.observe(headers(0, '2026-01-02T00:00:00.000000Z')), true)
  assert.equal(cap.exhaustedUntil(), '2026-01-02T00:00:00.000Z')
  cap.observe(headers(3, '2026-01-02T00:00:00.000000Z'))
  assert.equal(cap.exhaustedUntil(), undefined)
})

test('CSVs of every Mastodon era: header-less and two-column follow lists, mutes by header, unknown files refused', () => {
  const refOf = (acct: string) => ({ id: `acct:${acct}`, handle: acct })
  const into = emptyCsvRecords()
  readCsvFile('following_accounts.csv', 'a@x.test\n\n@b@y.test\n', refOf, into)
  readCsvFile('following_accounts (1).csv', 'Account address,Show boosts\nc@z.test,false\n', refOf, into)
  assert.deepEqual(into.following.map((f) => [f.account.handle, f.showReposts, f.notify]), [['a@x.test', null, null], ['b@y.test', null, null], ['c@z.test', false, null]])
  readCsvFile('export.csv', 'Account address,Hide notifications\nm@x.test,false\n', refOf, into)
  assert.deepEqual(into.mutes.map((m) => [m.account.handle, m.hideNotifications]), [['m@x.test', false]])
  assert.throws(() => readCsvFile('imports.txt', 'user@example.com\n', refOf, into), (e: Error & { exitCode?: number }) => e.exitCode === 2)
})

test('the tar reader follows ustar prefixes, GNU long names and PAX paths', async () => {
  const block = (name: string, size: number, type = '0') => {
    const h = Buffer.alloc(512)
    h.write(name.slice(0, 100), 0)
    h.write(size.toString(8).padStart(11, '0') + '\0', 124)
    h.write(type, 156)
    h.write('ustar\0', 257)
    h.write('00', 263)
    h.write('        ', 148)
    let sum = 0
    for (const b of h) sum += b
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
    return h
  }
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)])
  const long = 'media_attachments/files/' + 'x'.repeat(150) + '/a.png'
  const pax = Buffer.from(`${String(`path=${long}\n`.length + 4)} path=${long}\n`)
  const tar = Buffer.concat([
    block('././@LongLink', long.length + 1, 'L'), pad(Buffer.from(long + '\0')), block('short', 3), pad(Buffer.from('one')),
    block('PaxHeader', pax.length, 'x'), pad(pax), block('short2', 3), pad(Buffer.from('two')),
    block('dir/', 0, '5'), block('link', 0, '2'),
    block('outbox.json', 2), pad(Buffer.from('{}')), Buffer.alloc(1024),
  ])
  const seen: [string, string][] = []
  for await (const entry of tarEntries((async function* () { yield tar })())) {
    const chunks: Buffer[] = []
    for await (const chunk of entry.body) chunks.push(chunk)
    seen.push([entry.name, Buffer.concat(chunks).toString()])
  }
  assert.deepEqual(seen, [[long, 'one'], [long, 'two'], ['outbox.json', '{}']])
})

test('the commands parse their flags', async () => {
  const { cli } = captureCli()
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
  registerExport(program, cli)
  registerImport(program, cli)
  const exportCommand = program.commands.find((c) => c.name() === 'export')!.commands.find((c) => c.name() === 'mastodon')!
  assert.deepEqual(exportCommand.options.map((o) => o.long), ['--server', '--output', '--token-env', '--since', '--force', '--mkdir'])
  const importCommand = program.commands.find((c) => c.name() === 'import')!.commands.find((c) => c.name() === 'mastodon-archive')!
  assert.deepEqual(importCommand.options.map((o) => o.long), ['--output', '--csv', '--force', '--mkdir'])
  await assert.rejects(program.parseAsync(['node', 'lifeboat', 'export', 'mastodon', '-o', 'x.zip']), /--server/)
})
