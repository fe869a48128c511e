// Three fake Misskey instances sharing one directory, so `user@host` lookups resolve between them: `old` (alice's
// home, the recorded scenario grown to 250 notes of every kind and 40 drive files), `fresh` (alice2, where she moves)
// and `far` (frank, a remote account alice follows and lists). Rate limits are off unless a test asks for them.
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMisskeyDirectory, type MisskeyDirectory } from '../servers/misskey/directory.js'
import { seedRecordedScenario, tinyPng, type Scenario } from '../servers/misskey/scenario.js'
import { startMisskeyServer, type MisskeyServerOptions, type MisskeyTestServer } from '../servers/misskey/server.js'
import type { DriveFileRecord, UserRecord } from '../servers/misskey/state.js'
import type { HttpClientOptions } from '../../src/net/http-client.js'

/** Fast retries for tests: the waits a server asks for are still honoured in full. */
export const FAST_HTTP: Partial<HttpClientOptions> = { baseDelayMs: 5, maxDelayMs: 50 }

export interface World {
  dir: string
  directory: MisskeyDirectory
  old: MisskeyTestServer
  fresh: MisskeyTestServer
  far: MisskeyTestServer
  sc: Scenario
  alice: UserRecord
  alice2: UserRecord
  frank: UserRecord
  /** alice2's app token on `fresh` (every permission) and her web-session token. */
  freshToken: string
  freshNative: string
  /** alice's 40 drive files on `old`. */
  files: DriveFileRecord[]
  close(): Promise<void>
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** 250 notes: the recorded scenario's 14 special notes, 233 bulk notes and 3 more with attachments. */
const BULK = 233

export async function startWorld(options: { old?: MisskeyServerOptions; fresh?: MisskeyServerOptions } = {}): Promise<World> {
  const directory = createMisskeyDirectory()
  const off = { rateLimits: { enabled: false }, exportDelayMs: 5 }
  const old = await startMisskeyServer({ ...off, ...options.old, directory })
  const fresh = await startMisskeyServer({ ...off, ...options.fresh, directory })
  const far = await startMisskeyServer({ ...off, directory })
  const sc = seedRecordedScenario(old.seed, { bulkNotes: BULK })
  const alice = sc.users.alice
  const frank = far.seed.user({ username: 'frank', name: 'Frank Far' })
  const frankHere = old.instance.federation.resolveRemoteUser('frank', far.host)!
  old.seed.follow(alice, frankHere)
  old.seed.addToList([...old.instance.state.lists.values()].find((l) => l.name === 'Friends')!, frankHere)
  old.seed.mute(alice, sc.users.bob, Date.parse('2099-01-01T00:00:00Z'))

  const photos = [...old.instance.state.folders.values()].find((f) => f.name === 'Photos')!
  const year = old.seed.folder(alice, '2025', photos)
  const extra: DriveFileRecord[] = []
  for (let i = 0; i < 34; i++) {
    const bytes = i % 3 === 0 ? tinyPng(8 + i, 8, [i * 7, 100, 200]) : Buffer.from(`plain file ${i} `.repeat(50 + i))
    extra.push(
      old.seed.file(alice, {
        name: `extra-${String(i).padStart(2, '0')}.${i % 3 === 0 ? 'png' : 'txt'}`,
        type: i % 3 === 0 ? 'image/png' : 'text/plain',
        bytes,
        folderId: i < 12 ? year.id : i < 16 ? photos.id : null,
        comment: i % 5 === 0 ? `alt text ${i}` : null,
        isSensitive: i % 7 === 0,
      }),
    )
  }
  for (let i = 0; i < 3; i++) old.seed.note(alice, { text: `A note with files #${i}`, fileIds: [extra[20 + i]!.id, extra[30 - i]!.id] })

  const alice2 = fresh.seed.user({ username: 'alice2', name: 'Alice (new)' })
  const freshToken = fresh.seed.token(alice2, 'app')
  const freshNative = fresh.seed.token(alice2, 'native')
  const files = [...old.instance.state.files.values()].filter((f) => f.userId === alice.id)
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-misskey-'))
  return {
    dir,
    directory,
    old,
    fresh,
    far,
    sc,
    alice,
    alice2,
    frank,
    freshToken,
    freshNative,
    files,
    async close() {
      await Promise.all([old.close(), fresh.close(), far.close()])
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** alice's notes as the server holds them (what a complete export must contain). */
export function aliceNoteIds(world: World): string[] {
  return [...world.old.instance.state.notes.values()].filter((n) => n.userId === world.alice.id).map((n) => n.id)
}

/** Who `user` follows on `server`, as `username@host`. */
export function followingOf(server: MisskeyTestServer, user: UserRecord): string[] {
  const { state } = server.instance
  return [...state.followings.values()]
    .filter((f) => f.followerId === user.id)
    .map((f) => state.users.get(f.followeeId)!)
    .map((u) => `${u.username}@${u.host ?? server.host}`)
    .sort()
}
