// lifeboat restore archive --store DIR --snapshot ID|latest -o <archive.zip>: a complete, verified archive of a
// Misskey, Mastodon or Matrix account from any of its `account-archive` snapshots (docs/backup-store.md §8.2). The
// archive is an ordinary one: `lifeboat verify`, `view`, `replay` and `export --since` take it.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import { UsageError } from '../errors.js'
import { formatBytes } from '../files/format-bytes.js'
import { openStore } from '../store/store.js'
import type { Snapshot } from '../store/format.js'
import { ACCOUNT_ARCHIVE_KIND, type AccountArchiveData } from '../backup/account-format.js'
import { restoreAccountArchive } from '../backup/account-restore.js'
import { requireOutput } from './export.js'
import { addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'

export interface RestoreArchiveOptions extends StorePassphraseOptions {
  store: string
  snapshot: string
  subject?: string
  output: string
  force?: boolean
}

export interface RestoreArchiveResult {
  snapshot: string
  archive: string
  counts: Partial<Record<string, number>>
}

export async function run(options: RestoreArchiveOptions, cli: CliContext): Promise<RestoreArchiveResult> {
  const output = requireOutput(options.output)
  const store = await openStore(options.store, storeEncryption(options, cli))
  const filter = { kind: ACCOUNT_ARCHIVE_KIND, ...(options.subject ? { subject: options.subject } : {}) }
  if (options.snapshot === 'latest' && !options.subject) {
    const subjects = new Set((await store.listSnapshots(filter)).map((s) => s.subject.id))
    if (subjects.size > 1) {
      throw new UsageError(`The store holds backups of ${subjects.size} accounts; "latest" is ambiguous.`, { hint: `Add --subject with one of: ${[...subjects].join(', ')}.` })
    }
  }
  const snapshot = (await store.readSnapshot(options.snapshot, filter)) as Snapshot<AccountArchiveData>
  cli.out.info(`Writing the archive of ${snapshot.subject.handle ?? snapshot.subject.id} as of snapshot ${snapshot.id} (${snapshot.createdAt}) …`)
  const manifest = await restoreAccountArchive(store, snapshot, { output, force: options.force, signal: cli.signal })
  const mediaBytes = Object.entries(manifest.members).reduce((n, [name, m]) => (name.startsWith('media/') ? n + m.size : n), 0)
  const counts = Object.entries(manifest.counts).map(([k, v]) => `${k} ${v}`).join(', ')
  cli.out.result({ ok: true, snapshot: snapshot.id, archive: output, counts: manifest.counts, mediaBytes }, `Wrote ${output} from snapshot ${snapshot.id}: ${counts}; media ${formatBytes(mediaBytes)}.`)
  return { snapshot: snapshot.id, archive: output, counts: manifest.counts }
}

export function registerSubcommand(restore: Command, cli: CliContext): void {
  const command = restore
    .command('archive')
    .description('write a complete archive of a Misskey, Mastodon or Matrix account from any of its snapshots')
    .requiredOption('-o, --output <archive.zip>', 'archive to write')
    .option('--snapshot <id>', 'snapshot id, unique id prefix, or "latest"', 'latest')
    .option('--subject <id>', 'with "latest": the newest snapshot of this account (subject id or handle, see `lifeboat snapshots`)')
    .option('--force', 'replace an existing archive at the output path')
    .option('--mkdir', MKDIR_HELP)
    .hook('preAction', checkOutputHook)
  addStoreOption(command).action(async (options: RestoreArchiveOptions) => {
    await run(options, cli)
  })
  withExamples(
    command,
    'lifeboat restore archive --store /var/backups/lifeboat --subject alice@misskey.io -o alice.zip',
    'lifeboat restore archive --store /var/backups/lifeboat --snapshot 2026-11-22T03-00-00Z-4f0a9c -o alice-november.zip',
  )
}
