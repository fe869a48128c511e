// A Misskey archive made by the real exporter against the Misskey test server (250 notes of every kind: replies,
// renotes, quotes, CWs, files, visibilities) re-created as posts on a real PDS: each selected note exactly once, with
// its date; replies to others left out; a rerun writes nothing.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { TestNetworkNoAppView } from '@atproto/dev-env'
import { startWorld, FAST_HTTP, type World } from '../misskey/world.js'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { run as replay } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import type { PostRecord } from '../../src/archive/records.js'
import { planPost } from '../../src/adapters/atproto/posts-map.js'
import { createAccount } from '../../src/demo/sample-account.js'
import { captureCli } from '../_util/cli.js'

let world: World
let network: TestNetworkNoAppView
let archive: string
const notes: PostRecord[] = []

registerTargetFactory('atproto', () => import('../../src/adapters/atproto/index.js').then((m) => m.replayTarget))

before(async () => {
  world = await startWorld()
  network = await TestNetworkNoAppView.create({})
  archive = join(world.dir, 'alice.zip')
  const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
  await exportMisskey({ server: world.old.url, output: archive }, cli, { http: FAST_HTTP })
  const reader = await ArchiveReader.open(archive)
  for await (const post of reader.records('posts')) notes.push(post)
  reader.close()
})

after(async () => {
  await network?.close()
  await world?.close()
})

test('a Misskey archive: every public note once, with its date; replies to others left out; a rerun writes nothing', async () => {
  const me = await createAccount(network.pds.url, 'alicehome')
  const env = { APP_PW: me.password }
  const flags = { to: 'atproto', handle: me.handle, pds: network.pds.url, plc: network.plc.url, passwordEnv: 'APP_PW', posts: true }
  const out = captureCli({ env })
  const summary = await replay(archive, flags, out.cli).catch((error) => {
    throw new Error(`${error.message}\n${out.stderr()}`)
  })
  const ids = new Set(notes.map((n) => n.id))
  const selected = notes.filter((n) => ['public', 'unlisted'].includes(n.visibility!) && !(n.repostOf && !n.text) && !(n.replyTo && !ids.has(n.replyTo.id)))
  assert.ok(selected.length > 100, `${selected.length} notes selected`)
  // The recorded scenario's replies and quote answer other people: left out by default, or a quote without its embed.
  assert.ok(notes.some((n) => n.replyTo && !ids.has(n.replyTo.id)) && notes.some((n) => n.quoteOf))
  assert.equal(summary.failed, 0, JSON.stringify(summary.items.filter((i) => i.status === 'failed')))
  assert.equal(summary.counts.posts!.applied, selected.length)

  const records: { uri: string; cid: string; value: Record<string, any> }[] = []
  let cursor: string | undefined
  do {
    const { data } = await me.agent.com.atproto.repo.listRecords({ repo: me.did, collection: 'app.bsky.feed.post', limit: 100, cursor })
    records.push(...(data.records as any))
    cursor = data.records.length ? data.cursor : undefined
  } while (cursor)
  assert.equal(records.length, selected.reduce((n, p) => n + planPost(p).parts.length, 0), 'one record per note and split part, no more')
  const byDate = new Map<string, typeof records>()
  for (const r of records) byDate.set(r.value.createdAt, [...(byDate.get(r.value.createdAt) ?? []), r])
  for (const note of selected) assert.ok(byDate.has(note.createdAt), `${note.id} was re-created with its date`)
  // A self-reply's parent is the re-created parent (its last part); a quote embeds the re-created post's first part.
  const firstOf = (id: string) => byDate.get(notes.find((n) => n.id === id)!.createdAt)!.find((r) => !r.value.reply || !byDate.get(r.value.createdAt)!.some((o) => o.uri === r.value.reply.parent.uri))!
  for (const note of selected.filter((n) => n.replyTo)) {
    const parentRecords = byDate.get(notes.find((n) => n.id === note.replyTo!.id)!.createdAt)!.map((r) => r.uri)
    const copy = byDate.get(note.createdAt)!.find((r) => parentRecords.includes(r.value.reply?.parent.uri))
    assert.ok(copy, `${note.id} replies to its re-created parent`)
  }
  for (const note of selected.filter((n) => n.quoteOf && ids.has(n.quoteOf) && selected.some((s) => s.id === n.quoteOf))) {
    const embed = byDate.get(note.createdAt)![0]!.value.embed
    const quoted = embed.record?.uri ?? embed.record?.record?.uri
    assert.equal(quoted, firstOf(note.quoteOf!).uri, `${note.id} quotes the re-created post`)
  }

  const again = await replay(archive, flags, captureCli({ env }).cli)
  assert.ok(again.items.every((i) => i.status === 'done-before'))
})
