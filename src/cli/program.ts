// The commander tree. Each command lives in src/commands/<name>.ts and exports register(program, context).
import { Command } from 'commander'
import { toolVersion } from '../version.js'
import type { CliContext } from './main.js'
import { escapeControl } from '../output.js'
import { completionScript, SHELLS } from './completion.js'
import { withExamples } from './help.js'
import { checkEnvNameOptions } from './secrets.js'

type Registrar = (program: Command, context: CliContext) => unknown

/**
 * Every top-level command, in help order: its name and description here, its implementation (and the SDKs it uses)
 * imported only when it runs, so `lifeboat --version` and `--help` load no command at all. A test keeps each
 * description equal to the one the command registers.
 */
const COMMANDS: { name: string; description: string; load: () => Promise<Registrar[]> }[] = [
  {
    name: 'export',
    description: 'export an account into a portable archive (docs/archive-format.md)',
    load: async () => [
      (await import('../commands/export-atproto.js')).register,
      (await import('../commands/export-misskey.js')).register,
      (await import('../commands/export-mastodon.js')).register,
      (await import('../commands/export-matrix.js')).register,
    ],
  },
  { name: 'import', description: 'turn a network\'s own export into a Lifeboat archive (docs/archive-format.md)', load: async () => [(await import('../commands/import-mastodon-archive.js')).register, (await import('../commands/import-x-archive.js')).register] },
  { name: 'backup', description: 'take a snapshot into a backup store (incremental: unchanged data is stored once)', load: async () => [(await import('../commands/backup.js')).register] },
  { name: 'restore', description: 'put backed-up data back: an account onto a PDS, a PDS data directory onto disk, or an account as an archive', load: async () => [(await import('../commands/restore.js')).register] },
  { name: 'snapshots', description: 'list the snapshots in a backup store', load: async () => [(await import('../commands/snapshots.js')).register] },
  { name: 'forget', description: 'remove snapshots that a retention policy does not keep (per kind and subject); --prune frees their space', load: async () => [(await import('../commands/forget.js')).register] },
  { name: 'verify-store', description: 'check a backup store: every snapshot readable, every object present and hashing right', load: async () => [(await import('../commands/verify-store.js')).register] },
  { name: 'schedule', description: 'print service definitions that run a Lifeboat command on a schedule', load: async () => [(await import('../commands/schedule.js')).register] },
  { name: 'replay', description: 'replay follows, lists, mutes and blocks (and, with --posts, posts) from an archive onto an account on a new server', load: async () => [(await import('../commands/replay.js')).register] },
  { name: 'follows', description: 'print the follow list recorded in an archive', load: async () => [(await import('../commands/follows.js')).register] },
  { name: 'alias', description: 'manage the aliases (alsoKnownAs) that let an old account move to a new one', load: async () => [(await import('../commands/alias.js')).register] },
  { name: 'move', description: 'move an account to a new one (irreversible; checks first, dry run unless --yes)', load: async () => [(await import('../commands/move.js')).register] },
  { name: 'migrate', description: 'move an account to another server keeping its identity', load: async () => [(await import('../commands/migrate-atproto.js')).register] },
  { name: 'verify', description: 'check an archive: every member hash, size and record count', load: async () => [(await import('../commands/verify.js')).register] },
  { name: 'inspect', description: "show what an archive holds: account, network, date, counts, posts' date range, media and archive size", load: async () => [(await import('../commands/inspect.js')).register] },
  { name: 'view', description: 'write an offline viewer site (timeline, search, threads, media, people) for one or more archives', load: async () => [(await import('../commands/view.js')).register] },
  { name: 'demo', description: 'run export, backup, incremental backup and restore against PDSes started on this machine', load: async () => [(await import('../commands/demo.js')).register] },
]

/** Top-level command names, in help order (the light list; tests compare it with the loaded tree). */
export const COMMAND_NAMES = COMMANDS.map((c) => c.name)

/** The command `argv` runs: its first word that is not a global flag; undefined for `lifeboat --version` etc. */
function commandOf(argv: string[] | undefined): string | undefined {
  return argv?.slice(2).find((arg) => !arg.startsWith('-'))
}

/** Examples for the parent commands whose subcommands register themselves (each subcommand has its own too). */
const PARENT_EXAMPLES: Record<string, string[]> = {
  export: ['lifeboat export atproto alice.bsky.social -o alice.zip', 'LIFEBOAT_MASTODON_TOKEN=… lifeboat export mastodon --server https://mastodon.social -o me.zip'],
  import: ['lifeboat import mastodon-archive archive-20241205104500-5b0f….zip -o me.zip', 'lifeboat import x-archive twitter-2024-05-01-abc.zip -o me.zip'],
  restore: [
    'LIFEBOAT_ATPROTO_PASSWORD=… lifeboat restore --store /var/backups/pds --snapshot latest --to-server https://pds.example.com --did did:plc:abc',
    'lifeboat restore pds-dir --store /var/backups/lifeboat --snapshot latest --to-dir /srv/pds-restored',
    'lifeboat restore archive --store /var/backups/lifeboat --subject alice@misskey.io -o alice.zip',
  ],
  migrate: ['LIFEBOAT_ATPROTO_PASSWORD=… lifeboat migrate atproto alice.bsky.social --to-server https://pds.example.com --new-handle alice.pds.example.com --email alice@example.com --dry-run'],
  alias: ['LIFEBOAT_MISSKEY_TOKEN=… lifeboat alias add --to misskey --to-server https://new.example @me@misskey.io'],
}

/**
 * The commander tree for `argv`: the command it names is loaded in full, every other one is a placeholder with its
 * name and description (enough for the top-level --help). Without argv (tests), or for `completion` and `help`,
 * every command is loaded.
 */
export async function buildProgram(given: CliContext, argv?: string[]): Promise<Command> {
  const context: CliContext = { ...given, commandTree: (other) => buildProgram(other) }
  const wanted = commandOf(argv)
  const loadAll = argv === undefined || wanted === 'completion' || wanted === 'help'
  const program = new Command('lifeboat')
    .description('Get social accounts out and carry them to a new home.')
    .version(toolVersion(), '--version', 'print the version')
    .option('--json', 'newline-delimited JSON events on stdout, ending with one result object')
    .option('-q, --quiet', 'print only warnings and errors')
    .option('-v, --verbose', 'print more detail (never secrets)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(escapeControl(s)), writeErr: (s) => process.stderr.write(escapeControl(s)) })
    .exitOverride()
    .addHelpText('after', '\nExit codes and --json events: docs/cli.md')
  for (const entry of COMMANDS) {
    if (loadAll || entry.name === wanted) {
      for (const register of await entry.load()) register(program, context)
    } else {
      program.command(entry.name).description(entry.description)
    }
  }
  for (const [name, examples] of Object.entries(PARENT_EXAMPLES)) {
    const parent = program.commands.find((c) => c.name() === name)
    if (parent) withExamples(parent, ...examples)
  }
  withExamples(
    program
      .command('completion')
      .description(`print a shell completion script (${SHELLS.join(', ')})`)
      .argument('<shell>', SHELLS.join(', '))
      .action((shell: string) => {
        context.out.data(completionScript(program, shell))
      }),
    'source <(lifeboat completion bash)',
    'lifeboat completion fish > ~/.config/fish/completions/lifeboat.fish',
  )
  exitOverrideAll(program)
  program.hook('preAction', (_program, action) => checkEnvNameOptions(action))
  return program
}

function exitOverrideAll(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride()
    sub.configureOutput({ writeOut: (s) => process.stdout.write(escapeControl(s)), writeErr: (s) => process.stderr.write(escapeControl(s)) })
    exitOverrideAll(sub)
  }
}
