// A small fediverse for the Mastodon adapter's tests: the account to export (`alice@old.test`), the friends it
// follows, blocks and mutes on their own instance (`friends.test`, so that another server can resolve them), and an
// empty new home (`new.test`), all joined by one directory. `seedAlice` gives alice 300 statuses of every kind and 30
// media, and every collection the export carries.
import { createHash, randomBytes } from 'node:crypto'
import { createFediDirectory, type FediDirectory } from '../servers/mastodon/directory.js'
import { startMastodonServer, type MastodonTestServer } from '../servers/mastodon/mastodon-server.js'
import type { Flavor, RateLimitOptions, SeededAccount, StatusInput, Visibility } from '../servers/mastodon/types.js'
import { captureCli } from '../_util/cli.js'
import type { AdapterContext } from '../../src/adapters/adapter.js'
import { createHttpClient, type HttpClientOptions } from '../../src/net/http-client.js'

export interface World {
  directory: FediDirectory
  old: MastodonTestServer
  friendsServer: MastodonTestServer
  neu: MastodonTestServer
  close(): Promise<void>
}

export async function startWorld(options: { oldRateLimits?: RateLimitOptions; newRateLimits?: RateLimitOptions; newFlavor?: Flavor; newNow?: () => number } = {}): Promise<World> {
  const directory = createFediDirectory()
  const off = { enabled: false }
  const old = await startMastodonServer({ domain: 'old.test', directory, rateLimits: options.oldRateLimits ?? off })
  const friendsServer = await startMastodonServer({ domain: 'friends.test', directory, rateLimits: off })
  const neu = await startMastodonServer({ domain: 'new.test', directory, rateLimits: options.newRateLimits ?? off, flavor: options.newFlavor, now: options.newNow })
  return {
    directory,
    old,
    friendsServer,
    neu,
    close: async () => {
      await Promise.all([old.close(), friendsServer.close(), neu.close()])
    },
  }
}

/** A user of `home`, made known to `on` as a remote account with the same actor URI (as a resolved account is). */
export function remoteUser(home: MastodonTestServer, on: MastodonTestServer, username: string, input: { displayName?: string; locked?: boolean } = {}): { home: SeededAccount; there: SeededAccount } {
  const account = home.seed.account({ username, displayName: input.displayName ?? username, locked: input.locked })
  const there = on.seed.account({ username, domain: home.domain, uri: account.uri, url: account.url, displayName: input.displayName ?? username, locked: input.locked })
  return { home: account, there }
}

export interface SeededAlice {
  alice: SeededAccount
  token: string
  friends: Record<'bob' | 'carol' | 'dave' | 'erin' | 'frank' | 'grace', { home: SeededAccount; there: SeededAccount }>
  /** sha256 of each media file seeded, by the status index it belongs to. */
  mediaSha: Map<number, string>
  avatar: Buffer
  header: Buffer
  statusUris: string[]
  counts: { statuses: number; media: number; edited: number; boosts: number; replies: number; polls: number; pinned: number; direct: number }
}

const VISIBILITIES: Visibility[] = ['public', 'unlisted', 'private', 'direct']

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Seeds alice on `old` with 300 statuses of every kind, 30 media files and every collection; friends live on `friendsServer`. */
export function seedAlice(old: MastodonTestServer, friendsServer: MastodonTestServer, statusCount = 300): SeededAlice {
  const avatar = randomBytes(64)
  const header = randomBytes(96)
  const alice = old.seed.account({
    username: 'alice', displayName: 'Alice Example', note: 'Hello, I am Alice.\n\nSecond paragraph.', locked: true, bot: false,
    fields: [{ name: 'Site', value: 'https://alice.example' }, { name: 'Pronouns', value: 'she/her' }],
    avatar: { bytes: avatar, contentType: 'image/png' }, header: { bytes: header, contentType: 'image/jpeg' },
  })
  const token = old.seed.token(alice.id)
  const friends = {
    bob: remoteUser(friendsServer, old, 'bob', { displayName: 'Bob' }),
    carol: remoteUser(friendsServer, old, 'carol'),
    dave: remoteUser(friendsServer, old, 'dave'),
    erin: remoteUser(friendsServer, old, 'erin'),
    frank: remoteUser(friendsServer, old, 'frank'),
    grace: remoteUser(friendsServer, old, 'grace', { locked: true }),
  }
  const bobStatuses = old.seed.statuses(friends.bob.there.id, 20, (i) => ({ text: `bob says ${i}` }))
  const mediaSha = new Map<number, string>()
  const statusUris: string[] = []
  const ids: string[] = []
  const counts = { statuses: statusCount, media: 0, edited: 0, boosts: 0, replies: 0, polls: 0, pinned: 0, direct: 0 }
  for (let i = 0; i < statusCount; i++) {
    const visibility = VISIBILITIES[i % 4]!
    const input: StatusInput = { text: `status ${i} #tag${i % 3}`, visibility, tags: [`tag${i % 3}`] }
    if (visibility === 'direct') {
      input.mentions = [friends.bob.there.id]
      counts.direct++
    }
    switch (i % 10) {
      case 0: {
        const bytes = randomBytes(200 + i)
        mediaSha.set(i, sha256(bytes))
        input.media = [{ bytes, contentType: i % 20 === 0 ? 'image/png' : 'image/jpeg', description: `picture ${i}`, focus: { x: 0.25, y: -0.5 } }]
        input.sensitive = i % 20 === 0
        counts.media++
        break
      }
      case 1:
        input.inReplyToId = ids[i - 1]
        counts.replies++
        break
      case 2:
        input.inReplyToId = bobStatuses[i % 20]
        counts.replies++
        break
      case 3:
        input.reblogOf = bobStatuses[(i + 1) % 20]
        delete input.text
        delete input.tags
        delete input.mentions
        if (visibility === 'direct') {
          counts.direct--
          input.visibility = 'public'
        }
        counts.boosts++
        break
      case 4:
        input.poll = { options: [{ title: 'yes', votesCount: 3 }, { title: 'no', votesCount: i % 7 }], multiple: i % 8 === 4, expiresAt: '2025-01-01T00:00:00.000Z' }
        counts.polls++
        break
      case 5:
        input.spoilerText = `cw ${i}`
        break
      case 6:
        input.language = 'de'
        break
      case 7:
        input.edits = [{ text: `first draft ${i}` }, { text: `second draft ${i}`, spoilerText: 'was cw' }]
        counts.edited++
        break
      case 8:
        if (i < 100) {
          input.pinned = true
          counts.pinned++
        }
        break
    }
    const made = old.seed.status(alice.id, input)
    ids.push(made.id)
    statusUris.push(made.uri)
  }
  old.seed.follow(alice.id, friends.bob.there.id, { reblogs: false, notify: true, languages: ['en', 'de'] })
  old.seed.follow(alice.id, friends.carol.there.id, { reblogs: true, notify: false })
  old.seed.follow(alice.id, friends.dave.there.id)
  old.seed.follow(alice.id, friends.grace.there.id, { accept: true })
  old.seed.follow(friends.carol.there.id, alice.id, { accept: true })
  old.seed.follow(friends.erin.there.id, alice.id, { accept: true })
  old.seed.list(alice.id, { title: 'Close, friends', members: [friends.bob.there.id, friends.carol.there.id] })
  old.seed.list(alice.id, { title: 'Empty' })
  old.seed.block(alice.id, friends.frank.there.id)
  old.seed.mute(alice.id, friends.erin.there.id, { notifications: false })
  old.seed.mute(alice.id, friends.dave.there.id, { notifications: true, durationSeconds: 3600 * 24 * 365 })
  old.seed.blockDomain(alice.id, 'spam.example')
  old.seed.blockDomain(alice.id, 'worse.example')
  old.seed.bookmark(alice.id, bobStatuses[0]!)
  old.seed.bookmark(alice.id, ids[Math.min(10, ids.length - 1)]!)
  for (let i = 0; i < 5; i++) old.seed.favourite(alice.id, bobStatuses[i]!)
  old.seed.featureTag(alice.id, 'lifeboat', { statusesCount: 3 })
  old.seed.endorse(alice.id, friends.bob.there.id)
  old.seed.filter(alice.id, { title: 'Spoilers', context: ['home', 'public'], keywords: [{ keyword: 'finale' }] })
  old.seed.followTag(alice.id, 'fediverse')
  return { alice, token, friends, mediaSha, avatar, header, statusUris, counts }
}

/** An AdapterContext over a fresh HTTP client with short backoffs, optionally sending every request elsewhere. */
export function testContext(options: { env?: NodeJS.ProcessEnv; rewrite?: { from: string; to: string }; http?: HttpClientOptions } = {}) {
  const captured = captureCli({ env: options.env })
  const rewrite = options.rewrite
  const fetchImpl: typeof fetch = rewrite
    ? (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
        return fetch(url.startsWith(rewrite.from) ? rewrite.to + url.slice(rewrite.from.length) : url, init)
      }
    : fetch
  const http = createHttpClient({ signal: captured.cli.signal, baseDelayMs: 5, maxDelayMs: 50, fetchImpl, ...options.http })
  const context: AdapterContext = { http, signal: captured.cli.signal, out: captured.cli.out, secrets: captured.cli.secrets }
  return { ...captured, context }
}
