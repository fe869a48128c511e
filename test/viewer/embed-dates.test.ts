// The embedded viewer's post spool keeps a post's date as a number when it is a plain ISO date
// (2024-05-01T12:00:00.000Z) and as a string otherwise (src/viewer/embed.ts). Posts must still come out in the order
// `project` gives them, which compares dates as strings: an extended year (+275760-…) sorts below every plain date
// although its time is later, and a day that does not exist (2024-02-30T…) sorts as written.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RecordKind } from '../../src/archive/format.js'
import { stageViewer } from '../../src/viewer/embed.js'
import { POSTS_PER_CHUNK, viewerFiles } from '../../src/viewer/files.js'
import { project } from '../../src/viewer/project.js'
import { jsonlRecords } from '../../src/viewer/jsonl-records.js'

/** Each case alone: with no date kept as a string the spool sorts by time only, which must agree. */
const ODD_DATES: Record<string, string[]> = {
  'extended years': ['+275760-09-13T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z'],
  'a day that does not exist': ['2024-02-30T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2024-03-01T00:00:00.000Z'],
}

for (const [name, odd] of Object.entries(ODD_DATES)) {
  test(`posts with plain dates and ${name} come out in the in-memory projection order`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-embed-dates-'))
    try {
      const posts = Array.from({ length: POSTS_PER_CHUNK + 40 }, (_, i) => ({
        id: `post-${i}`,
        createdAt: i % 7 === 0 ? odd[(i / 7) % odd.length]! : new Date(Date.UTC(2024, 1, 28) + ((i * 7919) % 97) * 3_600_000).toISOString(),
        text: `post ${i}`,
      }))
      const path = join(dir, 'posts.jsonl')
      await writeFile(path, posts.map((p) => JSON.stringify(p) + '\n').join(''))
      const kindPaths = new Map<RecordKind, string>([['posts', path]])
      const source = { network: 'misskey', server: 'https://x.example', account: { id: 'a' } } as const

      const projection = await project([
        {
          source,
          async *records(kind) {
            if (kind === 'posts') yield* jsonlRecords(path)
          },
          profile: async () => null,
          mediaUrl: () => null,
        },
      ])
      const dates = projection.posts.map((p) => p.d)
      for (const d of odd) assert.ok(dates.includes(d), `${d} is projected as written`)
      const expected = new Map<string, Buffer>()
      for await (const file of viewerFiles(projection)) expected.set(file.name, file.data)

      const staged = await stageViewer({ source, kindPaths, profilePath: null, media: new Set(), postCount: posts.length, dir: join(dir, 'viewer') })
      assert.deepEqual(
        staged.map((f) => f.member),
        [...expected.keys()],
      )
      for (const file of staged) assert.ok((await readFile(file.path)).equals(expected.get(file.member)!), `${file.member} is the same`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}
