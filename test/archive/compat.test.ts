import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'csv-stringify/sync'
import { emptyCsvRecords, readCsvFile } from '../../src/adapters/mastodon/csv-import.js'
import { COMPAT_FILES, COMPAT_KINDS, writeCompatFiles, type CompatKind } from '../../src/archive/compat-files.js'
import { compatMember } from '../../src/archive/format.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import type { RecordsByKind } from '../../src/archive/records.js'
import { ArchiveWriter } from '../../src/archive/writer.js'
import { blockedCsv, blockedDomainsCsv, bookmarksCsv, compatText, followingCsv, listsCsv, mutedCsv, misskeyAcctList } from '../../src/archive/compat.js'

// Mastodon's own specs expect these exact bodies (fixtures/mastodon/csv/, copied byte for byte from the shared
// fixtures' mastodon-spec-expected-exports; fixtures/mastodon/README.md says where each comes from).
const expected = (name: string) => readFileSync(new URL(`../../fixtures/mastodon/csv/${name}`, import.meta.url), 'utf8')
const user = { id: 'https://domain/users/username', handle: 'username@domain' }

test('compat CSVs are byte-identical to what Mastodon exports', async () => {
  assert.equal(await compatText(followingCsv([{ account: user, showReposts: true, notify: false, languages: ['en'] }])), expected('following_accounts.csv'))
  assert.equal(await compatText(mutedCsv([{ account: user, hideNotifications: true }])), expected('muted_accounts.csv'))
  assert.equal(await compatText(blockedCsv([{ account: user }])), expected('blocked_accounts.csv'))
  assert.equal(await compatText(listsCsv([{ id: '1', name: 'The List', members: [{ id: 'x', handle: 'test@example.com' }] }])), expected('lists.csv'))
  assert.equal(await compatText(blockedDomainsCsv([{ domain: 'example.com' }])), expected('blocked_domains.csv'))
  assert.equal(await compatText(bookmarksCsv([{ subject: 'https://foo.bar/statuses/1312' }])), expected('bookmarks.csv'))
})

test('accounts without a user@host handle are left out, and fields that need it are quoted', async () => {
  const csv = await compatText(
    followingCsv([
      { account: { id: 'did:plc:abc' } },
      { account: { id: '@me:matrix.org' } },
      { account: user, languages: ['en', 'fr'] },
    ]),
  )
  assert.equal(csv, 'Account address,Show boosts,Notify on new posts,Languages\nusername@domain,true,false,"en, fr"\n')
  assert.equal(await compatText(misskeyAcctList([{ account: user }, { account: { id: 'did:plc:x' } }])), '@username@domain\n')
})

test('a field is quoted only when it holds a comma, a quote or a line break, as Ruby writes, and reads back the same', async () => {
  const names = ['plain', 'with, comma', 'say "hi"', 'two\nlines', 'cr\ralone', 'crlf\r\nend', ' spaced ', '=1+2', "it's", 'semi;colon', 'tab\there', 'ünïcødé 😀']
  const lists = names.map((name, i) => ({ id: String(i), name, members: [{ id: 'x', handle: `u${i}@x.test` }] }))
  const csv = await compatText(listsCsv(lists))
  assert.equal(csv, [
    'plain,u0@x.test',
    '"with, comma",u1@x.test',
    '"say ""hi""",u2@x.test',
    '"two\nlines",u3@x.test',
    '"cr\ralone",u4@x.test',
    '"crlf\r\nend",u5@x.test',
    ' spaced ,u6@x.test',
    '=1+2,u7@x.test',
    "it's,u8@x.test",
    'semi;colon,u9@x.test',
    'tab\there,u10@x.test',
    'ünïcødé 😀,u11@x.test',
  ].join('\n') + '\n')
  assert.equal(await compatText(listsCsv([])), '')
  const into = emptyCsvRecords()
  await readCsvFile('lists.csv', csv, (acct) => ({ id: `acct:${acct}`, handle: acct }), into)
  // Names are trimmed on reading, as Mastodon's importer does.
  assert.deepEqual(into.lists.map((l) => [l.name, l.members[0]!.handle]), lists.map((l) => [l.name.trim(), l.members[0]!.handle]))
})

test('each compat writer streams in chunks whose text is that of all rows written at once', async () => {
  // More rows than one chunk holds, with fields that need quoting and multi-byte text on both sides of a boundary.
  const records = Array.from({ length: 2600 }, (_, i) => ({
    account: { id: `https://x.test/users/u${i}`, handle: i % 7 === 0 ? `did:plc:${i}` : `ü${i}-${'n'.repeat(i % 40)}@x.test` },
    showReposts: i % 3 === 0,
    languages: i % 5 === 0 ? ['en', 'fr'] : [],
  }))
  const rows = [['Account address', 'Show boosts', 'Notify on new posts', 'Languages']]
  for (const r of records) if (!r.account.handle.startsWith('did:')) rows.push([r.account.handle, String(r.showReposts), 'false', r.languages.join(', ')])
  const chunks: string[] = []
  for await (const chunk of followingCsv(records)) chunks.push(chunk)
  assert.ok(chunks.length > 1, 'more than one chunk')
  assert.equal(chunks.join(''), stringify(rows, { record_delimiter: 'unix', quoted_match: /\r/ }))
  const acctChunks: string[] = []
  for await (const chunk of misskeyAcctList(records)) acctChunks.push(chunk)
  assert.ok(acctChunks.length > 1, 'more than one chunk')
  assert.equal(acctChunks.join(''), rows.slice(1).map(([a]) => `@${a}\n`).join(''))
})

test('the compat files are made from the records staged in the archive, and equal the pure functions on them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-compat-'))
  const path = join(dir, 'a.zip')
  const source = { network: 'mastodon' as const, server: 'https://x.test', account: { id: 'https://x.test/users/me', handle: 'me@x.test' } }
  const account = (i: number) => ({ id: `https://x.test/users/u${i}`, handle: i % 9 === 0 ? undefined : `u${i}@x.test` })
  const records = {
    following: Array.from({ length: 1500 }, (_, i) => ({ account: account(i), showReposts: i % 2 === 0, notify: i % 3 === 0 ? true : null, languages: i % 4 === 0 ? ['de', 'en'] : null, native: { id: String(i) } })),
    // U+2028 and U+2029 stay raw in JSON Lines: a reader splitting there would break these records apart.
    lists: [
      { id: '1', name: 'line\u2028sep, and "para"\u2029sep', members: [account(1), account(2), { id: 'did:plc:abc' }] },
      { id: '2', name: 'ünïcødé 😀\r\nx', members: [account(3)] },
    ],
    blocks: [{ account: account(5) }, { account: { id: '@me:matrix.org' } }],
    mutes: [{ account: account(6), hideNotifications: false }, { account: account(7) }],
    'domain-blocks': [{ domain: 'bad.test' }, { domain: 'worse.test' }],
    bookmarks: [{ subject: 'https://x.test/statuses/1' }, { subject: 'at://did:plc:abc/app.bsky.feed.post/1' }],
  } satisfies { [K in CompatKind]: RecordsByKind[K][] }

  const writer = await ArchiveWriter.open({ path, source, viewer: false })
  for (const kind of COMPAT_KINDS) {
    if (kind === 'mutes') continue // never written: its files are made from no records
    for (const record of records[kind]) await writer.write(kind, record as never)
  }
  await writeCompatFiles(writer, COMPAT_KINDS)
  // The kinds' sinks stay open: records written after the compat files still reach the archive, not the files.
  await writer.write('blocks', { account: account(8) })
  const manifest = await writer.finish()
  assert.equal(manifest.counts.blocks, 3)
  assert.equal(manifest.counts.mutes, undefined)

  const reader = await ArchiveReader.open(path)
  try {
    const member = async (name: string) => {
      const chunks: Buffer[] = []
      for await (const chunk of await reader.openMember(compatMember(name))) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    }
    const names: string[] = []
    for (const kind of COMPAT_KINDS) {
      const given = kind === 'mutes' ? [] : kind === 'blocks' ? records.blocks : records[kind]
      for (const [name, render] of COMPAT_FILES[kind]) {
        names.push(name)
        const expected = Buffer.from(await compatText((render as (r: Iterable<unknown>) => AsyncIterable<string>)(given)))
        assert.deepEqual(await member(name), expected, name)
      }
    }
    assert.deepEqual([...reader.members.keys()].filter((m) => m.startsWith('compat/')).sort(), names.map(compatMember).sort())
    assert.equal((await member('lists.csv')).toString(), `"line\u2028sep, and ""para""\u2029sep",u1@x.test\n"line\u2028sep, and ""para""\u2029sep",u2@x.test\n"ünïcødé 😀\r\nx",u3@x.test\n`)
    assert.equal((await member('muted_accounts.csv')).toString(), 'Account address,Hide notifications\n')
    assert.equal((await member('blocked_accounts.csv')).toString(), 'u5@x.test\n')
  } finally {
    reader.close()
  }
})
