// lifeboat verify-store --store DIR: every snapshot parses and every object it needs exists and hashes right
// (docs/backup-store.md). Exit 0 when sound, 12 listing each problem. A separate command from `verify`, which checks
// archives: the two take different things and fail in different ways.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { BadArchiveError } from '../errors.js'
import { openStore } from '../store/store.js'
import type { StoreVerifyReport } from '../store/verify.js'
import { formatBytes } from '../files/format-bytes.js'
import { addStoreOption, storeEncryption, type StorePassphraseOptions } from './store-option.js'

export interface VerifyStoreOptions extends StorePassphraseOptions {
  store: string
  /** Only check that objects exist, without reading them. */
  quick?: boolean
}

export async function run(options: VerifyStoreOptions, context: CliContext): Promise<StoreVerifyReport> {
  const store = await openStore(options.store, storeEncryption(options, context))
  const progress = context.out.progress('Checking objects')
  const report = await store.verify({ readData: !options.quick, signal: context.signal, onObject: () => progress.tick() })
  progress.done()
  for (const problem of report.problems) context.out.event('problem', { problem }, `problem: ${problem}`)
  if (!report.ok) {
    throw new BadArchiveError(`The backup store ${options.store} is not sound: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found.`, {
      hint: 'Snapshots named above cannot be restored in full; take a new backup and restore from another snapshot or copy.',
      problems: report.problems,
    })
  }
  context.out.result(
    { ok: true, store: options.store, snapshots: report.snapshots, objects: report.objects, bytes: report.bytes, unreferenced: report.unreferenced, readData: !options.quick },
    `${options.store}: sound (${report.snapshots} snapshots, ${report.objects} objects, ${formatBytes(report.bytes)} ${options.quick ? 'present' : 'checked'}` +
      `${report.unreferenced > 0 ? `; ${report.unreferenced} unreferenced objects, removed by forget --prune` : ''}).`,
  )
  return report
}

export function register(program: Command, context: CliContext): void {
  const command = program
    .command('verify-store')
    .description('check a backup store: every snapshot readable, every object present and hashing right')
    .option('--quick', 'only check that objects exist, without reading them')
  addStoreOption(command).action(async (options: VerifyStoreOptions) => {
    await run(options, context)
  })
  withExamples(command, 'lifeboat verify-store --store /var/backups/lifeboat')
}
