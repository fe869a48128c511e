// `lifeboat replay <archive> --to <network> …`: replays an archive's follows, lists, mutes, blocks (and, per network,
// domain blocks, likes, rooms) onto an account on another server, with a journal next to the archive so that a rerun
// continues and never applies anything twice (docs/cli.md, docs/adapters/<network>.md).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../cli/adapter-context.js'
import type { ReplayKind, TargetFlags } from '../adapters/adapter.js'
import { targetFactoryLoader } from '../adapters/registry.js'
// Tests and benchmarks register their targets through this module too.
export { registerTargetFactory } from '../adapters/registry.js'
import { ArchiveReader } from '../archive/reader.js'
import { NETWORKS, type Network } from '../archive/format.js'
import { ReplayJournal, journalPath } from '../replay/journal.js'
import { replay, REPLAY_ORDER, type ReplayOptions } from '../replay/replay.js'
import type { ReplaySummary } from '../replay/report.js'
import { PartialFailureError, UnsupportedError, UsageError } from '../errors.js'

export interface ReplayCommandOptions extends TargetFlags {
  to: string
  only?: string
  dryRun?: boolean
}

function parseOnly(only: string | undefined, supported: readonly ReplayKind[]): ReplayKind[] {
  if (!only) return [...supported]
  const kinds = only.split(',').map((k) => k.trim()).filter(Boolean) as ReplayKind[]
  for (const kind of kinds) {
    if (!(REPLAY_ORDER as readonly string[]).includes(kind) && !['rooms', 'direct', 'account-data', 'profile'].includes(kind)) {
      throw new UsageError(`--only names an unknown kind "${kind}".`, { hint: `Use a comma-separated list of: ${supported.join(', ')}.` })
    }
  }
  return kinds
}

function summaryLine(summary: ReplaySummary): string {
  const lines = Object.entries(summary.counts).map(([kind, counts]) => `  ${kind}: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')}`)
  const deferred = summary.deferred.map((d) => `  ${d.kind}: ${d.remaining + 1} waiting for a server limit; run again after ${d.until}`)
  return ['Replay report:', ...lines, ...deferred].join('\n')
}

export async function run(archivePath: string, options: ReplayCommandOptions, cli: CliContext): Promise<ReplaySummary> {
  if (!(NETWORKS as readonly string[]).includes(options.to)) throw new UsageError(`--to ${options.to} is not a network Lifeboat knows.`, { hint: `Use one of: ${NETWORKS.join(', ')}.` })
  const load = targetFactoryLoader(options.to as Network)
  if (!load) throw new UnsupportedError(`Replaying onto ${options.to} is not available yet.`)
  const factory = await load()
  const context = adapterContext(cli)
  const archive = await ArchiveReader.open(archivePath)
  try {
    const { target, server, account } = await factory.create(options, context, cli.env)
    const only = parseOnly(options.only, target.capabilities.replays)
    const path = journalPath(archivePath, { network: options.to, server, account })
    const journal = await ReplayJournal.open(path)
    let summary: ReplaySummary
    try {
      cli.out.info(`${options.dryRun ? 'Planning' : 'Replaying'} ${only.join(', ')} from ${archivePath} onto ${account} at ${server} (journal: ${path}).`)
      if (target.plan && only.includes('follows')) {
        let pending = 0
        for await (const record of archive.records('following')) if (!journal.isDone('follows', record.account.id)) pending++
        for (const line of target.plan({ follows: pending })) cli.out.event('plan', { line }, line)
      }
      const replayOptions: ReplayOptions = { archive, target, journal, only, dryRun: Boolean(options.dryRun), context }
      // Matrix replays rooms, direct chats and account data, which the generic driver does not model: its target
      // takes the whole archive itself, with the same journal and report.
      const whole = (target as Partial<{ replayArchive(o: ReplayOptions): Promise<ReplaySummary> }>).replayArchive
      summary = whole ? await whole.call(target, replayOptions) : await replay(replayOptions)
    } finally {
      await journal.close()
    }
    const problems = summary.items.filter((i) => i.status === 'failed' || i.status === 'skipped')
    const human = [summaryLine(summary), ...problems.map((p) => `  ${p.status}: ${p.kind} ${p.subject}${p.reason ? ` (${p.reason})` : ''}`)].join('\n')
    cli.out.result({ ok: summary.failed === 0 && summary.deferred.length === 0, journal: path, counts: summary.counts, deferred: summary.deferred, items: summary.items }, human)
    if (summary.failed > 0) {
      throw new PartialFailureError(`${summary.failed} item${summary.failed === 1 ? '' : 's'} could not be replayed.`, { hint: 'Run the same command again to retry them; everything done is recorded in the journal.' })
    }
    if (summary.deferred.length > 0) {
      const d = summary.deferred[0]!
      throw new PartialFailureError(`The server's limit stopped the ${d.kind} replay with ${d.remaining + 1} left.`, { hint: `Run the same command again after ${d.until}; it continues from the journal.` })
    }
    return summary
  } finally {
    archive.close()
  }
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    program
      .command('replay')
      .description('replay follows, lists, mutes and blocks from an archive onto an account on a new server')
      .argument('<archive>', 'a Lifeboat archive')
      .requiredOption('--to <network>', `target network: ${NETWORKS.join(', ')}`)
      .option('--server <url>', 'Misskey or Mastodon-API server of the new account')
      .option('--token-env <NAME>', 'environment variable holding the new account\'s access token (Misskey, Mastodon, Matrix)')
      .option('--handle <handle>', 'AT Protocol: the new account')
      .option('--pds <url>', 'AT Protocol: the PDS of the new account')
      .option('--plc <url>', 'AT Protocol: PLC directory used to check that subjects still exist (default https://plc.directory)')
      .option('--password-env <NAME>', 'environment variable holding the new account\'s password (AT Protocol app password; Matrix password login)')
      .option('--homeserver <url>', 'Matrix: the new homeserver')
      .option('--user <mxid>', 'Matrix: the new account, e.g. @me:new.example')
      .option('--only <kinds>', `comma-separated subset of: ${REPLAY_ORDER.join(', ')}`)
      .option('--dry-run', 'show what would be done; change nothing')
      .action(async (archive: string, options: ReplayCommandOptions) => {
        await run(archive, options, cli)
      }),
    'LIFEBOAT_MISSKEY_TOKEN=… lifeboat replay old.zip --to misskey --server https://new.example --dry-run',
    'lifeboat replay old.zip --to mastodon --server https://social.example --only follows,lists',
  )
}
