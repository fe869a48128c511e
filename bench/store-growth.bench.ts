// Issue 16's figure: what ten nightly incremental backups of an account that changes 1% a day cost in the store, as a
// ratio of the account's own size (a fresh full export of it after the tenth day, the zip a user would otherwise keep
// once). Goal ≤ 1.2. Runs `lifeboat backup misskey` in-process (the test server lives in this process) against the
// fake Misskey (test/servers/misskey), seeded with the recorded scenario; each "day" adds 1% new notes and 1% new
// drive bytes, then backs up. The store's size is every file under it (objects, manifests, config).
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { run as exportMisskey } from '../src/commands/export-misskey.js'
import { ArchiveReader } from '../src/archive/reader.js'
import { captureCli } from '../test/_util/cli.js'
import { startWorld } from '../test/misskey/world.js'
import { lifeboat } from '../test/backup/_helpers.js'
import { report } from './_report.js'

const NIGHTS = 10

async function bytesUnder(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += await bytesUnder(path)
    else if (entry.isFile()) total += (await stat(path)).size
  }
  return total
}

const world = await startWorld()
try {
  const { old, alice } = world
  const env = { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp }
  const store = join(world.dir, 'store')
  const notesPerDay = Math.max(1, Math.round([...old.instance.state.notes.values()].filter((n) => n.userId === alice.id).length * 0.01))
  const first = join(world.dir, 'first.zip')
  await exportMisskey({ server: old.url, output: first }, captureCli({ env }).cli)
  const mediaPerDay = Math.max(1024, Math.round((await stat(first)).size * 0.01))
  for (let night = 1; night <= NIGHTS; night++) {
    if (night > 1) {
      const file = old.seed.file(alice, { name: `day-${night}.bin`, type: 'application/octet-stream', bytes: Buffer.alloc(mediaPerDay, night) })
      for (let i = 0; i < notesPerDay; i++) old.seed.note(alice, { text: `night ${night}, note ${i}`, ...(i === 0 ? { fileIds: [file.id] } : {}) })
    }
    const { result } = await lifeboat(['backup', 'misskey', '--server', old.url, '--store', store], env)
    if (result.ok !== true) throw new Error(`backup of night ${night} failed: ${JSON.stringify(result)}`)
  }
  const fresh = join(world.dir, 'fresh.zip')
  await exportMisskey({ server: old.url, output: fresh }, captureCli({ env }).cli)
  const account = (await stat(fresh)).size
  const stored = await bytesUnder(store)
  const reader = await ArchiveReader.open(fresh)
  // the account's bytes as the archive holds them uncompressed, without the embedded viewer (the store keeps no viewer)
  const plain = Object.entries(reader.manifest.members).filter(([name]) => !name.startsWith('viewer/') && name !== 'index.html').reduce((n, [, m]) => n + m.size, 0)
  await reader.close()
  const manifests = await bytesUnder(join(store, 'snapshots'))
  report({
    name: `store: ${NIGHTS} nightly backups of a Misskey account changing 1% a day`,
    value: stored / 1024,
    baseline: account / 1024,
    unit: 'KiB',
    against: 'one full export of the account after the last night (goal ≤ 1.2)',
    note: 'lower is better',
  })
  report({
    name: `store: the same, against the account uncompressed`,
    value: stored / 1024,
    baseline: plain / 1024,
    unit: 'KiB',
    against: 'the full export\'s members uncompressed, without the viewer',
    note: 'lower is better',
  })
  report({
    name: `store: of which snapshot manifests`,
    value: manifests / 1024,
    baseline: stored / 1024,
    unit: 'KiB',
    against: 'everything the store holds',
  })
} finally {
  await world.close()
}
