// lifeboat restore pds-dir --store DIR --snapshot ID|latest --to-dir <empty dir>: write a PDS data directory back from a
// `pds-dir` snapshot, every byte verified; --relay-seq applies the relay-desync fix (docs/pds-backup.md).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { UsageError } from '../errors.js'
import { openStore } from '../store/store.js'
import { PDS_DIR_KIND } from '../store/pds-dir/backup.js'
import { restorePdsDir, restoredSequencerDb, setSequenceAfter, type SequenceFix } from '../store/pds-dir/restore.js'
import type { PdsDirData } from '../store/pds-dir/types.js'
import { formatBytes } from '../files/format-bytes.js'
import { addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'
import { renameOption } from '../cli/vocabulary.js'

export interface RestorePdsDirOptions extends StorePassphraseOptions {
  store: string
  snapshot: string
  to: string
  subject?: string
  blobstoreTo?: string
  /** The relay's last seen sequence number for this PDS (from `goat relay host status <host>`). */
  relaySeq?: number
}

export interface RestorePdsDirResult {
  snapshot: string
  to: string
  files: number
  bytes: number
  sequence: SequenceFix | null
}

function parseSeq(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--relay-seq ${JSON.stringify(text)} is not a sequence number.`)
  return Number(text)
}

export async function run(options: RestorePdsDirOptions, context: CliContext): Promise<RestorePdsDirResult> {
  const { out } = context
  const store = await openStore(options.store, storeEncryption(options, context))
  if (options.snapshot === 'latest' && !options.subject) {
    const subjects = new Set((await store.listSnapshots({ kind: PDS_DIR_KIND })).map((s) => s.subject.id))
    if (subjects.size > 1) {
      throw new UsageError(`The store holds ${subjects.size} PDS directories; "latest" is ambiguous.`, { hint: `Add --subject with one of: ${[...subjects].join(', ')}.` })
    }
  }
  const snapshot = await store.readSnapshot(options.snapshot, { kind: PDS_DIR_KIND, ...(options.subject ? { subject: options.subject } : {}) })
  const data = snapshot.data as unknown as PdsDirData
  out.info(`Restoring ${snapshot.id} (${snapshot.subject.id}, ${snapshot.createdAt}) into ${options.to}.`)
  const progress = out.progress('Restoring files', data.files?.length ?? 0)
  const result = await restorePdsDir(store, snapshot, {
    to: options.to,
    ...(options.blobstoreTo !== undefined ? { blobstoreTo: options.blobstoreTo } : {}),
    signal: context.signal,
    onFile: () => progress.tick(),
  })
  progress.done()
  let sequence: SequenceFix | null = null
  if (options.relaySeq !== undefined) {
    const db = await restoredSequencerDb(result.to)
    if (!db) throw new UsageError('--relay-seq was given but the snapshot has no sequencer.sqlite.')
    sequence = setSequenceAfter(db, options.relaySeq)
    out.info(`sequencer.sqlite: repo_seq counter ${sequence.before ?? 'unset'} → ${sequence.after}; new events follow what the relay has seen.`)
  } else {
    out.info('Before starting the PDS on this copy, read docs/pds-backup.md "After a restore": relays ignore events until the sequence is past what they saw (--relay-seq).')
  }
  if (!data.source.envFile) out.warn('this snapshot has no pds.env; put the original one beside the restored files before starting the PDS.')
  out.result(
    { ok: true, snapshot: snapshot.id, to: result.to, blobstore: result.blobstore, files: result.files, bytes: result.bytes, sequence },
    `Restored ${result.files} files (${formatBytes(result.bytes)}) into ${result.to}.`,
  )
  return { snapshot: snapshot.id, to: result.to, files: result.files, bytes: result.bytes, sequence }
}

export function registerSubcommand(restore: Command, context: CliContext): void {
  const command = restore
    .command('pds-dir')
    .description('write a PDS data directory back from a pds-dir snapshot into an empty directory')
    .requiredOption('--to <dir>', 'an empty or new directory to write into')
    .option('--snapshot <id>', 'snapshot id, unique id prefix, or "latest"', 'latest')
    .option('--subject <id>', 'with "latest": the newest snapshot of this PDS directory (host:/path)')
    .option('--blobstore-to <dir>', 'write blobs here instead of <to-dir>/blocks')
    .option('--relay-seq <n>', 'set the restored sequencer past this relay sequence number', parseSeq)
  addStoreOption(command).action(async (options: RestorePdsDirOptions) => {
    await run(options, context)
  })
  withExamples(
    command,
    'lifeboat restore pds-dir --store /var/backups/lifeboat --snapshot latest --to-dir /srv/pds-restored',
    'lifeboat restore pds-dir --store /var/backups/lifeboat --snapshot 2026-11-22 --to-dir /srv/pds-restored --relay-seq 123456',
  )
  // docs/cli.md "Flag vocabulary": --to is the network written to; the folder written to is --to-dir.
  renameOption(command, '--to', '--to-dir <dir>', 'an empty or new directory to write into (required)')
}
