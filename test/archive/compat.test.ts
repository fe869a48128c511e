import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
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
