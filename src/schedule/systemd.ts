// Renders a systemd service + timer pair, and an equivalent crontab line, that run one Lifeboat command on a schedule
// (docs/scheduling.md). Pure text generation. Secrets never go into the generated text: the command line is refused
// when it carries one, and the units read credentials from an EnvironmentFile instead.
// Quoting rules: systemd.service(5) "Command lines" and systemd.unit(5) "Specifiers"; OnCalendar syntax:
// systemd.time(5) "Calendar Events"; crontab(5) for `%`.
import { CronExpressionParser } from 'cron-parser'
import { UsageError } from '../errors.js'

export interface SystemdUnitOptions {
  /** Base name of the units, e.g. `lifeboat-backup` → lifeboat-backup.service and lifeboat-backup.timer. */
  name: string
  /** How to start Lifeboat: e.g. [node, /opt/lifeboat/bin/lifeboat.js] or [/usr/local/bin/lifeboat]. */
  executable: string[]
  /** Lifeboat's arguments, e.g. ['backup', 'pds-dir', '/pds', '--store', '/var/backups/pds']. */
  args: string[]
  envFile: string
  /** Cron expression for the crontab line and, unless onCalendar is given, translated for the timer. */
  cron: string
  /** IANA zone for both schedules; absent: the machine's local time. */
  timeZone?: string
  /** Use this OnCalendar= value verbatim instead of translating `cron`. */
  onCalendar?: string
  /** The account the service runs as; default `lifeboat` (a dedicated system user, docs/scheduling.md); `root` omits User=. */
  user?: string
  /** Absolute paths the command writes (the store, the output's folder): the only writable paths under ProtectSystem=strict. */
  readWritePaths?: string[]
}

export const DEFAULT_USER = 'lifeboat'

export interface SystemdUnits {
  serviceName: string
  timerName: string
  service: string
  timer: string
  onCalendar: string
  crontab: string
}

const SECRET_OPTION = /^--?[a-z0-9-]*(pass(word)?|token|secret|api-?key|private-?key|credential)[a-z0-9-]*$/i
const SCHEDULE_OPTION = /^--(every|cron|cron-tz)(=|$)/
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']

/** Reasons the command line must not go into a unit file (secret values, scheduling flags); empty when fine. */
export function commandLineProblems(args: string[]): string[] {
  const problems: string[] = []
  for (const arg of args) {
    const name = arg.split('=')[0]!
    // --password-file, --token-env and the like name where a secret is, which is fine.
    if (SECRET_OPTION.test(name) && !/-(file|env)$/i.test(name)) problems.push(`${name} carries a secret; put it in the EnvironmentFile instead (the command reads it from the environment)`)
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(arg)) problems.push('a URL with a password in it; put credentials in the EnvironmentFile instead')
    if (SCHEDULE_OPTION.test(arg)) problems.push(`${name}: the timer does the scheduling; drop it from the command`)
  }
  return problems
}

/** One argument quoted for an ExecStart= line: specifiers (%) and variables ($) are escaped in every case. */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$')
  if (/^[A-Za-z0-9_@+=:,./%$-]+$/.test(arg)) return escaped
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** One argument quoted for /bin/sh. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(arg)) return arg
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

function compress(values: number[], format: (n: number) => string): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    parts.push(j - i >= 2 ? `${format(sorted[i]!)}..${format(sorted[j]!)}` : sorted.slice(i, j + 1).map(format).join(','))
    i = j + 1
  }
  return parts.join(',')
}

const pad = (n: number) => String(n).padStart(2, '0')

/** Translates a cron expression into an OnCalendar= value. UsageError when systemd cannot express it. */
export function cronToOnCalendar(expression: string): string {
  let fields
  try {
    fields = CronExpressionParser.parse(expression).fields
  } catch (error) {
    throw new UsageError(`--cron ${JSON.stringify(expression)} is not a cron expression: ${(error as Error).message}`)
  }
  const all = [fields.second, fields.minute, fields.hour, fields.dayOfMonth, fields.month, fields.dayOfWeek]
  if (all.some((field) => field.values.some((v) => typeof v !== 'number'))) {
    throw new UsageError(`--cron ${JSON.stringify(expression)} uses L, W or # which systemd cannot express.`, { hint: 'Give --on-calendar yourself.' })
  }
  if (!fields.dayOfMonth.isWildcard && !fields.dayOfWeek.isWildcard) {
    // cron runs when either day field matches; systemd requires both, so the meaning would change.
    throw new UsageError(`--cron ${JSON.stringify(expression)} restricts both day of month and day of week.`, { hint: 'Give --on-calendar yourself.' })
  }
  const nums = (values: readonly (number | string)[]) => values as number[]
  const dow = fields.dayOfWeek.isWildcard ? '' : `${compress(nums(fields.dayOfWeek.values).map((d) => (d === 7 ? 0 : d)), (d) => DAY_NAMES[d]!)} `
  const month = fields.month.isWildcard ? '*' : compress(nums(fields.month.values), pad)
  const day = fields.dayOfMonth.isWildcard ? '*' : compress(nums(fields.dayOfMonth.values), pad)
  const time = [fields.hour, fields.minute, fields.second].map((f) => compress(nums(f.values), pad)).join(':')
  return `${dow}*-${month}-${day} ${time}`
}

export function renderSystemdUnits(options: SystemdUnitOptions): SystemdUnits {
  const problems = commandLineProblems(options.args)
  if (options.args.length === 0) throw new UsageError('No command to schedule.', { hint: 'Example: lifeboat schedule systemd -- backup pds-dir /pds --store /var/backups/pds' })
  const command = [...options.executable, ...options.args]
  if (problems.length > 0) throw new UsageError(`Refusing to write this command into a unit file: ${problems[0]}.`, { details: { problems } })
  if (!/^[A-Za-z0-9_.@-]+$/.test(options.name)) throw new UsageError(`${JSON.stringify(options.name)} is not a usable unit name.`)
  const onCalendar = (options.onCalendar ?? cronToOnCalendar(options.cron)) + (options.timeZone && !options.onCalendar ? ` ${options.timeZone}` : '')
  const user = options.user ?? DEFAULT_USER
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user)) throw new UsageError(`${JSON.stringify(user)} is not a user name.`)
  const writable = [...new Set(options.readWritePaths ?? [])]
  const serviceName = `${options.name}.service`
  const timerName = `${options.name}.timer`
  const shown = options.args.join(' ')
  const service = [
    `# /etc/systemd/system/${serviceName}, generated by \`lifeboat schedule systemd\`.`,
    `# Credentials live in ${options.envFile} (mode 0600), never in this file.`,
    '[Unit]',
    `Description=Lifeboat: ${shown.replace(/%/g, '%%')}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    // oneshot: the timer does not start a second run while one is still active, so runs never overlap.
    'Type=oneshot',
    `EnvironmentFile=${options.envFile}`,
    `ExecStart=${command.map(systemdQuote).join(' ')}`,
    ...(user === 'root' ? [] : [`User=${user}`]),
    'UMask=0077',
    // Hardening (systemd.exec(5)): the service can write only where its store or output lives.
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    ...(writable.length > 0 ? [`ReadWritePaths=${writable.map(systemdQuote).join(' ')}`] : []),
    'PrivateTmp=yes',
    'Nice=10',
    'IOSchedulingClass=idle',
    '',
  ].join('\n')
  const timer = [
    `# /etc/systemd/system/${timerName}, generated by \`lifeboat schedule systemd\`.`,
    '[Unit]',
    `Description=Run ${serviceName} on schedule`,
    '',
    '[Timer]',
    `OnCalendar=${onCalendar}`,
    // Persistent: a run missed while the machine was off happens at the next boot.
    'Persistent=true',
    `Unit=${serviceName}`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n')
  // cron mails whatever a job prints: --quiet keeps the mail to warnings and errors.
  const quiet = options.args.includes('--quiet') || options.args.includes('-q') ? [] : ['--quiet']
  const cronCommand = [...options.executable, ...quiet, ...options.args]
  const shell = `set -a && . ${shellQuote(options.envFile)} && set +a && exec ${cronCommand.map(shellQuote).join(' ')}`
  const crontab = `${options.timeZone ? `CRON_TZ=${options.timeZone}\n` : ''}${options.cron} ${shell.replace(/%/g, '\\%')}`
  return { serviceName, timerName, service, timer, onCalendar, crontab }
}
