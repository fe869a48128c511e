// lifeboat backup pds-dir <data dir> --store DIR: a consistent file-level copy of a self-hosted PDS, safe while the PDS
// runs (docs/backup-store.md §7, docs/pds-backup.md). Once, or on a schedule with --every / --cron.
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { PartialFailureError } from '../errors.js'
import { openStore } from '../store/store.js'
import { backupPdsDir, resolvePdsSource } from '../store/pds-dir/backup.js'
import { addScheduleOptions, runMaybeScheduled, type RunReport, type ScheduleFlags, type ScheduledSeams } from '../schedule/options.js'
import { formatBytes } from '../files/format-bytes.js'
import { addEncryptOption, addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'

export interface BackupPdsDirOptions extends ScheduleFlags, StorePassphraseOptions {
  dataDir: string
  store: string
  blobstore?: string
  envFile?: string
  force?: boolean
}

export interface BackupPdsDirSeams extends ScheduledSeams {
  blobRetryDelayMs?: number
}

/** One backup run; throws PartialFailureError (exit 3) after writing the snapshot when a copy failed its check. */
export async function runOnce(options: BackupPdsDirOptions, cli: CliContext, seams: BackupPdsDirSeams = {}): Promise<RunReport> {
  const { out, signal } = cli
  // A mistyped data directory must fail before a store is created for it.
  await resolvePdsSource({ dataDir: options.dataDir, ...(options.blobstore !== undefined ? { blobstore: options.blobstore } : {}), ...(options.envFile !== undefined ? { envFile: options.envFile } : {}) })
  const store = await openStore(options.store, { create: true, ...storeEncryption(options, cli) })
  const lock = await store.lock()
  try {
    const progress = out.progress('Backing up files')
    const result = await backupPdsDir(store, {
      dataDir: options.dataDir,
      ...(options.blobstore !== undefined ? { blobstore: options.blobstore } : {}),
      ...(options.envFile !== undefined ? { envFile: options.envFile } : {}),
      force: options.force ?? false,
      signal,
      ...(seams.blobRetryDelayMs !== undefined ? { blobRetryDelayMs: seams.blobRetryDelayMs } : {}),
      onFile: (file) => {
        progress.tick()
        out.debug(`${file.reused ? 'unchanged' : file.stored ? 'stored   ' : 'present  '} ${file.root}/${file.path}`)
      },
      onSkipped: (path, why) => out.warn(`skipped ${path}: ${why}`),
    })
    progress.done()
    const { snapshot, problems } = result
    const s = snapshot.stats
    if (!snapshot.data.source.envFile) {
      out.info('Note: pds.env is not in this snapshot. A restore needs it (PDS_JWT_SECRET, the PLC rotation key); keep a copy elsewhere or pass --env-file.')
    }
    if (problems.length > 0) {
      for (const problem of problems) out.event('problem', { problem }, `problem: ${problem}`)
      throw new PartialFailureError(`Snapshot ${snapshot.id} was written, but ${problems.length} cop${problems.length === 1 ? 'y' : 'ies'} failed a check.`, {
        hint: 'The PDS files named above are damaged at the source; repair them (sqlite3 .recover) and back up again.',
        details: { snapshot: snapshot.id, problems },
      })
    }
    return {
      data: { snapshot: snapshot.id, kind: snapshot.kind, subject: snapshot.subject, stats: s },
      human:
        `Snapshot ${snapshot.id}: ${count(s.files, 'file')} (${count(s.sqlite, 'database')}, ${count(s.blobs, 'blob')}), ${formatBytes(s.bytes ?? 0)}; ` +
        `${count(s.newObjects, 'new object')} (${formatBytes(s.newBytes ?? 0)}), ${s.reused} unchanged since the last snapshot.`,
    }
  } finally {
    await lock.release()
  }
}

function count(n: number | undefined, noun: string): string {
  return `${n ?? 0} ${noun}${n === 1 ? '' : 's'}`
}

export async function run(options: BackupPdsDirOptions, cli: CliContext, seams: BackupPdsDirSeams = {}): Promise<void> {
  await runMaybeScheduled(options, cli, () => runOnce(options, cli, seams), seams)
}

export function registerSubcommand(backup: Command, context: CliContext): void {
  const command = backup
    .command('pds-dir')
    .description('copy a self-hosted PDS data directory (databases via SQLite online backup, blobs, keys), safe while it runs')
    .argument('<data-dir>', 'the PDS data directory (PDS_DATA_DIRECTORY; /pds in the official install)')
    .option('--blobstore <dir>', 'the disk blobstore (PDS_BLOBSTORE_DISK_LOCATION); default <data-dir>/blocks')
    .option('--env-file <path>', 'also back up this env file (pds.env); it holds the PDS secrets')
    .option('--force', 'read every file again, even those unchanged since the last snapshot')
  addEncryptOption(addStoreOption(command))
  addScheduleOptions(command).action(async (dataDir: string, flags: Omit<BackupPdsDirOptions, 'dataDir'>) => {
    await run({ ...flags, dataDir }, context)
  })
  withExamples(
    command,
    'sudo lifeboat backup pds-dir /pds --store /var/backups/lifeboat --env-file /pds/pds.env',
    'lifeboat backup pds-dir /pds --store /var/backups/lifeboat --cron "0 3 * * *"',
  )
  renameOption(command, '--force', '--reread', 'read every file again, even those unchanged since the last snapshot')
}
