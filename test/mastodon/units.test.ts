// The Mastodon adapter's pure parts: Link parsing, id order, HTML to text, the follow plan, the follow cap's header
// reading, CSVs of every Mastodon era (and malformed ones), the tar.gz reading's long names and hostile or damaged
// archives, and the commands' flags as commander parses them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Command } from 'commander'
import { compareIds, parseLinks } from '../../src/adapters/mastodon/client.js'
import { FollowCap, planFollows } from '../../src/adapters/mastodon/follow-cap.js'
import { readRateLimitHeaders } from '../../src/net/rate-limit.js'
import { htmlLinks, htmlToText, replyTarget } from '../../src/adapters/mastodon/map.js'
import { emptyCsvRecords, readCsvFile } from '../../src/adapters/mastodon/csv-import.js'
import { openExportArchive } from '../../src/adapters/mastodon/export-archive.js'
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

test('CSVs of every Mastodon era: header-less and two-column follow lists, mutes by header, unknown files refused', async () => {
  const refOf = (acct: string) => ({ id: `acct:${acct}`, handle: acct })
  const into = emptyCsvRecords()
  await readCsvFile('following_accounts.csv', 'a@x.test\n\n@b@y.test\n', refOf, into)
  await readCsvFile('following_accounts (1).csv', '\uFEFFAccount address,Show boosts\r\nc@z.test,false\r\n', refOf, into)
  assert.deepEqual(into.following.map((f) => [f.account.handle, f.showReposts, f.notify]), [['a@x.test', null, null], ['b@y.test', null, null], ['c@z.test', false, null]])
  await readCsvFile('export.csv', 'Account address,Hide notifications\nm@x.test,false\n', refOf, into)
  assert.deepEqual(into.mutes.map((m) => [m.account.handle, m.hideNotifications]), [['m@x.test', false]])
  await assert.rejects(readCsvFile('imports.txt', 'user@example.com\n', refOf, into), (e: Error & { exitCode?: number }) => e.exitCode === 2)
  await assert.rejects(readCsvFile('imports.txt', '', refOf, into), (e: Error & { exitCode?: number }) => e.exitCode === 2)
  assert.equal(await readCsvFile('blocked_accounts.csv', '', refOf, into), 'blocks')
})

test('quoted CSV fields keep their commas, quotes and line breaks; rows end at \\n, \\r\\n or \\r', async () => {
  const refOf = (acct: string) => ({ id: `acct:${acct}`, handle: acct })
  const into = emptyCsvRecords()
  await readCsvFile('lists.csv', 'plain,a@x.test\r"with, comma",b@x.test\r\n"say ""hi""",c@x.test\n"two\nlines",d@x.test\n\n   \n', refOf, into)
  assert.deepEqual(into.lists.map((l) => [l.name, l.members.map((m) => m.handle)]), [['plain', ['a@x.test']], ['with, comma', ['b@x.test']], ['say "hi"', ['c@x.test']], ['two\nlines', ['d@x.test']]])
  await readCsvFile('following_accounts.csv', 'Account address,Show boosts,Notify on new posts,Languages\nu@x.test,true,false,"fr, de"\n', refOf, into)
  assert.deepEqual(into.following[0]!.languages, ['fr', 'de'])
})

test('a malformed CSV is one BadArchiveError line naming the file (exit 12), not a guess', async () => {
  const refOf = (acct: string) => ({ id: `acct:${acct}`, handle: acct })
  const cases: [string, RegExp][] = [
    ['"The List,a@x.test\nOther,b@x.test\n', /^lists\.csv is not valid CSV: a quoted field is never closed\.$/],
    ['The List,a@x.test\nOther,"b@x.test"c\n', /^lists\.csv is not valid CSV: a quote stands inside a field on line 2\.$/],
    ['The "List",a@x.test\n', /^lists\.csv is not valid CSV: a quote stands inside a field on line 1\.$/],
  ]
  for (const [text, message] of cases) {
    const into = emptyCsvRecords()
    await assert.rejects(readCsvFile('lists.csv', text, refOf, into), (e: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(e.name, 'BadArchiveError')
      assert.equal(e.exitCode, 12)
      assert.match(e.message, message)
      assert.ok(e.hint)
      return true
    })
  }
})

const tarBlock = (name: string, size: number, type = '0') => {
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
const tarPad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)])
const paxRecord = (key: string, value: string) => {
  const body = ` ${key}=${value}\n`
  let length = body.length + 1
  while (String(length).length + body.length !== length) length++
  return Buffer.from(`${length}${body}`)
}

/** Opens `tar` (gzipped here) as Mastodon's tar.gz export; the names and bodies it yields. */
async function openTar(tar: Buffer): Promise<{ names: string[]; refused: string[]; bodies: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-tar-'))
  try {
    const path = join(dir, 'archive.tar.gz')
    await writeFile(path, gzipSync(tar))
    const archive = await openExportArchive(path, { scratchDir: join(dir, 'scratch') })
    const bodies: Record<string, string> = {}
    for (const name of archive.names) {
      const chunks: Buffer[] = []
      for await (const chunk of await archive.open(name)) chunks.push(chunk as Buffer)
      bodies[name] = Buffer.concat(chunks).toString()
      assert.equal(archive.size(name), Buffer.concat(chunks).length)
    }
    await archive.close()
    return { names: archive.names, refused: archive.refused, bodies }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('the tar.gz reader follows ustar prefixes, GNU long names and PAX paths, and skips directories', async () => {
  const long = 'media_attachments/files/' + 'x'.repeat(150) + '/a.png'
  const long2 = 'media_attachments/files/' + 'y'.repeat(150) + '/b.png'
  const pax = paxRecord('path', long2)
  const prefixed = tarBlock('c.png', 5)
  prefixed.write('media_attachments/files/' + 'z'.repeat(100), 345)
  prefixed.write('        ', 148)
  let sum = 0
  for (const b of prefixed) sum += b
  prefixed.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  const tar = Buffer.concat([
    tarBlock('././@LongLink', long.length + 1, 'L'), tarPad(Buffer.from(long + '\0')), tarBlock('short', 3), tarPad(Buffer.from('one')),
    tarBlock('PaxHeader', pax.length, 'x'), tarPad(pax), tarBlock('short2', 3), tarPad(Buffer.from('two')),
    prefixed, tarPad(Buffer.from('three')),
    tarBlock('dir/', 0, '5'),
    tarBlock('./outbox.json', 2), tarPad(Buffer.from('{}')), Buffer.alloc(1024),
  ])
  const { names, refused, bodies } = await openTar(tar)
  const prefixedName = 'media_attachments/files/' + 'z'.repeat(100) + '/c.png'
  assert.deepEqual(names, [long, long2, prefixedName, 'outbox.json'])
  assert.deepEqual(bodies, { [long]: 'one', [long2]: 'two', [prefixedName]: 'three', 'outbox.json': '{}' })
  assert.deepEqual(refused, [])
})

test('hostile tar members are refused and reported, never unpacked by their names', async () => {
  const pax = paxRecord('path', 'media/../../../etc/passwd')
  const tar = Buffer.concat([
    tarBlock('../escape.txt', 4), tarPad(Buffer.from('nope')),
    tarBlock('PaxHeader', pax.length, 'x'), tarPad(pax), tarBlock('innocent.txt', 4), tarPad(Buffer.from('nope')),
    tarBlock('a\\b.txt', 1), tarPad(Buffer.from('x')),
    tarBlock('link', 0, '2'), tarBlock('hard', 0, '1'), tarBlock('fifo', 0, '6'),
    tarBlock('actor.json', 2), tarPad(Buffer.from('{}')), tarBlock('actor.json', 2), tarPad(Buffer.from('[]')),
    Buffer.alloc(1024),
  ])
  const { names, refused, bodies } = await openTar(tar)
  assert.deepEqual(names, ['actor.json'])
  assert.equal(bodies['actor.json'], '{}')
  assert.deepEqual(refused, [
    '../escape.txt: has a .. segment',
    'media/../../../etc/passwd: has a .. segment',
    'a\\b.txt: contains a backslash',
    'link: is a link or special file',
    'hard: is a link or special file',
    'fifo: is a link or special file',
    'actor.json: is a duplicate',
  ])
})

test('a truncated or damaged tar.gz is one BadArchiveError line (exit 12), and its scratch folder is removed', async () => {
  const good = Buffer.concat([tarBlock('outbox.json', 600), tarPad(Buffer.alloc(600, 0x20)), Buffer.alloc(1024)])
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-tar-'))
  try {
    const cases: [string, Buffer, RegExp][] = [
      ['tar cut inside an entry', gzipSync(good.subarray(0, 800)), /ends in the middle of an entry/],
      ['gzip cut short', gzipSync(good).subarray(0, 40), /not a readable tar\.gz archive \(unexpected end of file\)/],
      ['header checksum wrong', gzipSync(Buffer.concat([Buffer.from(tarBlock('x', 0)).fill(0x41, 0, 10), Buffer.alloc(1024)])), /header checksum does not match/],
      ['not gzip inside', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('garbage that is not deflate')]), /not a readable tar\.gz archive/],
    ]
    for (const [what, bytes, message] of cases) {
      const path = join(dir, 'bad.tar.gz')
      await writeFile(path, bytes)
      const scratchDir = join(dir, 'scratch')
      await assert.rejects(openExportArchive(path, { scratchDir }), (e: Error & { exitCode?: number; hint?: string }) => {
        assert.equal(e.name, 'BadArchiveError', what)
        assert.equal(e.exitCode, 12, what)
        assert.match(e.message, message, what)
        assert.ok(!e.message.includes('\n') && e.hint, what)
        return true
      })
      await assert.rejects(readFile(join(scratchDir, '0')), { code: 'ENOENT' })
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
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
