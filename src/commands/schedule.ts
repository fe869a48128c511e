// lifeboat schedule systemd [options] -- <lifeboat command…>: print a systemd service + timer (and a crontab line) that
// run the given Lifeboat command on a schedule (docs/scheduling.md). Prints only; installing is left to the operator.
import { realpathSync } from 'node:fs'
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { DEFAULT_USER, renderSystemdUnits, type SystemdUnits } from '../schedule/systemd.js'
import { checkScheduledCommand } from '../schedule/command-check.js'

export interface ScheduleSystemdOptions {
  args: string[]
  name: string
  envFile: string
  cron: string
  cronTz?: string
  onCalendar?: string
  user?: string
  /** More paths the service may write (e.g. a store named only in the EnvironmentFile's LIFEBOAT_STORE). */
  writable?: string[]
  /** How to start Lifeboat; default: this Node binary and this lifeboat script. */
  bin?: string
}

export interface ScheduleSystemdSeams {
  /** The default executable, e.g. [process.execPath, <path of bin/lifeboat.js>]. */
  executable?: string[]
}

/**
 * This Node binary and the lifeboat script, with symbolic links resolved. No V8 flags are needed: bin/lifeboat.js
 * sets its heap settings itself (src/cli/heap.ts), however it is started.
 */
function currentExecutable(): string[] {
  const script = process.argv[1]
  if (!script) return [process.execPath]
  try {
    return [process.execPath, realpathSync(script)]
  } catch {
    return [process.execPath, script]
  }
}

export async function run(options: ScheduleSystemdOptions, cli: CliContext, seams: ScheduleSystemdSeams = {}): Promise<SystemdUnits> {
  const { out } = cli
  const checked = await checkScheduledCommand(options.args, cli)
  const units = renderSystemdUnits({
    name: options.name,
    executable: options.bin ? [options.bin] : (seams.executable ?? currentExecutable()),
    args: options.args,
    envFile: options.envFile,
    cron: options.cron,
    ...(options.cronTz ? { timeZone: options.cronTz } : {}),
    ...(options.onCalendar ? { onCalendar: options.onCalendar } : {}),
    ...(options.user ? { user: options.user } : {}),
    readWritePaths: [...checked.writes, ...(options.writable ?? [])],
  })
  if (!out.json) {
    out.data(
      `# ---- /etc/systemd/system/${units.serviceName}\n${units.service}\n` +
        `# ---- /etc/systemd/system/${units.timerName}\n${units.timer}\n` +
        `# ---- or, without systemd, one crontab line (crontab -e):\n${units.crontab}\n`,
    )
  }
  out.result(
    { ok: true, serviceName: units.serviceName, timerName: units.timerName, service: units.service, timer: units.timer, onCalendar: units.onCalendar, crontab: units.crontab, envFile: options.envFile },
    [
      'To install:',
      ...(units.service.includes(`User=${DEFAULT_USER}\n`) ? [`  0. create the user once: useradd --system --no-create-home --shell /usr/sbin/nologin ${DEFAULT_USER}; give it the store folder`] : []),
      `  1. put credentials and LIFEBOAT_* settings in ${options.envFile} (chmod 600; it may be empty)`,
      `  2. save the two units above in /etc/systemd/system/`,
      `  3. systemctl daemon-reload && systemctl enable --now ${units.timerName}`,
      `  4. check: systemctl list-timers ${units.timerName}; journalctl -u ${units.serviceName}`,
    ].join('\n'),
  )
  return units
}

export function register(program: Command, context: CliContext): void {
  const schedule = program.command('schedule').description('print service definitions that run a Lifeboat command on a schedule')
  const command = schedule
    .command('systemd')
    .description('print a systemd service and timer (and a crontab line) running a Lifeboat command; put the command after --')
    .argument('<command...>', 'the Lifeboat arguments to run, after -- (e.g. -- backup pds-dir /pds --store /var/backups/lifeboat)')
    .option('--name <name>', 'unit name', 'lifeboat-backup')
    .option('--env-file <path>', 'EnvironmentFile holding credentials and LIFEBOAT_* settings', '/etc/lifeboat/lifeboat.env')
    .option('--cron <expression>', 'when to run, as a cron expression (translated to OnCalendar)', '0 3 * * *')
    .option('--cron-tz <zone>', 'time zone of the schedule (IANA name), as for backup --cron-tz', 'UTC')
    .option('--on-calendar <spec>', 'use this systemd OnCalendar= value instead of translating --cron')
    .option('--user <user>', 'run the service as this user (root: no User= line)', DEFAULT_USER)
    .option('--writable <dir...>', 'another path the service may write (ProtectSystem=strict leaves the rest read-only)')
    .option('--bin <path>', 'the lifeboat executable to run (default: this node and this lifeboat script)')
    .action(async (args: string[], flags: Omit<ScheduleSystemdOptions, 'args'>) => {
      await run({ ...flags, args }, context)
    })
  withExamples(
    command,
    'lifeboat schedule systemd -- backup pds-dir /pds --store /var/backups/lifeboat --env-file /pds/pds.env',
    'lifeboat schedule systemd --cron "30 2 * * *" --name pds-backup -- backup pds-dir /pds --store /var/backups/lifeboat',
  )
  withExamples(schedule, 'lifeboat schedule systemd -- backup pds-dir /pds --store /var/backups/lifeboat')
}
