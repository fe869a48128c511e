// MatrixSource.describe() answers from the session and sends nothing: the account's listing requests (`/sync`,
// `/pushrules/`) start only when the export driver says the export is about to follow (Source.beginExport, called
// by writeArchive just before the archive writer opens), and each is sent once for the whole export.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { adapter } from '../../src/adapters/matrix/index.js'
import type { MatrixSource } from '../../src/adapters/matrix/source.js'
import { createHttpClient } from '../../src/net/http-client.js'
import { writeArchive } from '../../src/archive/source-export.js'
import { startMatrixServer } from '../servers/matrix/server.js'
import { captureCli } from '../_util/cli.js'
import { records } from './helpers.js'

test('describe() sends no request; the export sends /sync and /pushrules/ once each', async () => {
  const server = await startMatrixServer()
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-matrix-describe-'))
  try {
    const alice = server.seed.user('alice')
    const room = server.seed.room({ creator: alice.userId, kind: 'public', name: 'Small' })
    server.seed.messages(room, { count: 30, senders: [alice.userId] })
    const { cli } = captureCli({ env: { LIFEBOAT_MATRIX_TOKEN: alice.accessToken } })
    // Every request the adapter makes, counted as the HTTP client hands it to fetch.
    const sent: string[] = []
    const fetchImpl: typeof fetch = (input, init) => {
      sent.push(new URL(String(input instanceof Request ? input.url : input)).pathname)
      return fetch(input, init)
    }
    const context = { http: createHttpClient({ signal: cli.signal, fetchImpl }), signal: cli.signal, out: cli.out, secrets: cli.secrets }
    const opened = await adapter.openSource!({ server: server.url, account: alice.userId }, context, cli.env)
    try {
      const source = opened.source as MatrixSource
      const before = sent.length
      assert.deepEqual(await source.describe(), { server: server.url, account: { id: alice.userId } })
      // The client's per-server queue runs requests in the order they were made: once this one has been sent and
      // answered, anything describe() had started would have been handed to fetch before it.
      await source.options.session.client.profile(alice.userId)
      assert.deepEqual(sent.slice(before), [`/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}`])

      const written = await writeArchive(source, { output: join(dir, 'alice.zip'), viewer: false }, cli)
      assert.deepEqual(written.failures, [])
      assert.equal(sent.filter((path) => path === '/_matrix/client/v3/sync').length, 1)
      assert.equal(sent.filter((path) => path.startsWith('/_matrix/client/v3/pushrules')).length, 1)
      const accountData = await records(join(dir, 'alice.zip'), 'account-data')
      assert.ok(accountData.some((record) => record.type === 'm.push_rules'), 'the push rules are in the archive')
      assert.equal((await records(join(dir, 'alice.zip'), 'events')).length, server.state.room(room)!.timeline.length)
    } finally {
      await opened.close()
    }
  } finally {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
})
