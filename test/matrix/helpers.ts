// Shared pieces of the Matrix adapter tests: a fast-retrying adapter context, archive readers, and what the test
// homeserver says a user should see.
import { createHash } from 'node:crypto'
import type { AdapterContext } from '../../src/adapters/adapter.js'
import { createHttpClient } from '../../src/net/http-client.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import type { RecordKind } from '../../src/archive/format.js'
import type { RecordsByKind } from '../../src/archive/records.js'
import type { CliContext } from '../../src/cli/main.js'
import type { MatrixTestServer } from '../servers/matrix/server.js'

/**
 * The CLI's context, but with retries that back off in milliseconds so that failing rooms cost no test time. With a
 * `clock`, the HTTP client's waits move that clock instead of real time (give the test server the same clock).
 */
export function fastContext(cli: CliContext, clock?: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> }): AdapterContext {
  return { http: createHttpClient({ signal: cli.signal, baseDelayMs: 2, maxDelayMs: 20, ...clock }), signal: cli.signal, out: cli.out, secrets: cli.secrets }
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export async function records<K extends RecordKind>(path: string, kind: K): Promise<RecordsByKind[K][]> {
  const reader = await ArchiveReader.open(path)
  try {
    const out: RecordsByKind[K][] = []
    for await (const record of reader.records(kind)) out.push(record)
    return out
  } finally {
    reader.close()
  }
}

/** Event IDs of a room in timeline order, as `viewer` may read them (ignored users' messages left out). */
export function visibleEventIds(server: MatrixTestServer, roomId: string, viewer: string): string[] {
  const room = server.state.room(roomId)!
  const ignored = server.state.ignoredBy(viewer)
  const ids: string[] = []
  for (let pos = 0; pos < room.timeline.length; pos++) {
    const event = room.entry(pos).event
    if (event.state_key === undefined && ignored.has(event.sender)) continue
    ids.push(event.event_id)
  }
  return ids
}

/** Requests that change something on the server (everything but reads). */
export function writes(server: MatrixTestServer): string[] {
  return server.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.method !== 'OPTIONS').map((r) => `${r.method} ${decodeURIComponent(r.path)}`)
}
