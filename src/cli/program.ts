// The commander tree. Each command lives in src/commands/<name>.ts and exports register(program, context).
import { Command } from 'commander'
import { toolVersion } from '../version.js'
import type { CliContext } from './main.js'
import { register as registerVerify } from '../commands/verify.js'
import { register as registerInspect } from '../commands/inspect.js'
import { register as registerExportAtproto } from '../commands/export-atproto.js'
import { register as registerExportMisskey } from '../commands/export-misskey.js'
import { register as registerExportMastodon } from '../commands/export-mastodon.js'
import { register as registerExportMatrix } from '../commands/export-matrix.js'
import { register as registerImportMastodonArchive } from '../commands/import-mastodon-archive.js'
import { register as registerMigrateAtproto } from '../commands/migrate-atproto.js'
import { registerNetworks } from './networks.js'
import { completionScript, SHELLS } from './completion.js'
import { withExamples } from './help.js'
import { register as registerBackup } from '../commands/backup.js'
import { register as registerRestore } from '../commands/restore.js'
import { register as registerSnapshots } from '../commands/snapshots.js'
import { register as registerForget } from '../commands/forget.js'
import { register as registerVerifyStore } from '../commands/verify-store.js'
import { register as registerSchedule } from '../commands/schedule.js'
import { register as registerReplay } from '../commands/replay.js'
import { register as registerFollows } from '../commands/follows.js'
import { register as registerAlias } from '../commands/alias.js'
import { register as registerMove } from '../commands/move.js'
import { register as registerDemo } from '../commands/demo.js'

/** Examples for the parent commands whose subcommands register themselves (each subcommand has its own too). */
const PARENT_EXAMPLES: Record<string, string[]> = {
  export: ['lifeboat export atproto alice.bsky.social -o alice.zip', 'LIFEBOAT_MASTODON_TOKEN=… lifeboat export mastodon --server https://mastodon.social -o me.zip'],
  import: ['lifeboat import mastodon-archive archive-20241205104500-5b0f….zip -o me.zip'],
  restore: [
    'LIFEBOAT_ATPROTO_PASSWORD=… lifeboat restore --store /var/backups/pds --snapshot latest --to-pds https://pds.example.com --did did:plc:abc',
    'lifeboat restore pds-dir --store /var/backups/lifeboat --snapshot latest --to /srv/pds-restored',
  ],
  migrate: ['LIFEBOAT_ATPROTO_PASSWORD=… lifeboat migrate atproto alice.bsky.social --to-pds https://pds.example.com --new-handle alice.pds.example.com --email alice@example.com --dry-run'],
  alias: ['LIFEBOAT_MISSKEY_TOKEN=… lifeboat alias add --to misskey --server https://new.example @me@misskey.io'],
}

export function buildProgram(context: CliContext): Command {
  const program = new Command('lifeboat')
    .description('Get social accounts out and carry them to a new home.')
    .version(toolVersion(), '--version', 'print the version')
    .option('--json', 'newline-delimited JSON events on stdout, ending with one result object')
    .option('-q, --quiet', 'print only warnings and errors')
    .option('-v, --verbose', 'print more detail (never secrets)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .exitOverride()
    .addHelpText('after', '\nExit codes and --json events: docs/cli.md')
  registerNetworks()
  for (const register of [
    registerExportAtproto,
    registerExportMisskey,
    registerExportMastodon,
    registerExportMatrix,
    registerImportMastodonArchive,
    registerBackup,
    registerRestore,
    registerSnapshots,
    registerForget,
    registerVerifyStore,
    registerSchedule,
    registerReplay,
    registerFollows,
    registerAlias,
    registerMove,
    registerMigrateAtproto,
    registerVerify,
    registerInspect,
    registerDemo,
  ]) {
    register(program, context)
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
  return program
}

function exitOverrideAll(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride()
    sub.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    exitOverrideAll(sub)
  }
}
