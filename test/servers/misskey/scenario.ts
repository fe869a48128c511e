// The recorded scenario (fixture README "Scenario"), rebuilt through the seeder at a chosen size: alice with notes of
// every kind, drive files in the root and in a folder, profile with avatar/banner/fields, follows, a block, a mute,
// a renote mute, two lists, three antennas, two clips and three favorites; bob, carol, dave and erin around her.
// Tests and benchmarks start from it and add what they need.
import { solidPng } from '../../../src/demo/png.js'
import type { MisskeySeeder } from './seed.js'
import type { DriveFileRecord, NoteRecord, UserRecord } from './state.js'

/** A valid RGB PNG of one colour, `width`×`height`, so drive files have real bytes and real dimensions. */
export function tinyPng(width: number, height: number, rgb: [number, number, number] = [40, 90, 200]): Buffer {
  return solidPng(width, height, rgb)
}

export interface Scenario {
  users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', UserRecord>
  /** Native (session) tokens per user, and alice's app token with every permission. */
  tokens: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'aliceApp', string>
  notes: Record<string, NoteRecord>
  files: Record<string, DriveFileRecord>
  /** Every note of alice, oldest first. */
  aliceNotes: NoteRecord[]
}

/** Seeds the scenario; `bulkNotes` plain public notes (recorded: 135) surround the special ones. */
export function seedRecordedScenario(seed: MisskeySeeder, opts: { bulkNotes?: number; start?: number } = {}): Scenario {
  const bulk = opts.bulkNotes ?? 135
  let t = opts.start ?? Date.parse('2026-11-22T09:37:04.000Z')
  const next = (): number => (t += 17)
  const names = ['alice', 'bob', 'carol', 'dave', 'erin'] as const
  const users = Object.fromEntries(names.map((n) => [n, seed.user({ username: n, createdAt: next() })])) as Scenario['users']
  const { alice, bob, carol, dave, erin } = users
  const tokens = { ...Object.fromEntries(names.map((n) => [n, seed.token(users[n])])), aliceApp: seed.token(alice, 'app') } as Scenario['tokens']

  const photos = seed.folder(alice, 'Photos', undefined, next())
  // blurhash is computed by upstream from the pixels; a fixed recorded value stands in for it here
  const blurhash = 'e?IW_C|wsUFcJliPjafQaza|f%fQfQfQfQjIjtfQa|a|fQfQfQfQfQ'
  const jpeg = (hex: string, width: number, height: number) => ({ type: 'image/jpeg', bytes: Buffer.from(hex, 'hex'), properties: { width, height }, blurhash })
  const files: Record<string, DriveFileRecord> = {
    avatar: seed.file(alice, { name: 'avatar.png', type: 'image/png', bytes: tinyPng(64, 64), blurhash, createdAt: next() }),
    inFolder: seed.file(alice, { name: 'in-folder.jpg', ...jpeg('ffd8ffe000104a464946', 48, 48), folderId: photos.id, createdAt: next() }),
    banner: seed.file(alice, { name: 'banner.jpg', ...jpeg('ffd8ffdb0043000604050605', 96, 32), createdAt: next() }),
    root: seed.file(alice, { name: 'root-file.png', type: 'image/png', bytes: tinyPng(32, 32, [200, 40, 40]), blurhash, createdAt: next() }),
    sensitive: seed.file(alice, { name: 'attach-sensitive.png', type: 'image/png', bytes: tinyPng(40, 40), isSensitive: true, blurhash, createdAt: next() }),
    alt: seed.file(alice, { name: 'attach-alt.jpg', ...jpeg('ffd8ffdb004300060405', 50, 40), comment: 'A dark gradient rectangle (alt text)', createdAt: next() }),
  }
  seed.profile(alice, {
    name: 'Alice Example',
    description: 'Test account for export tooling. Likes #misskey and #ExportTest.',
    location: 'Loopback',
    birthday: '1990-04-01',
    lang: 'en',
    fields: [{ name: 'Website', value: 'https://example.com/alice' }, { name: 'Pronouns', value: 'she/her' }],
    avatar: files.avatar,
    banner: files.banner,
  })
  seed.follow(bob, alice)
  seed.follow(alice, bob)
  seed.follow(carol, alice)
  seed.follow(alice, carol)

  const aliceNotes: NoteRecord[] = []
  const note = (author: UserRecord, input: Parameters<MisskeySeeder['note']>[1]): NoteRecord => {
    const n = seed.note(author, { ...input, createdAt: next() })
    if (author === alice) aliceNotes.push(n)
    return n
  }
  const early = Math.min(65, bulk)
  for (let i = 1; i <= early; i++) note(alice, { text: `Early bulk note ${String(i).padStart(3, '0')}` })
  const notes: Record<string, NoteRecord> = {
    public: note(alice, { text: 'Hello world! This is a plain public note.' }),
    home: note(alice, { text: 'A home-timeline note.', visibility: 'home' }),
    followers: note(alice, { text: 'Only for my followers.', visibility: 'followers' }),
    specified: note(alice, { text: '@bob a direct (specified) note only for you.', visibility: 'specified', visibleUserIds: [bob.id] }),
    localOnly: note(alice, { text: 'A local-only note (not federated).', localOnly: true }),
    cw: note(alice, { text: 'The hidden body behind the content warning.', cw: 'Spoiler: export details' }),
    poll: note(alice, { text: 'Which export format do you prefer?', poll: { choices: ['JSON', 'CSV', 'Both'] } }),
  }
  seed.vote(bob, notes.poll!, 0)
  seed.vote(carol, notes.poll!, 2)
  notes.threadRoot = note(alice, { text: 'Thread root: what do you think about exports?' })
  notes.bobReply = note(bob, { text: '@alice I think they are great.', replyId: notes.threadRoot.id })
  notes.aliceReply = note(alice, { text: '@bob Thanks, glad you agree!', replyId: notes.bobReply.id })
  notes.bobForRenote = note(bob, { text: "Bob's public note that alice renotes." })
  notes.renote = note(alice, { renoteId: notes.bobForRenote.id })
  notes.bobForQuote = note(bob, { text: "Bob's note that alice quotes." })
  notes.quote = note(alice, { text: 'Quoting Bob here.', renoteId: notes.bobForQuote.id })
  notes.twoFiles = note(alice, { text: 'Two attachments: one sensitive, one with alt text.', fileIds: [files.sensitive!.id, files.alt!.id] })
  notes.mentions = note(alice, { text: 'Hi @bob and @carol! #misskey #ExportTest' })
  seed.react(bob, notes.mentions, '👍')
  seed.react(carol, notes.mentions, '🎉')
  seed.react(alice, notes.bobForRenote, '❤')
  seed.react(alice, notes.bobForQuote, '👀')
  notes.pinned = note(alice, { text: 'This note is pinned to my profile.' })
  seed.pin(alice, notes.pinned)
  const doomed = note(alice, { text: 'This note will be deleted.' })
  seed.deleteNote(doomed)
  aliceNotes.splice(aliceNotes.indexOf(doomed), 1)
  for (let i = early + 1; i <= bulk; i++) note(alice, { text: `Late bulk note ${String(i).padStart(3, '0')}` })

  seed.block(alice, dave)
  seed.mute(alice, erin)
  seed.renoteMute(alice, carol)
  const friends = seed.list(alice, 'Friends', [bob, carol])
  seed.list(alice, 'Watch', [erin])
  seed.antenna(alice, { name: 'Export keyword', keywords: [['export'], ['migration', 'tool']], excludeKeywords: [['spam']], excludeBots: true })
  seed.antenna(alice, { name: 'Friends list antenna', src: 'list', userListId: friends.id, keywords: [['hello']], withReplies: true })
  seed.antenna(alice, { name: 'Users antenna', src: 'users', users: ['bob', '@carol'], excludeKeywords: [['nsfw']], withFile: true })
  seed.clip(alice, 'Keepers', { description: 'Notes worth keeping', isPublic: true, notes: [notes.public, notes.twoFiles, notes.bobForRenote] })
  seed.clip(alice, 'Private clip', { notes: [notes.poll] })
  for (const n of [notes.public, notes.poll, notes.bobForQuote]) seed.favorite(alice, n)
  return { users, tokens, notes, files, aliceNotes }
}
