/**
 * A room of 100,000 events: seeding is lazy (no per-event memory) and paging reaches every event (speed is not asserted here).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Direction, Method } from 'matrix-js-sdk'
import { sdkClient } from './sdk-client.js'
import { startMatrixServer, type MatrixTestServer } from './server.js'

const COUNT = 100_000

describe('a 100,000-event room', () => {
  let server: MatrixTestServer
  let alice: { userId: string; accessToken: string; deviceId: string }
  let roomId: string
  let heapGrowth = 0

  before(async () => {
    server = await startMatrixServer()
    alice = server.seed.user('alice')
    const bob = server.seed.user('bob')
    roomId = server.seed.room({ creator: alice.userId, kind: 'public', members: [bob.userId] })
    const heapBefore = process.memoryUsage().heapUsed
    server.seed.messages(roomId, { count: COUNT, senders: [alice.userId, bob.userId], startTs: 1_600_000_000_000, intervalMs: 1000 })
    heapGrowth = process.memoryUsage().heapUsed - heapBefore
  })
  after(() => server.close())

  it('costs no memory per event to seed', () => {
    assert.ok(heapGrowth < 2 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`)
  })

  it('pages every event backwards with limit 1000', async () => {
    let from: string | undefined
    let messages = 0
    let pages = 0
    let newest = ''
    let oldest = ''
    for (;;) {
      const query = new URLSearchParams({ dir: 'b', limit: '1000', ...(from ? { from } : {}) })
      const res = await fetch(`${server.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query}`, {
        headers: { Authorization: `Bearer ${alice.accessToken}` },
      })
      assert.equal(res.status, 200)
      const page = (await res.json()) as { chunk: { type: string; content: { body?: string } }[]; end?: string }
      pages++
      for (const e of page.chunk) {
        if (e.type !== 'm.room.message') continue
        messages++
        if (!newest) newest = e.content.body!
        oldest = e.content.body!
      }
      if (!page.end) break
      from = page.end
    }
    assert.equal(messages, COUNT)
    assert.equal(newest, `Message ${COUNT}`)
    assert.equal(oldest, 'Message 1')
    assert.equal(pages, Math.ceil((COUNT + 8) / 1000))
  })

  it('answers an initial sync and a timestamp lookup without walking the room', async () => {
    const client = sdkClient(server, alice)
    const sync = await client.http.authedRequest<{ rooms: { join: Record<string, { timeline: { events: unknown[]; limited: boolean } }> } }>(
      Method.Get,
      '/sync',
      { filter: JSON.stringify({ room: { timeline: { limit: 5 } } }) },
    )
    assert.equal(sync.rooms.join[roomId]!.timeline.events.length, 5)
    assert.equal(sync.rooms.join[roomId]!.timeline.limited, true)
    const res = await fetch(
      `${server.url}/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/timestamp_to_event?ts=${1_600_000_000_000 + 50_000_500}&dir=f`,
      { headers: { Authorization: `Bearer ${alice.accessToken}` } },
    )
    const found = (await res.json()) as { event_id: string; origin_server_ts: number }
    assert.equal(found.origin_server_ts, 1_600_000_000_000 + 50_001_000)
    const event = await client.fetchRoomEvent(roomId, found.event_id)
    assert.equal(event.content?.body, 'Message 50002')
    const page = await client.createMessagesRequest(roomId, null, 3, Direction.Forward)
    assert.equal(page.chunk[0]!.type, 'm.room.create')
  })
})
