// The configuration file (docs/config.md): where it is found, one problem line per mistake with file, line and key,
// secrets typed where a variable name belongs never printed, exit codes for a missing, unreadable or
// others-writable file.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js'
import { locateConfig } from '../../src/config/locate.js'
import { keyLines } from '../../src/config/key-lines.js'
import { ExitCode } from '../../src/errors.js'
import { run as scheduleSystemd } from '../../src/commands/schedule.js'
import { run as backupAll } from '../../src/commands/backup-all-run.js'
import { openStore } from '../../src/store/store.js'
import { runCommand } from '../_util/cli.js'

const GOOD = `
[store]
path = "/var/backups/lifeboat"

[[account]]
name = "alice"
network = "atproto"
handle = "alice.example.com"
password-env = "ALICE_APP_PASSWORD"

[[account]]
network = "mastodon"
server = "https://mastodon.example"
token-env = "MASTODON_TOKEN"

[[account]]
network = "matrix"
server = "https://matrix.example.org"
user = "@me:example.org"
password-env = "MATRIX_PASSWORD"
`

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'config.toml')
  } catch (error) {
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`)
    assert.equal(error.exitCode, ExitCode.usage)
    return error.problems
  }
  return []
}

test('a good file becomes typed settings, with default names from handle, user or server', () => {
  const config = parseConfig(GOOD, 'config.toml')
  assert.deepEqual(config.store, { path: '/var/backups/lifeboat' })
  assert.deepEqual(
    config.accounts.map((a) => [a.index, a.name, a.network]),
    [
      [1, 'alice', 'atproto'],
      [2, 'mastodon@mastodon.example', 'mastodon'],
      [3, '@me:example.org', 'matrix'],
    ],
  )
  assert.equal(config.accounts[0]!.passwordEnv, 'ALICE_APP_PASSWORD')
  assert.equal(config.accounts[1]!.tokenEnv, 'MASTODON_TOKEN')
  const s3 = parseConfig('[store]\npath = "s3://my-bucket/lifeboat"\nendpoint = "https://s3.example.net"\nregion = "auto"\npath-style = true\nencrypt = true\npassphrase-env = "LIFEBOAT_STORE_PASSPHRASE"\n[[account]]\nnetwork = "atproto"\nhandle = "did:plc:abcdefghijklmnopqrstuvwx"\n', 'c.toml')
  assert.deepEqual(s3.store, { path: 's3://my-bucket/lifeboat', endpoint: 'https://s3.example.net', region: 'auto', pathStyle: true, encrypt: true, storePassphraseEnv: 'LIFEBOAT_STORE_PASSPHRASE' })
})

// Each mistake, alone in an otherwise good file, is exactly this one line.
const ACCOUNT = '[[account]]\nnetwork = "atproto"\nhandle = "alice.test"\n'
const MISTAKES: { what: string; text: string; line: string }[] = [
  { what: 'a misspelt network', text: `${ACCOUNT}[[account]]\nnetwork = "mastodn"\nserver = "https://m.example"\n`, line: 'config.toml:5: account[2].network: "mastodn" is not one of atproto, misskey, mastodon, matrix' },
  { what: 'no network', text: '[[account]]\nhandle = "alice.test"\n', line: 'config.toml:1: account[1]: has no network; give one of atproto, misskey, mastodon, matrix' },
  { what: 'a network that is not a string', text: '[[account]]\nnetwork = 3\nhandle = "a.test"\n', line: 'config.toml:2: account[1].network: must be a string, not a number' },
  { what: 'an unknown account key', text: `${ACCOUNT}serve = "https://x.example"\n`, line: 'config.toml:4: account[1].serve: unknown key; an account takes network, name, server, handle, user, password-env, token-env' },
  { what: 'an unknown top-level table', text: `[stor]\npath = "/x"\n${ACCOUNT}`, line: 'config.toml:1: stor: unknown table or key; the file takes [store] and [[account]] tables' },
  { what: 'an unknown store key', text: `[store]\npath = "/x"\nencrypted = true\n${ACCOUNT}`, line: 'config.toml:3: store.encrypted: unknown key; [store] takes path, endpoint, region, path-style, encrypt, passphrase-env' },
  { what: 'no account', text: '[store]\npath = "/x"\n', line: 'config.toml: account: no accounts: add at least one [[account]] table' },
  { what: 'account as a table', text: '[account]\nnetwork = "atproto"\n', line: 'config.toml:1: account: must be an array of tables ([[account]]), not a table' },
  { what: 'a relative store path', text: `[store]\npath = "backups"\n${ACCOUNT}`, line: 'config.toml:2: store.path: "backups" is a relative path; give an absolute one (it must not depend on the directory the command runs in)' },
  { what: 'a bad bucket', text: `[store]\npath = "s3://B/x"\n${ACCOUNT}`, line: 'config.toml:2: store.path: "s3://B/x" does not name an S3 bucket (s3://bucket/prefix, the bucket 3 to 63 lowercase letters, digits, dots and hyphens)' },
  { what: 'an S3 key on a directory store', text: `[store]\npath = "/x"\npath-style = true\n${ACCOUNT}`, line: 'config.toml:3: store.path-style: only an s3:// store uses path-style, and path is a directory' },
  { what: 'a boolean given as a string', text: `[store]\npath = "s3://bucket/p"\nencrypt = "yes"\n${ACCOUNT}`, line: 'config.toml:3: store.encrypt: must be a boolean, not a string' },
  { what: 'plain http to another host', text: '[[account]]\nnetwork = "misskey"\nserver = "http://misskey.example"\ntoken-env = "T"\n', line: 'config.toml:3: account[1].server: Refusing plain http for the URL (http://misskey.example): tokens would travel unencrypted' },
  { what: 'a handle that is not one', text: '[[account]]\nnetwork = "atproto"\nhandle = "not a handle"\n', line: 'config.toml:3: account[1].handle: "not a handle" is not a valid handle' },
  { what: 'a Matrix user without a server part', text: '[[account]]\nnetwork = "matrix"\nserver = "https://m.example"\nuser = "me"\ntoken-env = "T"\n', line: 'config.toml:4: account[1].user: the user me is not a Matrix user ID' },
  { what: 'a key the network does not use', text: '[[account]]\nnetwork = "mastodon"\nserver = "https://m.example"\ntoken-env = "T"\nuser = "@me:m.example"\n', line: 'config.toml:5: account[1].user: a mastodon account does not use user (user is for matrix)' },
  { what: 'a missing server', text: '[[account]]\nnetwork = "misskey"\ntoken-env = "T"\n', line: 'config.toml:1: account[1]: a misskey account needs server' },
  { what: 'Matrix without any secret variable', text: '[[account]]\nnetwork = "matrix"\nserver = "https://m.example"\nuser = "@me:m.example"\n', line: 'config.toml:1: account[1]: a matrix account needs token-env or password-env' },
  { what: 'a bad name', text: '[[account]]\nname = "my account"\nnetwork = "atproto"\nhandle = "a.test"\n', line: 'config.toml:2: account[1].name: "my account" is not a usable name (letters, digits and . _ @ : -, at most 64 characters)' },
  { what: 'a duplicate name', text: `[[account]]\nname = "a"\nnetwork = "atproto"\nhandle = "a.test"\n[[account]]\nname = "a"\nnetwork = "atproto"\nhandle = "b.test"\n`, line: 'config.toml:6: account[2].name: "a" is already the name of account[1]' },
  { what: 'a duplicate default name', text: `${ACCOUNT}${ACCOUNT}`, line: 'config.toml:4: account[2]: its name "alice.test" (taken from its handle, user or server) is already account[1]\'s; give each a name' },
  { what: 'TOML syntax', text: '[[account]]\nnetwork = "atproto\n', line: 'config.toml:2:19: not valid TOML: control characters are not allowed in strings' },
]

for (const mistake of MISTAKES) {
  test(`one line for ${mistake.what}`, () => {
    assert.deepEqual(problemsOf(mistake.text), [mistake.line])
  })
}

test('a secret typed where a variable name belongs is refused and never printed; other values are quoted with controls escaped', () => {
  const token = 'syt_bWVAZXhhbXBsZS5vcmc_aBcDeFgHiJkLmNoPqRsT_1a2B3c'
  const problems = problemsOf(`[[account]]\nnetwork = "mastodon"\nserver = "https://m.example"\ntoken-env = "${token}"\n[[account]]\nnetwork = "atproto"\nhandle = "a.test"\npassword-env = "hunter2 with spaces"\n[[account]]\nnetwork = "mastodon"\nserver = "https://m.example"\ntoken-env = "T"\npassword = "plain-secret"\nnetwork-x = "\\u001b[31mred"\n`)
  assert.deepEqual(problems, [
    'config.toml:4: account[1].token-env: is not an environment variable name (its value is not shown: it may be a secret). Give the NAME of the variable that holds the secret, e.g. MY_TOKEN',
    'config.toml:8: account[2].password-env: is not an environment variable name (its value is not shown: it may be a secret). Give the NAME of the variable that holds the secret, e.g. MY_TOKEN',
    'config.toml:13: account[3].password: unknown key; an account takes network, name, server, handle, user, password-env, token-env',
    'config.toml:14: account[3].network-x: unknown key; an account takes network, name, server, handle, user, password-env, token-env',
  ])
  const all = problems.join('\n')
  for (const secret of [token, 'hunter2', 'plain-secret']) assert.ok(!all.includes(secret), 'no secret in any message')
  const escaped = problemsOf('[[account]]\nnetwork = "mast\\u001bodon"\n')
  assert.deepEqual(escaped, ['config.toml:2: account[1].network: "mast\\u001bodon" is not one of atproto, misskey, mastodon, matrix'])
})

test('several mistakes: every one is a line, the message counts them', () => {
  try {
    parseConfig('[store]\npath = "rel"\n[[account]]\nnetwork = "x"\n', 'config.toml')
    assert.fail('no error')
  } catch (error) {
    assert.ok(error instanceof ConfigError)
    assert.equal(error.problems.length, 2)
    assert.equal(error.message, 'config.toml has 2 mistakes; nothing was backed up.')
  }
})

test('key lines: tables, arrays of tables counted from 1, keys; multi-line strings skipped', () => {
  const lines = keyLines('a = 1\n[store]\npath = "/x"\n[[account]]\nnetwork = """\nname = not a key\n"""\n[[account]]\n"handle" = "h"\n')
  assert.deepEqual([...lines], [['a', 1], ['store', 2], ['store.path', 3], ['account[1]', 4], ['account[1].network', 5], ['account[2]', 8], ['account[2].handle', 9]])
})

test('the file: --config, then LIFEBOAT_CONFIG, then XDG_CONFIG_HOME (absolute only), then ~/.config', () => {
  assert.deepEqual(locateConfig('/a.toml', { LIFEBOAT_CONFIG: '/b.toml' }), { path: '/a.toml', source: '--config' })
  assert.deepEqual(locateConfig(undefined, { LIFEBOAT_CONFIG: '/b.toml', XDG_CONFIG_HOME: '/xdg' }), { path: '/b.toml', source: 'LIFEBOAT_CONFIG' })
  assert.deepEqual(locateConfig(undefined, { XDG_CONFIG_HOME: '/xdg', HOME: '/home/u' }), { path: '/xdg/lifeboat/config.toml', source: 'default' })
  assert.deepEqual(locateConfig(undefined, { XDG_CONFIG_HOME: 'relative', HOME: '/home/u' }), { path: '/home/u/.config/lifeboat/config.toml', source: 'default' })
})

test('missing file is exit 10, a directory or an others-writable file exit 2, several mistakes are problem lines', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-'))
  const missing = await runCommand({ HOME: dir }, (cli) => backupAll({}, cli))
  assert.equal(missing.code, ExitCode.notFound)
  assert.match(missing.stderr, new RegExp(`^error: No configuration file at ${join(dir, '.config/lifeboat/config.toml')}\\.\\nhint: Write one`))
  const named = await runCommand({ LIFEBOAT_CONFIG: join(dir, 'nope.toml') }, (cli) => backupAll({}, cli))
  assert.equal(named.code, ExitCode.notFound)
  assert.match(named.stderr, /\(named by LIFEBOAT_CONFIG\)/)
  await mkdir(join(dir, 'adir'))
  assert.equal((await runCommand({}, (cli) => backupAll({ config: join(dir, 'adir') }, cli))).code, ExitCode.usage)

  const file = join(dir, 'config.toml')
  await writeFile(file, GOOD)
  await chmod(file, 0o666)
  const writable = await runCommand({}, (cli) => backupAll({ config: file }, cli))
  assert.equal(writable.code, ExitCode.usage)
  assert.match(writable.stderr, /is writable by others \(mode 0666\).*\nhint: Run: chmod go-w /)
  await chmod(file, 0o644)
  assert.equal((await loadConfig(file, {})).accounts.length, 3, 'readable by others is fine')

  await writeFile(file, '[store]\npath = "rel"\n[[account]]\nnetwork = "x"\n')
  const bad = await runCommand({}, (cli) => backupAll({ config: file }, cli))
  assert.equal(bad.code, ExitCode.usage)
  assert.equal(bad.stderr, `problem: ${file}:2: store.path: "rel" is a relative path; give an absolute one (it must not depend on the directory the command runs in)\nproblem: ${file}:4: account[1].network: "x" is not one of atproto, misskey, mastodon, matrix\nerror: ${file} has 2 mistakes; nothing was backed up.\nhint: Fix the file (docs/config.md describes every key), then run the command again.\n`)
  const json = await runCommand({}, (cli) => backupAll({ config: file }, cli), { json: true })
  const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; error?: { problems: string[] } })
  assert.deepEqual(events.map((e) => e.event), ['problem', 'problem', 'result'])
  assert.equal(events[2]!.error!.problems.length, 2)

  await writeFile(file, '[[account]]\nnetwork = "atproto"\nhandle = "a.test"\n')
  const noStore = await runCommand({}, (cli) => backupAll({ config: file }, cli))
  assert.equal(noStore.code, ExitCode.usage)
  assert.match(noStore.stderr, /^error: No store: .* has no \[store\] path, and neither --store nor LIFEBOAT_STORE is given\./)
  const unknownAccount = await runCommand({}, (cli) => backupAll({ config: file, store: join(dir, 'store'), account: ['bob'] }, cli))
  assert.equal(unknownAccount.code, ExitCode.usage)
  assert.match(unknownAccount.stderr, /^error: No account named "bob" in .*\nhint: The accounts are: a\.test\./)
})

test('schedule systemd -- backup: --config must be absolute; the file\'s store is writable for the unit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-schedule-'))
  const file = join(dir, 'config.toml')
  await writeFile(file, `[store]\npath = "${join(dir, 'store')}"\n${ACCOUNT}`, { mode: 0o600 })
  const ok = await runCommand({}, (cli) => scheduleSystemd({ args: ['backup', '--config', file], name: 'lifeboat-backup', envFile: '/etc/lifeboat/lifeboat.env', cron: '0 3 * * *' }, cli, { executable: ['/usr/bin/lifeboat'] }))
  assert.equal(ok.code, 0, ok.stderr)
  assert.match(ok.value!.service, new RegExp(`\\nExecStart=/usr/bin/lifeboat backup --config ${file}\\n`))
  assert.match(ok.value!.service, new RegExp(`\\nReadWritePaths=${join(dir, 'store')}\\n`))
  const relative = await runCommand({}, (cli) => scheduleSystemd({ args: ['backup', '--config', 'config.toml'], name: 'x', envFile: '/e', cron: '0 3 * * *' }, cli, { executable: ['/usr/bin/lifeboat'] }))
  assert.equal(relative.code, ExitCode.usage)
  const bare = await runCommand({}, (cli) => scheduleSystemd({ args: ['backup'], name: 'x', envFile: '/e', cron: '0 3 * * *' }, cli, { executable: ['/usr/bin/lifeboat'] }))
  assert.equal(bare.code, 0)
  assert.match(bare.stderr, /warning: no --config: the service will read LIFEBOAT_CONFIG/)
  const typo = await runCommand({}, (cli) => scheduleSystemd({ args: ['backup', 'atprot'], name: 'x', envFile: '/e', cron: '0 3 * * *' }, cli, { executable: ['/usr/bin/lifeboat'] }))
  assert.equal(typo.code, ExitCode.usage, 'a misspelt kind is not a valid scheduled command')
})

test('a store that another run holds ends the whole run with exit 11: every account would meet it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-locked-'))
  const store = join(dir, 'store')
  const held = await (await openStore(store, { create: true })).lock()
  try {
    const file = join(dir, 'config.toml')
    await writeFile(file, `[store]\npath = "${store}"\n[[account]]\nnetwork = "atproto"\nhandle = "a.test"\nserver = "http://127.0.0.1:9"\n[[account]]\nnetwork = "atproto"\nhandle = "b.test"\nserver = "http://127.0.0.1:9"\n`, { mode: 0o600 })
    const run = await runCommand({}, (cli) => backupAll({ config: file }, cli), { json: true })
    assert.equal(run.code, ExitCode.locked)
    assert.ok(!run.stdout.includes('"backup-account"'), 'no account was tried after the store refused the first')
  } finally {
    await held.release()
  }
})
