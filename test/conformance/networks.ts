// The conformance suite's one table: for every network with a test server, how to start it with an account seeded,
// how to run that network's export and replay commands against it, and what the server says a complete export holds.
// Each row reuses the network's own test setup (test/<network>/ worlds, test/servers/<network>/, the real PDS of
// @atproto/dev-env); the tests themselves (conformance.test.ts) know no network. A new network adds one row here.
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import type { Network, RecordKind } from '../../src/archive/format.js'
import type { ExportResult } from '../../src/commands/export.js'
import type { ReplaySummary } from '../../src/replay/report.js'
import { run as replay } from '../../src/commands/replay.js'
import { run as exportAtproto } from '../../src/commands/export-atproto.js'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { run as exportMastodon } from '../../src/commands/export-mastodon.js'
import { run as exportMatrix } from '../../src/commands/export-matrix.js'
import { adapterContext } from '../../src/run-context.js'
import type { CliContext } from '../../src/cli/main.js'
import { createAccount, seedSampleWorld } from '../../src/demo/sample-account.js'
import { solidPng } from '../../src/demo/png.js'
import { FAST_HTTP, followingOf, startWorld as startMisskeyWorld } from '../misskey/world.js'
import { seedAlice, startWorld as startMastodonWorld } from '../mastodon/_world.js'
import { call } from '../servers/mastodon/test-client.js'
import { startMatrixServer } from '../servers/matrix/server.js'

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** One network's test server with its account seeded, and the commands of that network pointed at it. */
export interface Fixture {
  /** Where the account's server listens (a fault proxy is put in front of it). */
  origin: string
  /** `lifeboat export <network>` of the seeded account; `server` replaces `origin` (a proxy), `since` is --since. */
  exportTo(output: string, cli: CliContext, options?: { server?: string; since?: string }): Promise<ExportResult>
  /** What the server holds: the archive's counts of these kinds, and the sha256 of every medium. */
  expected: { counts: Partial<Record<RecordKind, number>>; media: string[] }
  /** Networks with `--since`: adds one post (event) newer than any export, which a --since export holds alone. */
  since?: { add(): Promise<void>; kind: RecordKind }
  /** Networks with a replay Target: `lifeboat replay --to <network>` onto the second account, and what it follows now. */
  replay?: {
    run(archive: string, cli: CliContext): Promise<ReplaySummary>
    env: NodeJS.ProcessEnv
    /** The follows (rooms, for Matrix) of the second account, sorted; after a replay they equal the first's. */
    state(): Promise<string[]>
    expected: string[]
  }
  /** What of a record differs between two reads of an unchanged account (Matrix's `unsigned.age`), taken out to compare. */
  normalize?(record: Record<string, unknown>): unknown
  env: NodeJS.ProcessEnv
  close(): Promise<void>
}

export interface ConformanceCase {
  network: Network
  start(): Promise<Fixture>
}

/** The HTTP client the CLI builds (its events and waits), with millisecond backoffs so that faults cost no test time. */
const fast = (cli: CliContext) => adapterContext(cli, FAST_HTTP)

const misskey: ConformanceCase = {
  network: 'misskey',
  async start() {
    const world = await startMisskeyWorld()
    return {
      origin: world.old.url,
      env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp },
      exportTo: (output, cli, options = {}) => exportMisskey({ server: options.server ?? world.old.url, output, since: options.since }, cli, { http: FAST_HTTP }),
      expected: { counts: { posts: 250, media: 40, following: followingOf(world.old, world.alice).length }, media: world.files.map((f) => sha256(f.bytes)) },
      since: { kind: 'posts', add: async () => void world.old.seed.note(world.alice, { text: 'Written after the first export' }) },
      replay: {
        env: { LIFEBOAT_MISSKEY_TOKEN: world.freshToken },
        run: (archive, cli) => replay(archive, { to: 'misskey', toServer: world.fresh.url, only: 'follows' }, cli),
        state: async () => followingOf(world.fresh, world.alice2),
        expected: followingOf(world.old, world.alice),
      },
      close: () => world.close(),
    }
  },
}

const mastodon: ConformanceCase = {
  network: 'mastodon',
  async start() {
    const world = await startMastodonWorld()
    const seeded = seedAlice(world.old, world.friendsServer, 40)
    const newAlice = world.neu.seed.account({ username: 'alice' })
    const newToken = world.neu.seed.token(newAlice.id)
    const friends = Object.keys(seeded.friends).map((name) => `${name}@friends.test`)
    // Followed or asked to be (grace is locked: a follow of her stays a request), as the relationships API says.
    const following = async (server: typeof world.old, token: string) => {
      const ids = friends.map((acct) => [acct, server.accountId(acct)] as const).filter((pair): pair is readonly [string, string] => pair[1] !== undefined)
      const rels = (await call(`${server.url}/api/v1/accounts/relationships?${ids.map(([, id]) => `id[]=${id}`).join('&')}`, { token })).json as { id: string; following: boolean; requested: boolean }[]
      return ids.filter(([, id]) => rels.some((r) => r.id === id && (r.following || r.requested))).map(([acct]) => acct).sort()
    }
    const expected = await following(world.old, seeded.token)
    return {
      origin: world.old.url,
      env: { LIFEBOAT_MASTODON_TOKEN: seeded.token },
      exportTo: (output, cli, options = {}) => exportMastodon({ server: options.server ?? world.old.url, output, since: options.since }, cli, { context: fast(cli) }),
      // the avatar and the header are media too
      expected: { counts: { posts: seeded.counts.statuses, media: seeded.counts.media + 2, following: 4 }, media: [...seeded.mediaSha.values(), sha256(seeded.avatar), sha256(seeded.header)] },
      since: {
        kind: 'posts',
        add: async () => void world.old.seed.status(seeded.alice.id, { text: 'newer', createdAt: new Date(Date.now() + 3_600_000).toISOString() }),
      },
      replay: {
        env: { LIFEBOAT_MASTODON_TOKEN: newToken },
        run: (archive, cli) => replay(archive, { to: 'mastodon', toServer: world.neu.url, only: 'follows' }, cli),
        state: () => following(world.neu, newToken),
        expected,
      },
      close: () => world.close(),
    }
  },
}

const matrix: ConformanceCase = {
  network: 'matrix',
  async start() {
    const server = await startMatrixServer()
    const { seed } = server
    const alice = seed.user('alice')
    const bob = seed.user('bob', { displayname: 'Bob' })
    const alice2 = seed.user('alice2')
    const png = solidPng(8, 8, [200, 10, 10])
    const avatar = solidPng(16, 16, [10, 10, 200])
    seed.profile(alice.userId, { displayname: 'Alice', avatarUrl: seed.media({ bytes: avatar, contentType: 'image/png', fileName: 'me.png' }) })
    const general = seed.room({ creator: bob.userId, kind: 'public', name: 'General', alias: 'general', members: [alice.userId] })
    seed.messages(general, { count: 30, senders: [alice.userId, bob.userId], startTs: 1_600_000_000_000, intervalMs: 10 })
    const pictures = seed.room({ creator: alice.userId, kind: 'public', name: 'Pictures', alias: 'pictures', members: [bob.userId] })
    seed.message(pictures, alice.userId, { msgtype: 'm.image', body: 'a red square', url: seed.media({ bytes: png, contentType: 'image/png', fileName: 'red.png' }), info: { mimetype: 'image/png' } })
    const quiet = seed.room({ creator: alice.userId, kind: 'public', name: 'Quiet', alias: 'quiet' })
    const joined = (userId: string) => [general, pictures, quiet].filter((room) => server.state.room(room)!.membership(userId) === 'join').sort()
    return {
      origin: server.url,
      env: { LIFEBOAT_MATRIX_TOKEN: alice.accessToken },
      exportTo: (output, cli, options = {}) => exportMatrix({ homeserver: options.server ?? server.url, user: alice.userId, output, since: options.since }, cli, { context: fast(cli) }),
      expected: { counts: { rooms: 3, media: 2 }, media: [sha256(png), sha256(avatar)] },
      since: { kind: 'events', add: async () => void seed.message(general, bob.userId, 'a new message') },
      replay: {
        env: { LIFEBOAT_MATRIX_TOKEN: alice2.accessToken },
        run: (archive, cli) => replay(archive, { to: 'matrix', toServer: server.url, user: alice2.userId, only: 'rooms' }, cli),
        state: async () => joined(alice2.userId),
        expected: joined(alice.userId),
      },
      // `unsigned.age` is the server's count of milliseconds since the event, different on every read
      normalize: (record) => JSON.parse(JSON.stringify(record, (key, value) => (key === 'age' ? undefined : value))) as unknown,
      close: () => server.close(),
    }
  },
}

const atproto: ConformanceCase = {
  network: 'atproto',
  async start() {
    const network = await TestNetworkNoAppView.create({})
    const world = await seedSampleWorld(network.pds.url)
    const alice2 = await createAccount(network.pds.url, 'alice2')
    const pds = network.pds.url
    const blobs = (await (await fetch(`${pds}/xrpc/com.atproto.sync.listBlobs?did=${world.alice.did}&limit=1000`)).json()) as { cids: string[] }
    const media: string[] = []
    for (const cid of blobs.cids) media.push(sha256(Buffer.from(await (await fetch(`${pds}/xrpc/com.atproto.sync.getBlob?did=${world.alice.did}&cid=${cid}`)).arrayBuffer())))
    const follows = async (did: string) => {
      const { data } = await alice2.agent.com.atproto.repo.listRecords({ repo: did, collection: 'app.bsky.graph.follow', limit: 100 })
      return data.records.map((r) => (r.value as { subject: string }).subject).sort()
    }
    return {
      origin: pds,
      env: {},
      exportTo: (output, cli, options = {}) => exportAtproto(world.alice.did, { output, pds: options.server ?? pds, plc: network.plc.url }, cli),
      expected: { counts: { posts: world.created.posts.length, following: world.created.follows.length, media: media.length }, media },
      replay: {
        env: { ALICE2_PW: alice2.password },
        run: (archive, cli) => replay(archive, { to: 'atproto', handle: alice2.handle, toServer: pds, plc: network.plc.url, passwordEnv: 'ALICE2_PW', only: 'follows' }, cli),
        state: () => follows(alice2.did),
        expected: await follows(world.alice.did),
      },
      close: () => network.close(),
    }
  },
}

/** Every network with a test server. X has none: its Source reads a downloaded archive (test/x/). */
export const CASES: ConformanceCase[] = [misskey, mastodon, matrix, atproto]

export async function scratchDir(network: Network): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `lifeboat-conformance-${network}-`))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
