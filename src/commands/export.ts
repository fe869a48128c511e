// `lifeboat export <network> …`: the parent command, and the run shared by every network's export:
// open the writer, let the Source stream into it, finish (manifest last, verified, renamed) or abort.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import type { SinceState, Source } from '../adapters/adapter.js'
import { ArchiveReader } from '../archive/reader.js'
import { nativeMember, type Network } from '../archive/format.js'
import type { AccountRef } from '../archive/records.js'
import { ArchiveWriter } from '../archive/writer.js'
import type { Manifest } from '../archive/records.js'
import { PartialFailureError, UsageError } from '../errors.js'
import { formatBytes } from '../files/format-bytes.js'
import { parentCommand } from '../cli/help.js'

export interface ExportCommandOptions {
  output: string
  force?: boolean
  /** From `--since <earlier archive>`: recorded in the manifest and handed to the Source. */
  since?: SinceState
}

export interface ExportResult {
  archive: string
  manifest: Manifest
  failures: { kind: string; item: string; reason: string }[]
}

export function exportParent(program: Command): Command {
  return parentCommand(program, 'export', 'export an account into a portable archive (docs/archive-format.md)')
}

export function requireOutput(output: string | undefined): string {
  if (!output) throw new UsageError('No output archive was named.', { hint: 'Add -o <archive.zip>.' })
  if (!output.endsWith('.zip')) throw new UsageError(`The output ${output} does not end in .zip.`, { hint: 'Name the archive something.zip.' })
  return output
}

export interface WrittenArchive {
  manifest: Manifest
  failures: ExportResult['failures']
}

/**
 * The one export run: opens the writer at `options.output`, lets the Source stream into it, and finishes it (manifest
 * last, verified, renamed) or aborts it. Per-item failures are noted in the archive and returned. `runExport` prints
 * the result; the store's backups (src/backup/) ingest the archive instead.
 */
export async function writeArchive(source: Source, options: ExportCommandOptions & { viewer?: boolean }, cli: Pick<CliContext, 'out' | 'signal'>): Promise<WrittenArchive> {
  const { server, account } = await source.describe()
  const writer = await ArchiveWriter.open({
    path: requireOutput(options.output),
    force: options.force,
    signal: cli.signal,
    source: { network: source.capabilities.network, server, account },
    since: options.since ? { archive: options.since.createdAt, cursor: options.since.cursor } : null,
    ...(options.viewer === false ? { viewer: false } : {}),
  })
  if (writer.resumedMedia > 0) cli.out.info(`Resuming: ${writer.resumedMedia} media files were already downloaded by an interrupted run.`)
  try {
    const report = await source.exportTo(writer, options.since ? { since: options.since } : {})
    for (const failure of report.failures) writer.note(`failed ${failure.kind} ${failure.item}: ${failure.reason}`)
    return { manifest: await writer.finish(), failures: report.failures }
  } catch (error) {
    await writer.abort()
    throw error
  }
}

export async function runExport(source: Source, options: ExportCommandOptions, cli: CliContext): Promise<ExportResult> {
  const { manifest, failures } = await writeArchive(source, options, cli)
  const mediaBytes = Object.entries(manifest.members).reduce((n, [name, m]) => (name.startsWith('media/') ? n + m.size : n), 0)
  for (const failure of failures) cli.out.event('item-failed', failure)
  const counts = Object.entries(manifest.counts).map(([k, v]) => `${k} ${v}`).join(', ')
  cli.out.result(
    { ok: failures.length === 0, archive: options.output, counts: manifest.counts, mediaBytes, failures, since: manifest.since?.archive ?? null },
    `Wrote ${options.output}${options.since ? ` (new since ${options.since.createdAt})` : ''}: ${counts}; media ${formatBytes(mediaBytes)}.`,
  )
  if (failures.length > 0) {
    throw new PartialFailureError(`${failures.length} item${failures.length === 1 ? '' : 's'} could not be exported; the archive holds everything else.`, {
      hint: 'The archive notes list each failure; run the export again later to try them again.',
      details: { failures: failures.length },
    })
  }
  return { archive: options.output, manifest, failures }
}

/**
 * Opens the archive named by `--since`: it must be an archive of the same account on the same network. Returns its
 * date and the adapter's cursor (`native/<network>/cursor.json`), or what `fallback` derives from its records when an
 * older archive has no cursor file; UsageError when neither exists.
 */
export async function readEarlierArchive<C>(
  path: string,
  expect: { network: Network; account: AccountRef },
  fallback?: (reader: ArchiveReader) => Promise<C>,
): Promise<SinceState & { cursor: C }> {
  const reader = await ArchiveReader.open(path)
  try {
    const { source, createdAt } = reader.manifest
    const sameAccount = source.account.id === expect.account.id || (expect.account.handle !== undefined && source.account.handle === expect.account.handle)
    if (source.network !== expect.network || !sameAccount) {
      throw new UsageError(`--since ${path} is an archive of ${source.account.handle ?? source.account.id} on ${source.network}, not of ${expect.account.handle ?? expect.account.id} on ${expect.network}.`, {
        hint: 'Give --since an earlier archive of this same account.',
      })
    }
    const member = nativeMember(expect.network, 'cursor.json')
    if (reader.has(member)) return { createdAt, cursor: await reader.readJson<C>(member) }
    if (fallback) return { createdAt, cursor: await fallback(reader) }
    throw new UsageError(`--since ${path} has no ${member}.`, { hint: `Use an archive written by \`lifeboat export ${expect.network}\`.` })
  } finally {
    reader.close()
  }
}
