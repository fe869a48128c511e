// --json ends with exactly one result object (docs/cli.md "--json events"): a command that states its result and then
// fails (replay or export with failed items, move with failed checks, migrate waiting for a token) has its fields and
// the error merged into that one object by report(); a command that succeeds has its result written once, last.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { report } from '../../src/cli/main.js'
import { PartialFailureError } from '../../src/errors.js'
import { captureCli } from '../_util/cli.js'

const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l))

test('a result followed by a failure is one result: the command\'s fields, ok false, the error', () => {
  const { cli, stdout, stderr } = captureCli({ json: true })
  cli.out.event('item-failed', { kind: 'follows', item: 'a@x.example', reason: 'gone' })
  cli.out.result({ ok: false, counts: { follows: { failed: 1 } }, items: [{ subject: 'a@x.example' }] }, 'human summary')
  const code = report(cli.out, new PartialFailureError('1 item failed.'), cli.signal)
  assert.equal(code, 3)
  const events = lines(stdout())
  assert.deepEqual(events.map((e) => e.event), ['item-failed', 'result'])
  assert.deepEqual(events[1].counts, { follows: { failed: 1 } })
  assert.deepEqual([events[1].ok, events[1].error.exitCode, events[1].error.message], [false, 3, '1 item failed.'])
  assert.match(stderr(), /error: 1 item failed\./)
})

test('a result is written once, after the events that follow it, and a second result does not swallow the first', () => {
  const { cli, stdout } = captureCli({ json: true })
  cli.out.result({ ok: true, n: 1 })
  cli.out.event('late', {})
  cli.out.result({ ok: true, n: 2 })
  cli.out.flush()
  cli.out.flush()
  assert.deepEqual(lines(stdout()).map((e) => [e.event, e.n]), [['late', undefined], ['result', 1], ['result', 2]])
})

test('without --json the human summary is printed at once and the error follows it', () => {
  const { cli, stdout, stderr } = captureCli()
  cli.out.result({ ok: false }, 'Replay report: 1 failed')
  report(cli.out, new PartialFailureError('1 item failed.'), cli.signal)
  assert.equal(stdout(), '')
  assert.match(stderr(), /Replay report: 1 failed\nerror: 1 item failed\./)
})
