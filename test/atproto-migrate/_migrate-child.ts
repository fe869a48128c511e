// Runs `lifeboat migrate atproto` in a child process and kills it with SIGKILL right after the named step has been
// recorded, the way a crash or `kill -9` would stop it (no finally blocks, no lock release).
// argv: <actor> <options as JSON> <step>
import { run } from '../../src/commands/migrate-atproto.js'
import { Output } from '../../src/output.js'
import { terminalSecrets } from '../../src/cli/secrets.js'

const [actor, options, killAfter] = process.argv.slice(2)
const cli = { out: new Output({}), signal: new AbortController().signal, env: process.env, secrets: terminalSecrets }
await run(actor!, JSON.parse(options!), cli, {
  onStep: (step) => {
    if (step === killAfter) process.kill(process.pid, 'SIGKILL')
  },
})
