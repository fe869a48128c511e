// The built CLI against servers that hang, over real sockets on 127.0.0.1, with timeouts made small through the
// documented LIFEBOAT_TIMEOUT_* variables: a server that never answers and one that stalls mid-body both end in
// exit 5 with one clear error line, after retries (not after the minutes the defaults allow). No durations asserted.
import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'

import { runCli } from '../_util/cli.js'
import { startTinyServer, type TinyServer } from './tiny-server.js'

let servers: TinyServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
})

const env = { LIFEBOAT_MASTODON_TOKEN: 'tok', LIFEBOAT_TIMEOUT_HEADERS: '0.3', LIFEBOAT_TIMEOUT_IDLE: '0.3', LIFEBOAT_TIMEOUT_RETRIES: '2' }

async function exportFrom(server: TinyServer): Promise<Awaited<ReturnType<typeof runCli>>> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-timeouts-'))
  return runCli(['export', 'mastodon', '--server', server.url, '-o', join(dir, 'out.zip')], { env })
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error:'))
}

describe('the CLI against a hanging server', () => {
  it('a server that never answers: retried, then exit 5 and one line naming the wait', async () => {
    const server = await startTinyServer(() => undefined)
    servers.push(server)
    const run = await exportFrom(server)
    assert.equal(run.code, 5, run.stderr)
    assert.deepEqual(errorLines(run.stderr), [
      `error: Request to 127.0.0.1:${server.port} failed: timed out: no response headers within 300 ms (${run.stderr.match(/\((\d+) attempts\)/)?.[1]} attempts).`,
    ])
    assert.ok(server.hits.length >= 2, 'it was retried')
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace')
  })

  it('a server that sends headers and stalls the body: idle timeout, retried, then exit 5', async () => {
    const server = await startTinyServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"uri":')
    })
    servers.push(server)
    const run = await exportFrom(server)
    assert.equal(run.code, 5, run.stderr)
    const lines = errorLines(run.stderr)
    assert.equal(lines.length, 1, run.stderr)
    assert.match(lines[0]!, /^error: Request to 127\.0\.0\.1:\d+ failed: timed out: no data for 300 ms while reading the answer \(\d+ attempts\)\.$/)
    assert.ok(server.hits.length >= 2, 'it was retried')
  })

  it('a timeout variable that is not a number of seconds is exit 2', async () => {
    const run = await runCli(['export', 'mastodon', '--server', 'http://127.0.0.1:9', '-o', join(tmpdir(), 'never.zip')], { env: { ...env, LIFEBOAT_TIMEOUT_IDLE: 'forever' } })
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /error: LIFEBOAT_TIMEOUT_IDLE must be a positive number of seconds/)
  })
})
