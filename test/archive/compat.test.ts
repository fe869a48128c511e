import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { emptyCsvRecords, readCsvFile } from '../../src/adapters/mastodon/csv-import.js'
import { blockedCsv, blockedDomainsCsv, bookmarksCsv, followingCsv, listsCsv, mutedCsv, misskeyAcctList } from '../../src/archive/compat.js'

// Mastodon's own specs expect these exact bodies (fixtures/mastodon/csv/, copied byte for byte from the shared
// fixtures' mastodon-spec-expected-exports; fixtures/mastodon/README.md says where each comes from).
const expected = (name: string) => readFileSync(new URL(`../../fixtures/mastodon/csv/${name}`, import.meta.url), 'utf8')
const user = { id: 'https://domain/users/username', handle: 'username@domain' }

test('compat CSVs are byte-identical to what Mastodon exports', () => {
  assert.equal(followingCsv([{ account: user, showReposts: true, notify: false, languages: ['en'] }]), expected('following_accounts.csv'))
  assert.equal(mutedCsv([{ account: user, hideNotifications: true }]), expected('muted_accounts.csv'))
  assert.equal(blockedCsv([{ account: user }]), expected('blocked_accounts.csv'))
  assert.equal(listsCsv([{ id: '1', name: 'The List', members: [{ id: 'x', handle: 'test@example.com' }] }]), expected('lists.csv'))
  assert.equal(blockedDomainsCsv([{ domain: 'example.com' }]), expected('blocked_domains.csv'))
  assert.equal(bookmarksCsv([{ subject: 'https://foo.bar/statuses/1312' }]), expected('bookmarks.csv'))
})

test('accounts without a user@host handle are left out, and fields that need it are quoted', () => {
  const csv = followingCsv([
    { account: { id: 'did:plc:abc' } },
    { account: { id: '@me:matrix.org' } },
    { account: user, languages: ['en', 'fr'] },
  ])
  assert.equal(csv, 'Account address,Show boosts,Notify on new posts,Languages\nusername@domain,true,false,"en, fr"\n')
  assert.equal(misskeyAcctList([{ account: user }, { account: { id: 'did:plc:x' } }]), '@username@domain\n')
})

test('a field is quoted only when it holds a comma, a quote or a line break, as Ruby writes, and reads back the same', async () => {
  const names = ['plain', 'with, comma', 'say "hi"', 'two\nlines', 'cr\ralone', 'crlf\r\nend', ' spaced ', '=1+2', "it's", 'semi;colon', 'tab\there', 'ünïcødé 😀']
  const lists = names.map((name, i) => ({ id: String(i), name, members: [{ id: 'x', handle: `u${i}@x.test` }] }))
  const csv = listsCsv(lists)
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
  assert.equal(listsCsv([]), '')
  const into = emptyCsvRecords()
  await readCsvFile('lists.csv', csv, (acct) => ({ id: `acct:${acct}`, handle: acct }), into)
  // Names are trimmed on reading, as Mastodon's importer does.
  assert.deepEqual(into.lists.map((l) => [l.name, l.members[0]!.handle]), lists.map((l) => [l.name.trim(), l.members[0]!.handle]))
})
