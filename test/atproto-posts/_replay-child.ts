// Runs `lifeboat replay --posts` in a child process that kills itself with SIGKILL right after the Nth post has been
// recorded in the journal (its `item` event), the way a crash or `kill -9` would stop it: no finally blocks, no lock
// release. With N = 0 it runs to the end (the parent may kill it from outside).
// argv: <archive> <flags as JSON> <N>
import { Writable } from 'node:stream'
import { run } from '../../src/commands/replay.js'
import { registerTargetFactory } from '../../src/adapters/registry.js'
import { Output } from '../../src/output.js'
import { terminalSecrets } from '../../src/cli/secrets.js'

registerTargetFactory('atproto', () => import('../../src/adapters/atproto/index.js').then((m) => m.replayTarget))
const [archive, flags, after] = process.argv.slice(2)
let applied = 0
const stdout = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) {
      if (!line.startsWith('{')) continue
      const event = JSON.parse(line) as { event: string; status?: string }
      if (event.event === 'item' && event.status === 'applied' && ++applied === Number(after)) process.kill(process.pid, 'SIGKILL')
    }
    process.stdout.write(chunk)
    done()
  },
})
const cli = { out: new Output({ json: true, stdout }), signal: new AbortController().signal, env: process.env, secrets: terminalSecrets }
try {
  await run(archive!, JSON.parse(flags!), cli)
} finally {
  cli.out.flush()
}
