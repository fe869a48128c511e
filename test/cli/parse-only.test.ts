// src/cli/parse-only.ts: a command line parsed with the real command tree, nothing run (schedule's check, the
// vocabulary test). Only commander's public API: no file reaches into its private members (`_lifeCycleHooks` …),
// which change between releases without notice.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Command } from 'commander'
import { buildProgram } from '../../src/cli/program.js'
import { parseOnly } from '../../src/cli/parse-only.js'
import { captureCli } from '../_util/cli.js'

test('parseOnly names the command that would run, with its options, and runs no action and no hook of that command', async () => {
  const ran: string[] = []
  const program = new Command('p')
  program.hook('preAction', () => void ran.push('root hook'))
  program
    .command('leaf')
    .option('--flag <v>')
    .hook('preAction', () => void ran.push('leaf hook'))
    .action(() => void ran.push('action'))
  const command = await parseOnly(program, ['leaf', '--flag', 'x'])
  assert.equal(command?.name(), 'leaf')
  assert.equal(command?.opts().flag, 'x')
  assert.deepEqual(ran, ['root hook'])
})

test('parseOnly on the real tree: a missing output folder is not looked at; a bad command line is refused', async () => {
  const tree = () => buildProgram(captureCli().cli)
  const command = await parseOnly(await tree(), ['export', 'atproto', 'alice.test', '-o', '/nonexistent/folder/a.zip'])
  assert.equal(command?.name(), 'atproto')
  assert.equal(command?.opts().output, '/nonexistent/folder/a.zip')
  await assert.rejects(parseOnly(await tree(), ['bakcup', 'atproto', 'x']), /unknown command/)
  await assert.rejects(parseOnly(await tree(), ['export', 'atproto', 'alice.test', '-o', '/tmp/a.zip', '--no-such-flag']), /unknown option/)
  // the root's checks of the command line itself still run: a secret given where a variable name belongs
  await assert.rejects(parseOnly(await tree(), ['export', 'mastodon', '--server', 'https://m.example', '--token-env', 'syt_bWVAZXhhbXBsZQ', '-o', '/tmp/x.zip']), /variable/)
})

test('no source or test file uses commander\'s private members', async () => {
  const offenders: string[] = []
  for (const root of ['src', 'test']) {
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
      const file = join(entry.parentPath, entry.name)
      if (file === join('test', 'cli', 'parse-only.test.ts')) continue
      const text = await readFile(file, 'utf8')
      for (const name of ['_lifeCycleHooks', '_actionHandler', '_hidden', '_getCommandAndAncestors', '_defaultCommandName']) {
        if (text.includes(name)) offenders.push(`${file}: ${name}`)
      }
    }
  }
  assert.deepEqual(offenders, [])
})
