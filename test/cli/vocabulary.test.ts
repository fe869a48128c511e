// Issue 11 "One vocabulary across networks": the new flag names work, the old spellings still do (hidden from --help),
// and both reach the same option. Parsed with the real command tree, without running anything (src/cli/parse-only.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Command } from 'commander'
import { buildProgram } from '../../src/cli/program.js'
import { parseOnly } from '../../src/cli/parse-only.js'
import { captureCli, runCommand } from '../_util/cli.js'
import { run as replay } from '../../src/commands/replay.js'

async function parse(args: string[]): Promise<{ command: Command; options: Record<string, unknown> }> {
  const command = await parseOnly(await buildProgram(captureCli().cli), args)
  if (!command) throw new Error(`${args.join(' ')} names no command`)
  return { command, options: command.opts() }
}

function help(command: Command): string {
  return command.helpInformation()
}

const cases: Array<{ args: string[]; renamed: [string, string]; attribute: string; value: unknown }> = [
  { args: ['export', 'atproto', 'alice.test', '-o', '/tmp/a.zip'], renamed: ['--server', '--pds'], attribute: 'pds', value: 'https://pds.example' },
  { args: ['backup', 'atproto', 'alice.test', '--store', '/b'], renamed: ['--server', '--pds'], attribute: 'pds', value: 'https://pds.example' },
  { args: ['export', 'matrix', '--user', '@a:example.org', '-o', '/tmp/a.zip'], renamed: ['--server', '--homeserver'], attribute: 'homeserver', value: 'https://matrix.example' },
  { args: ['restore', 'atproto', '--archive', '/a.zip', '--did', 'did:plc:x'], renamed: ['--to-server', '--to-pds'], attribute: 'toPds', value: 'https://pds.example' },
  { args: ['migrate', 'atproto', 'alice.test'], renamed: ['--to-server', '--to-pds'], attribute: 'toPds', value: 'https://pds.example' },
  { args: ['alias', 'add', '@me@old.example', '--to', 'misskey'], renamed: ['--to-server', '--server'], attribute: 'server', value: 'https://new.example' },
]

test('renamed server flags: the new name and the old spelling set the same option; only the new one is in --help', async () => {
  for (const { args, renamed: [now, old], attribute, value } of cases) {
    const withNew = await parse([...args, now, String(value)])
    assert.equal(withNew.options[attribute], value, `${args.slice(0, 2).join(' ')} ${now}`)
    const withOld = await parse([...args, old, String(value)])
    assert.equal(withOld.options[attribute], value, `${args.slice(0, 2).join(' ')} ${old}`)
    const text = help(withNew.command)
    assert.ok(text.includes(`${now} <url>`), `${now} is shown`)
    assert.ok(!new RegExp(`^\\s+${old} `, 'm').test(text), `${old} is hidden`)
  }
})

test('--force means "overwrite" only: backup pds-dir re-reads with --reread (old --force still accepted)', async () => {
  const base = ['backup', 'pds-dir', '/pds', '--store', '/b']
  assert.equal((await parse([...base, '--reread'])).options.force, true)
  assert.equal((await parse([...base, '--force'])).options.force, true)
  const text = help((await parse(base)).command)
  assert.match(text, /--reread/)
  assert.doesNotMatch(text, /--force/)
})

test('a required renamed flag is satisfied by either spelling; without either, the error names the new one', async () => {
  await assert.rejects(parse(['restore', 'atproto', '--archive', '/a.zip', '--did', 'did:plc:x']), /required option '--to-server <url>' not specified/)
  assert.equal((await parse(['restore', '--archive', '/a.zip', '--did', 'did:plc:x', '--to-server', 'https://p.example'])).options.toPds, 'https://p.example')
})

test('replay: --to-server names the new account\'s server on every network; --server, --pds, --homeserver are hidden old spellings of it', async () => {
  const url = 'https://new.example'
  for (const [network, spelling] of [['mastodon', '--to-server'], ['misskey', '--server'], ['atproto', '--pds'], ['matrix', '--homeserver']] as const) {
    const { options } = await parse(['replay', 'old.zip', '--to', network, spelling, url])
    assert.equal(options.toServer, url, `${network} ${spelling}`)
  }
  const text = help((await parse(['replay', 'old.zip', '--to', 'mastodon'])).command)
  assert.ok(text.includes('--to-server <url>'), text)
  for (const old of ['--server', '--pds', '--homeserver']) assert.ok(!new RegExp(`^\\s+${old} `, 'm').test(text), `${old} is hidden`)
  for (const line of text.split('\n').filter((l) => l.includes('$ lifeboat replay') && !l.includes('--to atproto'))) assert.match(line, /--to-server/)
})

test('replay without --to-server onto a network that needs it says so (exit 2), before reading any secret', async () => {
  const run = await runCommand({}, (cli) => replay('old.zip', { to: 'mastodon' }, cli))
  assert.equal(run.code, 2, run.stderr)
  assert.match(run.stderr, /error: --to mastodon needs --to-server, the new account's server\./)
})

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)]
}

test('--to and --from name a network (or its server software) in every command; an account is --to-account, a folder --to-dir', async () => {
  const program = await buildProgram(captureCli().cli)
  const shown = new Map<string, Set<string>>()
  for (const command of everyCommand(program)) {
    for (const option of command.options.filter((o) => !o.hidden && o.long && /^--(to|from)(-|$)/.test(o.long))) {
      if (!shown.has(option.long!)) shown.set(option.long!, new Set())
      shown.get(option.long!)!.add(option.flags)
    }
  }
  assert.deepEqual([...shown.get('--to')!], ['--to <network>'])
  assert.deepEqual([...shown.get('--from')!], ['--from <network>'])
  assert.deepEqual([...shown.keys()].sort(), ['--from', '--to', '--to-account', '--to-dir', '--to-server'])
})

test('move --to-account and restore pds-dir --to-dir; the old --to still works (hidden), and either satisfies the requirement', async () => {
  const move = ['move', '--from', 'misskey', '--server', 'https://old.example']
  assert.equal((await parse([...move, '--to-account', '@me@new.example'])).options.to, '@me@new.example')
  assert.equal((await parse([...move, '--to', '@me@new.example'])).options.to, '@me@new.example')
  await assert.rejects(parse(move), /required option '--to-account <account>' not specified/)
  const restore = ['restore', 'pds-dir', '--store', '/b']
  assert.equal((await parse([...restore, '--to-dir', '/srv/pds'])).options.to, '/srv/pds')
  assert.equal((await parse([...restore, '--to', '/srv/pds'])).options.to, '/srv/pds')
  await assert.rejects(parse(restore), /required option '--to-dir <dir>' not specified/)
  for (const command of [(await parse([...move, '--to-account', '@a@b.example'])).command, (await parse([...restore, '--to-dir', '/x'])).command]) {
    const text = help(command)
    assert.doesNotMatch(text, /^\s+--to </m, `${command.name()}: --to is hidden`)
    assert.match(text, /--to-(account|dir) </)
  }
})
