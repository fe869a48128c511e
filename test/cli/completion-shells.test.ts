// `lifeboat completion zsh|fish`: the scripts are checked by the shells themselves (`zsh -n`, `fish -n`), and each
// completes the command tree (`lifeboat backup <TAB>` offers the backup kinds). zsh and fish are installed by .ci/run;
// without them these tests skip with one line. (bash: test/cli/cli.test.ts.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildProgram } from '../../src/cli/program.js'
import { completionScript } from '../../src/cli/completion.js'
import { captureCli } from '../_util/cli.js'

function has(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0
}

async function script(shell: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-completion-'))
  const file = join(dir, `lifeboat.${shell}`)
  await writeFile(file, completionScript(await buildProgram(captureCli().cli), shell))
  return file
}

function run(shell: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(shell, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: tmpdir() } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

test('zsh: the completion script parses (zsh -n) and completes subcommands and options', { skip: !has('zsh') && 'zsh is not installed' }, async () => {
  const file = await script('zsh')
  const syntax = run('zsh', ['-n', file])
  assert.equal(syntax.status, 0, syntax.stderr)
  // compadd and _files stand in for the completion system's own: they print what would be offered.
  const complete = (...words: string[]) => {
    const line = `compdef() { :; }; compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }; _files() { [[ -n $PATH ]] && print -- FILES; }; source ${file}; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _lifeboat`
    const result = run('zsh', ['-f', '-c', line])
    assert.equal(result.status, 0, result.stderr)
    return result.stdout.split('\n').filter(Boolean)
  }
  const kinds = complete('lifeboat', 'backup', '')
  assert.ok(kinds.includes('atproto') && kinds.includes('pds-dir'), kinds.join(' '))
  const options = complete('lifeboat', 'backup', 'atproto', '--')
  assert.ok(options.includes('--store') && options.includes('--server'), options.join(' '))
  assert.deepEqual(complete('lifeboat', 'verify', ''), ['FILES'])
})

test('fish: the completion script parses (fish -n) and completes subcommands and options', { skip: !has('fish') && 'fish is not installed' }, async () => {
  const file = await script('fish')
  const syntax = run('fish', ['-n', file])
  assert.equal(syntax.status, 0, syntax.stderr)
  const complete = (line: string) => {
    const result = run('fish', ['--no-config', '-c', `source ${file}; complete -C '${line}'`])
    assert.equal(result.status, 0, result.stderr)
    return result.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])
  }
  const kinds = complete('lifeboat backup ')
  assert.ok(kinds.includes('atproto') && kinds.includes('pds-dir'), kinds.join(' '))
  const options = complete('lifeboat backup atproto --')
  assert.ok(options.includes('--store') && options.includes('--server'), options.join(' '))
})
