import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { buildProgram, COMMAND_NAMES } from '../../src/cli/program.js'
import { captureCli, runCli } from '../_util/cli.js'

function all(command: Command): Command[] {
  return [command, ...command.commands.flatMap(all)]
}

test('every command\'s --help shows an example, parents (export, import, backup …) included', async () => {
  const program = await buildProgram(captureCli().cli)
  const missing = all(program)
    .slice(1)
    .filter((c) => !/Examples?:\n\s+\$ /.test(fullHelp(c)))
    .map((c) => c.name())
  assert.deepEqual(missing, [])
})

/** The help as printed, including text added with addHelpText('after'), which helpInformation() leaves out. */
function fullHelp(command: Command): string {
  let text = ''
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) })
  command.outputHelp()
  return text
}

test('--help and --version print to stdout and exit 0, so `lifeboat export atproto --help | grep password` finds it', async () => {
  const run = await runCli(['export', 'atproto', '--help'])
  assert.equal(run.code, 0)
  assert.equal(run.stderr, '')
  assert.match(run.stdout, /--password-env/)
  assert.match(run.stdout, /Example/)
  const version = await runCli(['--version'])
  assert.equal(version.code, 0)
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
  // a usage error still goes to stderr, with the pointer to --help
  const bad = await runCli(['export', 'atproto'])
  assert.equal(bad.code, 2)
  assert.equal(bad.stdout, '')
  assert.match(bad.stderr, /missing required argument|error:/)
})

test('an unknown command or flag is exit 2', async () => {
  assert.equal((await runCli(['frobnicate'])).code, 2)
  assert.equal((await runCli(['verify'])).code, 2)
})

test('a secret typed into a flag instead of a variable name is refused and never printed', async () => {
  const secret = 'hunter2-super-secret-app-password'
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-'))
  const run = await runCli(['--json', 'export', 'atproto', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', '-o', join(dir, 'a.zip'), '--pds', 'http://127.0.0.1:9', '--password-env', secret])
  assert.equal(run.code, 2, run.stderr)
  assert.match(run.stderr, /not an environment variable name/)
  assert.ok(!run.stderr.includes(secret) && !run.stdout.includes(secret))
  assert.deepEqual(await readdir(dir), [], 'nothing was written')
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!)
  assert.equal(result.event, 'result')
  assert.equal(result.error.exitCode, 2)
})

test('follows prints the recorded follow list as text, importable CSV, or JSON', async () => {
  const archive = 'fixtures/archives/good.zip'
  const text = await runCli(['follows', archive])
  assert.equal(text.code, 0)
  assert.equal(text.stdout, 'bob@mastodon.example\thttps://mastodon.example/users/bob\ncarol@old.example\thttps://old.example/users/9carol\n')
  const csv = await runCli(['follows', archive, '--format', 'csv'])
  assert.equal(csv.stdout, 'Account address,Show boosts,Notify on new posts,Languages\nbob@mastodon.example,true,false,\ncarol@old.example,true,false,\n')
  const json = await runCli(['follows', archive, '--format', 'json'])
  assert.deepEqual(JSON.parse(json.stdout).map((f: { account: { handle: string } }) => f.account.handle), ['bob@mastodon.example', 'carol@old.example'])
  assert.equal((await runCli(['follows', archive, '--format', 'xml'])).code, 2)
})

test('inspect --json and verify report on archives with the documented exit codes', async () => {
  const inspected = await runCli(['--json', 'inspect', 'fixtures/archives/good.zip'])
  assert.equal(inspected.code, 0)
  const result = JSON.parse(inspected.stdout.trim())
  assert.deepEqual(result.counts, { posts: 2, following: 2, blocks: 0, media: 1 })
  assert.equal(result.account.handle, 'alice@old.example')
  assert.equal(result.mediaFiles, 1)
  assert.equal((await runCli(['verify', 'fixtures/archives/good.zip'])).code, 0)
  const broken = await runCli(['--json', 'verify', 'fixtures/archives/broken-bitflip-media.zip'])
  assert.equal(broken.code, 12)
  const lines = broken.stdout.trim().split('\n').map((l) => JSON.parse(l))
  assert.ok(lines.some((l) => l.event === 'problem' && /is damaged/.test(l.problem)))
  assert.equal(lines.at(-1).error.exitCode, 12)
})

test('verify and inspect print exactly the lines docs/cli.md promises; a missing file is exit 10', async () => {
  const good = await runCli(['verify', 'fixtures/archives/good.zip'])
  assert.equal(good.code, 0)
  assert.equal(good.stdout, '')
  assert.equal(good.stderr, 'fixtures/archives/good.zip: sound (7 members, 1153 bytes checked).\n')
  const broken = await runCli(['verify', 'fixtures/archives/broken-bitflip-media.zip'])
  assert.equal(broken.code, 12)
  const lines = broken.stderr.trimEnd().split('\n')
  assert.ok(lines.length >= 3)
  assert.ok(lines.slice(0, -2).every((l) => l.startsWith('problem: ')), broken.stderr)
  assert.match(lines.at(-2)!, /^error: fixtures\/archives\/broken-bitflip-media\.zip is not sound: \d+ problems? found\.$/)
  assert.match(lines.at(-1)!, /^hint: /)
  for (const command of ['verify', 'inspect', 'follows']) {
    const missing = await runCli([command, 'fixtures/archives/missing.zip'])
    assert.equal(missing.code, 10, `${command}: ${missing.stderr}`)
    assert.equal(missing.stderr, 'error: fixtures/archives/missing.zip does not exist.\nhint: Check the path of the archive.\n')
  }
})

test('lifeboat completion bash|zsh|fish is generated from the command tree and parses', async () => {
  const program = await buildProgram(captureCli().cli)
  const paths = all(program).slice(1).map((c) => {
    const names: string[] = []
    for (let at: Command | null = c; at && at !== program; at = at.parent) names.unshift(at.name())
    return names
  })
  const bash = await runCli(['completion', 'bash'])
  assert.equal(bash.code, 0, bash.stderr)
  for (const path of paths) {
    const parent = path.slice(0, -1).join(' ')
    const entry = new RegExp(`\\[${JSON.stringify(parent).replace(/"/g, "'")}\\]='[^']*\\b${path.at(-1)}\\b`)
    assert.match(bash.stdout, entry, `bash offers ${path.join(' ')}`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-completion-'))
  const script = join(dir, 'lifeboat.bash')
  await writeFile(script, bash.stdout)
  const { execFileSync } = await import('node:child_process')
  execFileSync('bash', ['-n', script])
  // and it completes: `lifeboat backup <TAB>` offers the backup kinds
  const offered = execFileSync('bash', ['-c', `source ${script}; COMP_WORDS=(lifeboat backup ''); COMP_CWORD=2; _lifeboat; printf '%s\\n' "\${COMPREPLY[@]}"`]).toString().split('\n')
  assert.ok(offered.includes('atproto') && offered.includes('pds-dir'), offered.join(' '))
  for (const shell of ['zsh', 'fish']) {
    const run = await runCli(['completion', shell])
    assert.equal(run.code, 0)
    for (const path of paths) assert.ok(run.stdout.includes(path.at(-1)!), `${shell} mentions ${path.join(' ')}`)
  }
  assert.equal((await runCli(['completion', 'powershell'])).code, 2)
})

test('commands load when they run: the light list matches the loaded tree, and --version/--help load no command', async () => {
  const full = await buildProgram(captureCli().cli)
  const light = await buildProgram(captureCli().cli, ['node', 'lifeboat', '--help'])
  assert.deepEqual(COMMAND_NAMES, full.commands.map((c) => c.name()).filter((n) => n !== 'completion'))
  assert.deepEqual(light.commands.map((c) => [c.name(), c.description()]), full.commands.map((c) => [c.name(), c.description()]))
  const { execFileSync } = await import('node:child_process')
  const { readFile } = await import('node:fs/promises')
  // what a bare start imports: no command module, no SDK
  const list = join(await mkdtemp(join(tmpdir(), 'lifeboat-modules-')), 'modules.txt')
  for (const args of [['--help'], ['--version']]) {
    await writeFile(list, '')
    execFileSync(process.execPath, ['--import', './bench/_modules.mjs', 'bin/lifeboat.js', ...args], { env: { PATH: process.env.PATH, LIFEBOAT_LIST_MODULES: list } })
    const modules = (await readFile(list, 'utf8')).split('\n').filter((l) => l.startsWith('MODULE '))
    assert.ok(modules.some((m) => m.includes('/dist/cli/main.js')), 'the listing works')
    const heavy = modules.filter((m) => /\/dist\/(commands|adapters\/(atproto|misskey|mastodon|matrix)|archive|store)\/|@atproto|misskey-js|matrix-sdk|better-sqlite3|archiver|yauzl/.test(m))
    assert.deepEqual(heavy, [], `lifeboat ${args[0]} loads no command`)
  }
})

// Each export against a port that refuses at once (1): by the time it asks its server anything it has loaded all it
// needs, so the listing shows what an export's start costs. An export must not load its network's replay target or
// migration, another network's adapter (beyond the capabilities that name default variables), or an SDK it does not use.
const EXPORT_STARTS: { network: string; args: string[]; own: RegExp }[] = [
  { network: 'atproto', args: ['did:plc:ewvi7nxzyoun6zhxrhs64oiz', '--pds', 'http://127.0.0.1:1'], own: /\/(target|posts-[a-z]+|migration[a-z-]*)\.js$/ },
  { network: 'misskey', args: ['--server', 'http://127.0.0.1:1'], own: /\/(target|migration)\.js$/ },
  { network: 'mastodon', args: ['--server', 'http://127.0.0.1:1'], own: /\/(target|follow-cap|migration-flavors)\.js$/ },
  { network: 'matrix', args: ['--user', '@me:127.0.0.1', '--homeserver', 'http://127.0.0.1:1'], own: /\/(target|replay-[a-z]+)\.js$/ },
]

for (const { network, args, own } of EXPORT_STARTS) {
  test(`export ${network} loads its Source only: not its replay target or migration, other networks, or unused SDKs`, async () => {
    const { execFileSync } = await import('node:child_process')
    const { readFile } = await import('node:fs/promises')
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-modules-'))
    const list = join(dir, 'modules.txt')
    await writeFile(list, '')
    const env = { PATH: process.env.PATH, LIFEBOAT_LIST_MODULES: list, LIFEBOAT_MISSKEY_TOKEN: 'x', LIFEBOAT_MASTODON_TOKEN: 'x', LIFEBOAT_MATRIX_TOKEN: 'x' }
    assert.throws(() => execFileSync(process.execPath, ['--import', './bench/_modules.mjs', 'bin/lifeboat.js', 'export', network, ...args, '-o', join(dir, 'out.zip')], { env, stdio: 'pipe' }))
    const modules = (await readFile(list, 'utf8')).split('\n').filter((l) => l.startsWith('MODULE ')).map((l) => l.slice('MODULE '.length))
    assert.ok(modules.some((m) => m.endsWith(`/dist/adapters/${network}/source.js`)), 'the listing shows the export ran')
    const unused = modules.filter((m) => {
      const adapter = /\/dist\/adapters\/([a-z]+)\/[^/]+$/.exec(m)
      if (adapter && adapter[1] === network) return own.test(m)
      if (adapter) return !m.endsWith('/capabilities.js')
      return /@atproto\/api|\/sharp\/|matrix-sdk-crypto/.test(m) || (network !== 'misskey' && /\/misskey-js\//.test(m))
    })
    assert.deepEqual(unused, [])
  })
}

test('help piped into a reader that stops early (lifeboat --help | head -1) ends quietly', async () => {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, ['bin/lifeboat.js', 'export', 'atproto', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  child.stdout.once('data', () => child.stdout.destroy())
  const code = await new Promise((resolve) => child.on('close', resolve))
  assert.equal(stderr, '')
  assert.equal(code, 0)
})
