// The pure mapping (src/adapters/misskey/map.ts, accounts.ts) applied to real recorded answers of Misskey 2025.11.1,
// so the archive follows the real shapes and not only the fake server's. test/misskey/recorded/ holds verbatim copies
// of the shared recordings (fixtures/misskey/v2025.11.1/<same name>, configured URL http://127.0.0.1:3002, scrubbed).
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { accountOf } from '../../src/adapters/misskey/accounts.js'
import { followSettings, mapFavorite, mapNote, mapProfile, mapReaction, mapRelation } from '../../src/adapters/misskey/map.js'
import type { MisskeyServerInfo } from '../../src/adapters/misskey/session.js'
import type { Following, MeDetailed, Note, NoteFavorite, NoteReaction } from '../../src/adapters/misskey/api.js'

const FIXTURES = new URL('./recorded', import.meta.url).pathname
const server: MisskeyServerInfo = { origin: 'http://127.0.0.1:3002', uri: 'http://127.0.0.1:3002', host: '127.0.0.1:3002', version: '2025.11.1', software: 'misskey' }

function body<T>(name: string): T {
  return (JSON.parse(readFileSync(`${FIXTURES}/${name}.json`, 'utf8')) as { response: { body: T } }).response.body
}

const none = { mentions: new Map(), media: new Map(), pinned: new Set<string>() }

describe('mapping recorded Misskey answers', () => {
  it('notes: renote, quote, reply, poll, cw, visibility, mentions, tags, reactions', () => {
    const renote = mapNote(server, body<Note>('notes_show__renote'), none)
    assert.equal(renote.text, '')
    assert.equal(renote.repostOf, 'http://127.0.0.1:3002/notes/atv7j2ni09y2003u')
    assert.equal(renote.quoteOf, null)
    assert.equal(renote.id, 'http://127.0.0.1:3002/notes/atv7j2om09y2003w')
    const quote = mapNote(server, body<Note>('notes_show__quote'), none)
    assert.ok(quote.quoteOf && !quote.repostOf && quote.text === 'Quoting Bob here.')
    const reply = mapNote(server, body<Note>('notes_show__thread-alice-reply'), none)
    assert.match(reply.replyTo!.id, /^http:\/\/127\.0\.0\.1:3002\/notes\//)
    const poll = mapNote(server, body<Note>('notes_show__poll-as-bob-voted'), none)
    assert.deepEqual(poll.poll, { options: [{ text: 'JSON', votes: 1 }, { text: 'CSV', votes: 0 }, { text: 'Both', votes: 1 }], multiple: false, expiresAt: null, voted: [0] })
    assert.equal(mapNote(server, body<Note>('notes_show__cw'), none).contentWarning, 'Spoiler: export details')
    assert.equal(mapNote(server, body<Note>('notes_show__home'), none).visibility, 'unlisted')
    assert.equal(mapNote(server, body<Note>('notes_show__specified'), none).visibility, 'specified')
    assert.equal(mapNote(server, body<Note>('notes_show__local-only'), none).localOnly, true)
    const tagged = body<Note>('notes_show__mentions-hashtags-reactions')
    const bob = { id: 'http://127.0.0.1:3002/users/atv7j09i09y2000q', handle: 'bob@127.0.0.1:3002' }
    const mentioned = mapNote(server, tagged, { ...none, mentions: new Map([[tagged.mentions![0]!, bob]]) })
    assert.deepEqual(mentioned.mentions, [bob])
    assert.deepEqual(mentioned.tags, ['misskey', 'exporttest'])
    assert.deepEqual(mentioned.reactions, { '🎉': 1, '👍': 1 })
    assert.equal((mentioned.native as Record<string, unknown>).user, undefined, 'the author (always the account) is not repeated')
    const files = body<Note>('notes_show__two-files')
    const withMedia = mapNote(server, files, { ...none, media: new Map([[files.files![1]!.id, { sha256: 'ab'.repeat(32), alt: files.files![1]!.comment! }]]) })
    assert.deepEqual(withMedia.media, [{ sha256: 'ab'.repeat(32), alt: 'A dark gradient rectangle (alt text)' }], 'a file that could not be downloaded is left out')
  })

  it('every note of the recorded first page maps, with the recorded ids', () => {
    const page = body<Note[]>('users_notes__page1-limit100')
    const posts = page.map((n) => mapNote(server, n, none))
    assert.equal(posts.length, 100)
    assert.ok(posts.every((p, i) => p.createdAt === page[i]!.createdAt && (p.native as { id: string }).id === page[i]!.id))
  })

  it('following: account by URI and handle with host, renote mute as "show boosts: false"', () => {
    const [carol] = body<Following[]>('users_following__limit100')
    const record = mapRelation(accountOf(server, carol!.followee!), carol!, followSettings(carol!.followee!), { followeeId: carol!.followeeId })
    assert.deepEqual(record.account, { id: 'http://127.0.0.1:3002/users/atv7j0c409y2000r', handle: 'carol@127.0.0.1:3002', url: 'http://127.0.0.1:3002/@carol' })
    assert.equal(record.showReposts, false)
    assert.equal(record.notify, false)
    assert.equal(record.createdAt, carol!.createdAt)
  })

  it('favorites and reactions: subject is the note URI, the emoji kept', () => {
    const [favorite] = body<NoteFavorite[]>('i_favorites__limit100')
    assert.match(mapFavorite(server, favorite!).subject, /^http:\/\/127\.0\.0\.1:3002\/notes\/[0-9a-z]+$/)
    const [reaction] = body<NoteReaction[]>('users_reactions__alice-self')
    const like = mapReaction(server, reaction!)!
    assert.equal((like.native as { reaction: string }).reaction, reaction!.type)
  })

  it('profile: name, description, fields, pinned notes, no login secrets', () => {
    const me = body<MeDetailed>('i__alice')
    const profile = mapProfile(accountOf(server, me), me, { avatar: null, banner: null, aliases: [] })
    assert.equal(profile.displayName, 'Alice Example')
    assert.deepEqual(profile.fields, [{ name: 'Website', value: 'https://example.com/alice' }, { name: 'Pronouns', value: 'she/her' }])
    assert.deepEqual((profile.native as MeDetailed).pinnedNoteIds, me.pinnedNoteIds)
    assert.equal((profile.native as Record<string, unknown>).securityKeysList, undefined)
    assert.equal(profile.account.handle, 'alice@127.0.0.1:3002')
  })
})
