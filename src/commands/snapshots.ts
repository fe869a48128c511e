// lifeboat snapshots --store DIR: list the snapshots in a backup store, oldest first (docs/backup-store.md).
// The table goes to stdout (data); --json gives one result object with every snapshot's summary.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { openStore } from '../store/store.js'
import type { Snapshot } from '../store/format.js'
import { formatBytes } from '../files/format-bytes.js'
import { addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'

export interface SnapshotsOptions extends StorePassphraseOptions {
  store: string
  kind?: string
  subject?: string
}

export interface SnapshotSummary {
  id: string
  createdAt: string
  kind: string
  subject: Snapshot['subject']
  objects: number
  stats: Record<string, number>
}

function summary(s: Snapshot): SnapshotSummary {
  return { id: s.id, createdAt: s.createdAt, kind: s.kind, subject: s.subject, objects: s.objects.length, stats: s.stats }
}

function table(rows: SnapshotSummary[]): string {
  const head = ['ID', 'CREATED (UTC)', 'KIND', 'SUBJECT', 'OBJECTS', 'SIZE']
  const body = rows.map((r) => [
    r.id,
    r.createdAt.slice(0, 19).replace('T', ' '),
    r.kind,
    r.subject.handle ? `${r.subject.handle} (${r.subject.id})` : r.subject.server ? `${r.subject.id} (${r.subject.server})` : r.subject.id,
    String(r.objects),
    typeof r.stats.bytes === 'number' ? formatBytes(r.stats.bytes) : '-',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')
  return [line(head), ...body.map(line)].join('\n') + '\n'
}

export async function run(options: SnapshotsOptions, context: CliContext): Promise<SnapshotSummary[]> {
  const store = await openStore(options.store, storeEncryption(options, context))
  const scan = await store.scanSnapshots({ ...(options.kind ? { kind: options.kind } : {}), ...(options.subject ? { subject: options.subject } : {}) })
  for (const problem of scan.problems) context.out.warn(`${problem} (run lifeboat verify-store)`)
  const rows = scan.snapshots.map(summary)
  if (!context.out.json) context.out.data(rows.length > 0 ? table(rows) : '')
  // The sound snapshots are listed either way; a damaged manifest still makes the exit 12 (docs/backup-store.md §2.4).
  if (scan.problems.length > 0) throw store.damaged(scan.problems)
  context.out.result({ ok: true, store: options.store, snapshots: rows, problems: scan.problems }, `${rows.length} snapshot${rows.length === 1 ? '' : 's'}.`)
  return rows
}

export function register(program: Command, context: CliContext): void {
  const command = program
    .command('snapshots')
    .description('list the snapshots in a backup store')
    .option('--kind <kind>', 'only snapshots of this kind (atproto-repo, pds-dir, account-archive)')
    .option('--subject <id>', 'only snapshots of this subject (a DID, a handle, host:/path of a PDS directory, or network:account id)')
  addStoreOption(command).action(async (options: SnapshotsOptions) => {
    await run(options, context)
  })
  withExamples(command, 'lifeboat snapshots --store /var/backups/lifeboat', 'lifeboat --json snapshots --store /var/backups/lifeboat --kind pds-dir')
}
