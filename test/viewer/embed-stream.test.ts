// The embedded viewer is staged without holding the account's posts and events (src/viewer/embed.ts): posts go through
// a spool file and are read back newest first, events go straight to their chunks. Its files must be byte for byte
// those of the in-memory path (`viewerFiles(project(…))`, what `lifeboat view` writes), across several chunks, with
// posts out of order and posts sharing a date (kept in the order read).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mediaMember, type RecordKind } from '../../src/archive/format.js'
import { stageViewer } from '../../src/viewer/embed.js'
import { EVENTS_PER_CHUNK, POSTS_PER_CHUNK, viewerFiles } from '../../src/viewer/files.js'
import { project } from '../../src/viewer/project.js'
import { jsonlRecords } from '../../src/viewer/jsonl-records.js'

test('the streamed embed writes the same viewer files as the in-memory projection', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-embed-'))
  try {
    const sha = 'ab'.repeat(32)
    const posts = Array.from({ length: POSTS_PER_CHUNK * 2 + 17 }, (_, i) => ({
      id: `post-${i}`,
      // out of order, with runs of equal dates
      createdAt: new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % 3001) * 3_600_000).toISOString(),
      text: i % 3 === 0 ? `<b>${i}</b> \u2028 日記` : `post ${i}`,
      ...(i % 500 === 0 ? { media: [{ sha256: sha, alt: 'a picture', mime: 'image/png' }] } : {}),
    }))
    const rooms = [{ id: '!a:x', name: 'A', membership: 'join', counts: { events: 0, undecryptable: 0, media: 0 } }]
    const events = Array.from({ length: EVENTS_PER_CHUNK * 2 + 3 }, (_, i) => ({
      roomId: '!a:x',
      event: { type: 'm.room.message', event_id: `$e${i}`, sender: '@a:x', origin_server_ts: 1_700_000_000_000 + i, content: { body: i % 7 === 0 ? `<i>${i}</i> \u2028 日記 😀` : `message ${i}` } },
      decrypted: null,
      media: i === 4 ? [{ sha256: sha, mxc: 'mxc://x/y' }] : [],
    }))
    const kindPaths = new Map<RecordKind, string>()
    const jsonl = async (kind: RecordKind, records: unknown[]) => {
      const path = join(dir, `${kind}.jsonl`)
      await writeFile(path, records.map((r) => JSON.stringify(r) + '\n').join(''))
      kindPaths.set(kind, path)
    }
    await jsonl('posts', posts)
    await jsonl('rooms', rooms)
    await jsonl('events', events)
    await jsonl('media', [{ sha256: sha, size: 3, mime: 'image/png', alt: 'a picture', source: {} }])
    const source = { network: 'matrix', server: null, account: { id: '@a:x' } } as const
    const media = new Set([sha])

    const expected = new Map<string, Buffer>()
    const projection = await project([
      {
        source,
        async *records(kind) {
          const path = kindPaths.get(kind as RecordKind)
          if (path) yield* jsonlRecords(path)
        },
        profile: async () => null,
        mediaUrl: (s) => (media.has(s) ? mediaMember(s) : null),
      },
    ])
    for await (const file of viewerFiles(projection)) expected.set(file.name, file.data)

    const staged = await stageViewer({ source, kindPaths, profilePath: null, media, postCount: posts.length, dir: join(dir, 'viewer') })
    assert.deepEqual(
      staged.map((f) => f.member),
      [...expected.keys()],
    )
    assert.ok([...expected.keys()].filter((k) => k.includes('/posts-')).length === 3 && [...expected.keys()].filter((k) => k.includes('/events-')).length === 3)
    for (const file of staged) assert.ok((await readFile(file.path)).equals(expected.get(file.member)!), `${file.member} is the same`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
