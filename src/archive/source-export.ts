// The one export run: a Source streamed into an ArchiveWriter. Used by `lifeboat export` (which prints the result) and
// by the store's account backups (src/backup/, which ingest the archive instead).
import type { ItemFailure, SinceState, Source } from '../adapters/adapter.js'
import type { Output } from '../output.js'
import type { Manifest } from './records.js'
import { ArchiveWriter } from './writer.js'

export interface SourceExportOptions {
  /** The archive to write; checked by the caller (a .zip path). */
  output: string
  force?: boolean
  /** From `--since <earlier archive>`: recorded in the manifest and handed to the Source. */
  since?: SinceState
  /** false: no embedded viewer (backups, whose archives are taken apart). */
  viewer?: boolean
}

export interface WrittenArchive {
  manifest: Manifest
  failures: ItemFailure[]
}

/**
 * Opens the writer at `options.output`, lets the Source stream into it, and finishes it (manifest last, verified,
 * renamed) or aborts it. Per-item failures are noted in the archive and returned.
 */
export async function writeArchive(source: Source, options: SourceExportOptions, run: { out: Output; signal: AbortSignal }): Promise<WrittenArchive> {
  const { server, account } = await source.describe()
  // The Source's first requests run while the writer opens (lock, staging folder, the record checks).
  source.beginExport?.()
  const writer = await ArchiveWriter.open({
    path: options.output,
    force: options.force,
    signal: run.signal,
    source: { network: source.capabilities.network, server, account },
    since: options.since ? { archive: options.since.createdAt, cursor: options.since.cursor } : null,
    ...(options.viewer === false ? { viewer: false } : {}),
  })
  if (writer.resumedMedia > 0) run.out.info(`Resuming: ${writer.resumedMedia} media files were already downloaded by an interrupted run.`)
  try {
    const report = await source.exportTo(writer, options.since ? { since: options.since } : {})
    for (const failure of report.failures) writer.note(`failed ${failure.kind} ${failure.item}: ${failure.reason}`)
    return { manifest: await writer.finish(), failures: report.failures }
  } catch (error) {
    await writer.abort()
    throw error
  }
}
