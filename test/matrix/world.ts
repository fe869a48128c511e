// The account the Matrix adapter tests export and replay: alice in 12 joined rooms on the test homeserver
// (test/servers/matrix/) — one of 20,000 events, one encrypted with a key file that opens two of its three Megolm
// sessions, two DMs, one room whose `/messages` fails, rooms with media (one file only behind authenticated media,
// one encrypted attachment), tags, an ignored user, custom and changed push rules, and a profile with an avatar.
import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { solidPng } from '../../src/demo/png.js'
import type { MegolmFixture } from '../servers/matrix/megolm.js'
import type { MatrixTestServer } from '../servers/matrix/server.js'
import type { SeededUser } from '../servers/matrix/seed.js'

export interface MatrixWorld {
  alice: SeededUser & { password: string }
  bob: SeededUser
  carol: SeededUser
  mallory: SeededUser
  rooms: {
    big: string
    encrypted: string
    dmBob: string
    dmCarol: string
    failing: string
    media: string
    general: string
    work: string
    quiet: string
    announcements: string
    book: string
    games: string
  }
  megolm: MegolmFixture
  /** The bytes behind the world's media. */
  media: { png: Buffer; frozenPng: Buffer; avatar: Buffer; secret: Buffer; roomAvatar: Buffer }
  bigCount: number
}

/** Encrypts bytes as a Matrix encrypted attachment (AES-256-CTR, JWK key, SHA-256 of the ciphertext). */
export function encryptAttachment(clear: Buffer): { ciphertext: Buffer; file: (url: string) => Record<string, unknown> } {
  const key = randomBytes(32)
  const iv = Buffer.concat([randomBytes(8), Buffer.alloc(8)])
  const cipher = createCipheriv('aes-256-ctr', key, iv)
  const ciphertext = Buffer.concat([cipher.update(clear), cipher.final()])
  const sha256 = createHash('sha256').update(ciphertext).digest('base64').replace(/=+$/, '')
  return {
    ciphertext,
    file: (url) => ({
      url,
      key: { kty: 'oct', alg: 'A256CTR', k: key.toString('base64url'), key_ops: ['encrypt', 'decrypt'], ext: true },
      iv: iv.toString('base64').replace(/=+$/, ''),
      hashes: { sha256 },
      v: 'v2',
    }),
  }
}

export async function seedWorld(server: MatrixTestServer, options: { bigCount?: number } = {}): Promise<MatrixWorld> {
  const seed = server.seed
  const bigCount = options.bigCount ?? 20_000
  const alice = { ...seed.user('alice', { password: 'alice-pw' }), password: 'alice-pw' }
  const bob = seed.user('bob', { displayname: 'Bob' })
  const carol = seed.user('carol')
  const mallory = seed.user('mallory')
  const png = solidPng(8, 8, [200, 10, 10])
  const frozenPng = solidPng(8, 8, [10, 200, 10])
  const avatar = solidPng(16, 16, [10, 10, 200])
  const roomAvatar = solidPng(4, 4, [90, 90, 90])
  const secret = Buffer.from('the encrypted attachment, in clear\n')
  const avatarMxc = seed.media({ bytes: avatar, contentType: 'image/png', fileName: 'me.png', frozen: false })
  seed.profile(alice.userId, { displayname: 'Alice Liddell', avatarUrl: avatarMxc })

  const big = seed.room({ creator: alice.userId, kind: 'public', name: 'Big', alias: 'big', members: [bob.userId] })
  seed.messages(big, { count: bigCount, senders: [alice.userId, bob.userId], startTs: 1_600_000_000_000, intervalMs: 10 })
  seed.message(big, bob.userId, 'after the flood')

  const encrypted = seed.room({ creator: alice.userId, kind: 'private', name: 'Secret', members: [bob.userId], encrypted: true })
  const megolm = await seed.encryptedMessages(encrypted, { userId: bob.userId, messages: 9, sessions: 3, exportedSessions: [0, 2] })

  const dmBob = seed.room({ creator: alice.userId, kind: 'dm', members: [bob.userId], direct: true })
  seed.message(dmBob, bob.userId, 'hi alice')
  seed.message(dmBob, alice.userId, 'hi bob')
  const dmCarol = seed.room({ creator: alice.userId, kind: 'dm', members: [carol.userId], direct: true })
  seed.message(dmCarol, carol.userId, 'psst')

  const failing = seed.room({ creator: bob.userId, kind: 'public', name: 'Flaky', alias: 'flaky', members: [alice.userId] })
  seed.message(failing, bob.userId, 'you will never read this')
  seed.failRoom(failing, { status: 500, errcode: 'M_UNKNOWN', error: 'Internal server error' })

  const media = seed.room({ creator: alice.userId, kind: 'public', name: 'Pictures', alias: 'pictures', members: [bob.userId, mallory.userId] })
  const pngMxc = seed.media({ bytes: png, contentType: 'image/png', fileName: 'red.png', frozen: false })
  // On a server with authenticated media these two are only served by it (uploaded after the 2024 freeze).
  const frozen = server.compat === 'spec'
  const frozenMxc = seed.media({ bytes: frozenPng, contentType: 'image/png', fileName: 'green.png', frozen })
  const sealed = encryptAttachment(secret)
  const sealedMxc = seed.media({ bytes: sealed.ciphertext, contentType: 'application/octet-stream', frozen })
  const roomAvatarMxc = seed.media({ bytes: roomAvatar, contentType: 'image/png', frozen: false })
  seed.stateEvent(media, alice.userId, 'm.room.avatar', '', { url: roomAvatarMxc, info: { mimetype: 'image/png' } })
  seed.message(media, alice.userId, { msgtype: 'm.image', body: 'a red square', url: pngMxc, info: { mimetype: 'image/png', thumbnail_url: pngMxc } })
  seed.message(media, bob.userId, { msgtype: 'm.image', body: 'a green square', url: frozenMxc, info: { mimetype: 'image/png' } })
  seed.message(media, bob.userId, { msgtype: 'm.file', body: 'secret.txt', file: sealed.file(sealedMxc), info: { mimetype: 'text/plain' } })
  seed.message(media, mallory.userId, 'spam alice never sees')
  seed.message(media, bob.userId, { msgtype: 'm.image', body: 'a picture that is gone', url: `mxc://${server.serverName}/doesnotexist`, info: { mimetype: 'image/png' } })

  const general = seed.room({ creator: bob.userId, kind: 'public', name: 'General', topic: 'Everything', alias: 'general', members: [alice.userId, carol.userId] })
  seed.message(general, carol.userId, 'hello general')
  const work = seed.room({ creator: bob.userId, kind: 'private', name: 'Work', members: [alice.userId] })
  seed.message(work, bob.userId, 'standup at 10')
  const quiet = seed.room({ creator: alice.userId, kind: 'public', name: 'Quiet', alias: 'quiet' })
  const announcements = seed.room({ creator: bob.userId, kind: 'public', name: 'Announcements', alias: 'announcements', members: [alice.userId] })
  seed.message(announcements, bob.userId, 'v1 is out')
  const book = seed.room({ creator: carol.userId, kind: 'private', name: 'Book club', members: [alice.userId, bob.userId] })
  seed.message(book, carol.userId, 'chapter 3 for next week')
  const games = seed.room({ creator: alice.userId, kind: 'public', name: 'Games', alias: 'games', members: [carol.userId] })
  seed.message(games, carol.userId, 'gg')

  seed.tag(alice.userId, general, 'm.favourite', { order: 0.25 })
  seed.tag(alice.userId, work, 'u.work', { order: 0.5 })
  seed.tag(alice.userId, announcements, 'm.lowpriority')
  seed.tag(alice.userId, dmBob, 'm.favourite', { order: 0.1 })
  seed.ignore(alice.userId, [mallory.userId])
  seed.accountData(alice.userId, 'im.example.settings', { theme: 'dark' })
  seed.pushRule(alice.userId, 'content', 'lifeboat', { pattern: 'lifeboat', actions: ['notify', { set_tweak: 'highlight' }] })
  seed.pushRule(alice.userId, 'override', 'mute-games', { conditions: [{ kind: 'event_match', key: 'room_id', pattern: games }], actions: ['dont_notify'] })
  const suppress = server.state.user(alice.userId).pushRules.override.find((r) => r.rule_id === '.m.rule.suppress_notices')!
  suppress.enabled = false
  server.state.touchPushRules(alice.userId)

  return {
    alice,
    bob,
    carol,
    mallory,
    rooms: { big, encrypted, dmBob, dmCarol, failing, media, general, work, quiet, announcements, book, games },
    megolm,
    media: { png, frozenPng, avatar, secret, roomAvatar },
    bigCount,
  }
}
