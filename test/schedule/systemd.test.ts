// `lifeboat schedule systemd`: the generated service, timer and crontab line (src/schedule/systemd.ts). Where the
// machine has systemd-analyze, the output is also checked by systemd itself (calendar syntax, unit file syntax).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { commandLineProblems, cronToOnCalendar, renderSystemdUnits, shellQuote, systemdQuote } from '../../src/schedule/systemd.js'
import { run as scheduleSystemd } from '../../src/commands/schedule.js'
import { UsageError } from '../../src/errors.js'
import { captureCli, runCli } from '../_util/cli.js'

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0
const ARGS = ['backup', 'pds-dir', '/pds', '--store', '/var/backups/lifeboat']

test('the units run the same command, read an EnvironmentFile, and carry the schedule', async () => {
  const secret = 'hunter2-app-password'
  const cli = captureCli({ env: { LIFEBOAT_ATPROTO_PASSWORD: secret } })
  const units = await scheduleSystemd(
    { args: ARGS, name: 'lifeboat-backup', envFile: '/etc/lifeboat/lifeboat.env', cron: '0 3 * * *' },
    cli.cli, { executable: ['/usr/bin/node', '/opt/lifeboat/bin/lifeboat.js'] },
  )
  const printed = cli.stdout()
  assert.match(units.service, /^ExecStart=\/usr\/bin\/node \/opt\/lifeboat\/bin\/lifeboat\.js backup pds-dir \/pds --store \/var\/backups\/lifeboat$/m)
  assert.match(units.service, /^EnvironmentFile=\/etc\/lifeboat\/lifeboat\.env$/m)
  assert.match(units.service, /^Type=oneshot$/m)
  assert.match(units.timer, /^OnCalendar=\*-\*-\* 03:00:00$/m)
  assert.match(units.timer, /^Unit=lifeboat-backup\.service$/m)
  assert.match(units.timer, /^WantedBy=timers\.target$/m)
  assert.equal(units.crontab, '0 3 * * * set -a && . /etc/lifeboat/lifeboat.env && set +a && exec /usr/bin/node /opt/lifeboat/bin/lifeboat.js --quiet backup pds-dir /pds --store /var/backups/lifeboat')
  for (const part of [units.service, units.timer, units.crontab]) assert.ok(printed.includes(part), 'everything generated is printed on stdout')
  assert.ok(!printed.includes(secret) && !cli.stderr().includes(secret), 'no secret value is printed')
  assert.match(cli.stderr(), /systemctl enable --now lifeboat-backup\.timer/)
})

test('a command line carrying a secret, or its own schedule, is refused without echoing the secret', () => {
  const base = { name: 'x', executable: ['/usr/bin/lifeboat'], envFile: '/etc/lifeboat/lifeboat.env', cron: '0 3 * * *' }
  for (const args of [
    ['backup', 'atproto', 'alice.example.com', '--app-password', 'hunter2'],
    ['backup', 'atproto', '--token=hunter2'],
    ['backup', 'atproto', '--pds', 'https://admin:hunter2@pds.example.com'],
    ['backup', 'pds-dir', '/pds', '--every', '24h'],
    ['backup', 'pds-dir', '/pds', '--cron=0 3 * * *'],
  ]) {
    assert.throws(() => renderSystemdUnits({ ...base, args }), (e: unknown) => e instanceof UsageError && !e.message.includes('hunter2'), args.join(' '))
  }
  assert.deepEqual(commandLineProblems(['backup', 'atproto', '--password-env', 'PDS_PASSWORD', '--store', '/b']), [], 'naming where a secret is, is fine')
  assert.throws(() => renderSystemdUnits({ ...base, args: [] }), UsageError)
})

test('cron expressions become OnCalendar values with the same meaning', () => {
  const table: Array<[string, string]> = [
    ['0 3 * * *', '*-*-* 03:00:00'],
    ['30 2 1 * *', '*-*-01 02:30:00'],
    ['*/15 1-5 * * 1-5', 'Mon..Fri *-*-* 01..05:00,15,30,45:00'],
    ['0 4 * * 0', 'Sun *-*-* 04:00:00'],
    ['0 4 * * 7', 'Sun *-*-* 04:00:00'],
    ['0 4 * * 1,3,5', 'Mon,Wed,Fri *-*-* 04:00:00'],
    ['0 0 1 1 *', '*-01-01 00:00:00'],
    ['@daily', '*-*-* 00:00:00'],
  ]
  for (const [cron, calendar] of table) assert.equal(cronToOnCalendar(cron), calendar, cron)
  // cron ORs the two day fields while systemd ANDs them: refused rather than changed in meaning.
  assert.throws(() => cronToOnCalendar('0 3 1 * 1'), UsageError)
  assert.throws(() => cronToOnCalendar('0 3 L * *'), UsageError)
  assert.throws(() => cronToOnCalendar('not cron'), UsageError)
  if (hasSystemdAnalyze) {
    const check = spawnSync('systemd-analyze', ['calendar', ...table.map(([, c]) => c)], { encoding: 'utf8' })
    assert.equal(check.status, 0, check.stderr)
  }
})

test('quoting: specifiers, variables, spaces and quotes survive systemd and sh', () => {
  assert.equal(systemdQuote('/var/backups/lifeboat'), '/var/backups/lifeboat')
  assert.equal(systemdQuote('my store'), '"my store"')
  assert.equal(systemdQuote('100%'), '100%%')
  assert.equal(systemdQuote('$HOME'), '$$HOME')
  assert.equal(systemdQuote(''), '""')
  assert.equal(systemdQuote('say "hi"'), '"say \\"hi\\""')
  assert.equal(shellQuote("it's"), `'it'\\''s'`)
  const units = renderSystemdUnits({ name: 'pds-backup', executable: ['/usr/bin/lifeboat'], args: ['backup', 'pds-dir', '/srv/my pds', '--store', '/b/100%'], envFile: '/etc/lb.env', cron: '0 3 * * *', timeZone: 'Europe/Berlin', user: 'pds' })
  assert.match(units.service, /^ExecStart=\/usr\/bin\/lifeboat backup pds-dir "\/srv\/my pds" --store \/b\/100%%$/m)
  assert.match(units.service, /^User=pds$/m)
  assert.match(units.timer, /^OnCalendar=\*-\*-\* 03:00:00 Europe\/Berlin$/m)
  assert.equal(units.crontab, "CRON_TZ=Europe/Berlin\n0 3 * * * set -a && . /etc/lb.env && set +a && exec /usr/bin/lifeboat --quiet backup pds-dir '/srv/my pds' --store '/b/100\\%'")
})

test('systemd-analyze accepts the generated units', { skip: !hasSystemdAnalyze && 'systemd-analyze is not installed' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-units-'))
  const script = join(dir, 'lifeboat.js')
  await writeFile(script, '')
  const units = renderSystemdUnits({ name: 'lifeboat-backup', executable: [process.execPath, script], args: [...ARGS, '--store', '/srv/my store'], envFile: join(dir, 'lifeboat.env'), cron: '*/30 * * * *' })
  await writeFile(join(dir, units.serviceName), units.service)
  await writeFile(join(dir, units.timerName), units.timer)
  const check = spawnSync('systemd-analyze', ['verify', join(dir, units.serviceName), join(dir, units.timerName)], { encoding: 'utf8' })
  assert.equal(check.status, 0, check.stderr)
  assert.equal(check.stderr.trim(), '', 'no warnings')
})

test('the scheduled command is parsed with the real command tree first', async () => {
  const cli = captureCli().cli
  const seams = { executable: ['/usr/bin/lifeboat'] }
  const base = { name: 'lifeboat-backup', envFile: '/etc/lifeboat/lifeboat.env', cron: '0 3 * * *' }
  for (const args of [
    ['bakcup', 'atproto', 'x'],
    ['backup', 'atproto', 'x', '--stroe', '/b'],
    ['backup', 'atprot'],
  ]) {
    await assert.rejects(scheduleSystemd({ ...base, args }, cli, seams), (e: unknown) => e instanceof UsageError && /not a valid Lifeboat command|names no Lifeboat command/.test(e.message), args.join(' '))
  }
  // The same file every night: the second run would fail on the first run's archive.
  await assert.rejects(scheduleSystemd({ ...base, args: ['export', 'atproto', 'alice.example.com', '-o', '/srv/same.zip'] }, cli, seams), /Refusing to schedule `export atproto -o \/srv\/same\.zip`/)
  await assert.rejects(scheduleSystemd({ ...base, args: ['backup', 'pds-dir', '/pds', '--store', 'relative/store'] }, cli, seams), /relative path/)
  // An S3 store is no local path: nothing to make writable (staging goes to the unit's private /tmp).
  const s3 = await scheduleSystemd({ ...base, args: ['backup', 'pds-dir', '/pds', '--store', 's3://bucket/pds'] }, cli, seams)
  assert.doesNotMatch(s3.service, /^ReadWritePaths=/m)
})

test('units are hardened and run as a dedicated user; cron carries the zone and --quiet', async () => {
  const cli = captureCli()
  const units = await scheduleSystemd(
    { args: ARGS, name: 'lifeboat-backup', envFile: '/etc/lifeboat/lifeboat.env', cron: '0 3 * * *', cronTz: 'UTC', writable: ['/srv/extra'] },
    cli.cli, { executable: ['/usr/bin/lifeboat'] },
  )
  for (const line of ['User=lifeboat', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/backups/lifeboat /srv/extra', 'PrivateTmp=yes']) {
    assert.ok(units.service.split('\n').includes(line), line)
  }
  assert.match(units.timer, /^OnCalendar=\*-\*-\* 03:00:00 UTC$/m)
  assert.match(units.crontab, /^CRON_TZ=UTC\n0 3 \* \* \* .* exec \/usr\/bin\/lifeboat --quiet backup pds-dir/)
  assert.match(cli.stderr(), /useradd --system/)
  const asRoot = renderSystemdUnits({ name: 'x', executable: ['/usr/bin/lifeboat'], args: ARGS, envFile: '/e', cron: '0 3 * * *', user: 'root' })
  assert.doesNotMatch(asRoot.service, /^User=/m)
  assert.match(asRoot.service, /^ProtectSystem=strict$/m)
})

test('schedule systemd on the command line: a misspelt command fails with exit 2, and --cron-tz defaults to UTC as in backup', async () => {
  const bad = await runCli(['schedule', 'systemd', '--', 'bakcup', 'atproto', 'x'])
  assert.equal(bad.code, 2, bad.stderr)
  assert.equal(bad.stdout, '')
  assert.match(bad.stderr, /not a valid Lifeboat command/)
  const good = await runCli(['schedule', 'systemd', '--bin', '/usr/bin/lifeboat', '--', 'backup', 'atproto', 'alice.example.com', '--store', '/var/backups/pds'])
  assert.equal(good.code, 0, good.stderr)
  assert.match(good.stdout, /^OnCalendar=\*-\*-\* 03:00:00 UTC$/m)
  assert.match(good.stdout, /^CRON_TZ=UTC$/m)
})
