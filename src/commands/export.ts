// `lifeboat export <network> …`: the parent command, and the run shared by every network's export: open the
// network's Source through the adapter registry (its flags, secrets, login and --since), open the writer, let the
// Source stream into it, finish (manifest last, verified, renamed) or abort. Each commands/export-<network>.ts only
// declares its flags.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import type { AdapterContext, NetworkAdapter, OpenedSource, SinceState, Source, SourceFlags } from '../adapters/adapter.js'
import type { HttpClientOptions } from '../net/http-client.js'
import { networkAdapter } from '../adapters/registry.js'
import type { Network } from '../archive/format.js'
import { adapterContext } from '../run-context.js'
import { writeArchive } from '../archive/source-export.js'
import type { Manifest } from '../archive/records.js'
import { PartialFailureError, UnsupportedError, UsageError } from '../errors.js'
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

export async function runExport(source: Source, options: ExportCommandOptions, cli: CliContext): Promise<ExportResult> {
  const { manifest, failures } = await writeArchive(source, { ...options, output: requireOutput(options.output) }, cli)
  const mediaBytes = Object.entries(manifest.members).reduce((n, [name, m]) => (name.startsWith('media/') ? n + m.size : n), 0)
  for (const failure of failures) cli.out.event('item-failed', { ...failure })
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

/** Test and benchmark knobs: a whole context instead of the CLI's, or options for the CLI's HTTP client. */
export interface ExportSeams {
  context?: AdapterContext
  http?: Partial<HttpClientOptions>
}

/** `lifeboat export <network>`: opens the network's Source from the registry with the command's flags and exports it. */
export async function exportNetwork(network: Network, options: NetworkExportOptions, cli: CliContext, seams: ExportSeams = {}): Promise<ExportResult> {
  requireOutput(options.output)
  return exportWith(await networkAdapter(network), options, cli, seams)
}

export type NetworkExportOptions = SourceFlags & { output: string; force?: boolean }

/** The same with an adapter in hand (one built with test knobs). */
export async function exportWith(adapter: NetworkAdapter, options: NetworkExportOptions, cli: CliContext, seams: ExportSeams = {}): Promise<ExportResult> {
  const openSource = adapter.openSource
  if (!openSource) throw new UnsupportedError(`Lifeboat cannot export ${adapter.capabilities.network} accounts from a server.`)
  const context = seams.context ?? adapterContext(cli, { ...adapter.sourceHttp, ...seams.http })
  return exportOpened(() => openSource(options, context, cli.env), options, cli)
}

/**
 * The one opening of every export and import: checks the output path, opens the Source (`open` gets the checked
 * path: importers unpack beside it), runs the export (writer, report) and releases the Source whatever happens.
 */
export async function exportOpened(open: (output: string) => Promise<OpenedSource>, options: { output: string; force?: boolean }, cli: CliContext): Promise<ExportResult> {
  const output = requireOutput(options.output)
  const opened = await open(output)
  try {
    return await runExport(opened.source, { output, force: options.force, since: opened.since }, cli)
  } finally {
    await opened.close()
  }
}
