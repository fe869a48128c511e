// The cursor walk of src/adapters/misskey/paging.ts against scripted pages: both directions, servers that ignore
// the cursor (clips/list on 2025.7.0), pages fetched ahead of the caller, errors and early stops.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { collect, paged, type Cursor } from '../../src/adapters/misskey/paging.js'

const ids = Array.from({ length: 25 }, (_, i) => ({ id: `id${String(i).padStart(3, '0')}` }))

/** A server paging `ids` as Misskey does: DESC below untilId, ASC above sinceId alone (fixture README "Pagination"). */
function server(limit = 10, calls: Cursor[] = []) {
  return async (cursor: Cursor) => {
    calls.push(cursor)
    if (cursor.sinceId) return ids.filter((x) => x.id > cursor.sinceId!).slice(0, limit)
    return ids.filter((x) => !cursor.untilId || x.id < cursor.untilId).reverse().slice(0, limit)
  }
}

describe('paged', () => {
  it('walks newest first with untilId and oldest first after sinceId, ending on an empty page', async () => {
    const calls: Cursor[] = []
    assert.deepEqual((await collect(server(10, calls))).map((x) => x.id), ids.map((x) => x.id).reverse())
    assert.deepEqual(calls, [{}, { untilId: 'id015' }, { untilId: 'id005' }, { untilId: 'id000' }])
    assert.deepEqual((await collect(server(), { sinceId: 'id019' })).map((x) => x.id), ['id020', 'id021', 'id022', 'id023', 'id024'])
  })

  it('stops when the server ignores the cursor instead of paging forever', async () => {
    let calls = 0
    const everything = async () => {
      calls++
      return [...ids].reverse()
    }
    assert.equal((await collect(everything)).length, 25)
    assert.equal(calls, 2)
  })

  it('fetches ahead of a slow caller, in order, and stops the producer when the caller stops', async () => {
    const calls: Cursor[] = []
    const seen: string[] = []
    for await (const page of paged(server(5, calls), { prefetch: 3 })) {
      seen.push(...page.map((x) => x.id))
      await new Promise((r) => setTimeout(r, 5))
      if (seen.length === 5) assert.ok(calls.length >= 3, 'pages were requested while the caller worked')
    }
    assert.deepEqual(seen, ids.map((x) => x.id).reverse())
    const early: Cursor[] = []
    for await (const _page of paged(server(5, early), { prefetch: 2 })) break
    await new Promise((r) => setTimeout(r, 10))
    assert.ok(early.length <= 3, `no more than the look-ahead was requested (${early.length})`)
  })

  it('hands a failing request to the caller after the pages before it', async () => {
    let n = 0
    const failing = async (cursor: Cursor) => {
      if (++n === 3) throw new Error('boom')
      return server(5)(cursor)
    }
    const seen: number[] = []
    await assert.rejects(async () => {
      for await (const page of paged(failing, { prefetch: 4 })) seen.push(page.length)
    }, /boom/)
    assert.deepEqual(seen, [5, 5])
  })
})
