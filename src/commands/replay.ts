// `lifeboat replay <archive> --to <network> …`: replays an archive's follows, lists, mutes, blocks (and, per network,
// domain blocks, likes, posts; Matrix's profile, rooms, direct chats and account data) onto an account on another
// server through the one replay driver (src/replay/), with a journal next to the archive so that a rerun continues
// and never applies anything twice (docs/cli.md, docs/adapters/<network>.md).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../run-context.js'
import type { ReplayKind, TargetFlags } from '../adapters/adapter.js'
import { targetFactoryLoader } from '../adapters/registry.js'
import { ArchiveReader } from '../archive/reader.js'
import { NETWORKS, type Network } from '../archive/format.js'
import { ReplayJournal, journalPath } from '../replay/journal.js'
import { replay, REPLAY_ORDER } from '../replay/replay.js'
import type { PostSelection } from '../replay/posts.js'
import { replayError, type ReplaySummary } from '../replay/report.js'
import { UnsupportedError, UsageError } from '../errors.js'
import { hiddenAliases } from '../cli/vocabulary.js'

export interface ReplayCommandOptions extends TargetFlags {
  to: string
  /**
   * The new account's server (--to-server; the hidden old spellings --server, --pds, --homeserver set it too): a
   * Misskey or Mastodon-API server, a PDS (AT Protocol: else found from --handle) or a Matrix homeserver. In-process
   * callers may still pass `server`, `pds` or `homeserver`.
   */
  toServer?: string
  only?: string
  dryRun?: boolean
  /** Re-create posts (AT Protocol); with --replies, --reposts, --since, --until choosing which. */
  posts?: boolean
  replies?: boolean
  reposts?: boolean
  since?: string
  until?: string
}

/** The --posts selection flags, checked; a date is anything Date.parse reads (2024-01-31, 2024-01-31T12:00:00Z). */
function postSelection(options: ReplayCommandOptions): PostSelection {
  const asked = options.posts || (options.only ?? '').split(',').some((k) => k.trim() === 'posts')
  for (const flag of ['replies', 'reposts', 'since', 'until'] as const) {
    if (options[flag] !== undefined && !asked) throw new UsageError(`--${flag} applies to posts only.`, { hint: 'Add --posts.' })
  }
  const date = (flag: 'since' | 'until'): string | undefined => {
    const value = options[flag]
    if (value === undefined) return undefined
    const ms = Date.parse(value)
    if (Number.isNaN(ms)) throw new UsageError(`--${flag} ${JSON.stringify(value).slice(0, 60)} is not a date.`, { hint: 'Use a date like 2024-01-31 or 2024-01-31T12:00:00Z.' })
    return new Date(ms).toISOString()
  }
  const selection: PostSelection = { replies: Boolean(options.replies), reposts: Boolean(options.reposts), since: date('since'), until: date('until') }
  if (selection.since && selection.until && selection.since >= selection.until) throw new UsageError('--since must be earlier than --until.')
  return selection
}

function parseOnly(only: string | undefined, supported: readonly ReplayKind[]): ReplayKind[] {
  if (!only) return [...supported]
  const kinds = only.split(',').map((k) => k.trim()).filter(Boolean) as ReplayKind[]
  for (const kind of kinds) {
    if (!(REPLAY_ORDER as readonly string[]).includes(kind)) {
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
  // One flag for every network; each target reads the field of its own network.
  const toServer = options.toServer ?? options.server ?? options.pds ?? options.homeserver
  if (!toServer && options.to !== 'atproto') {
    throw new UsageError(`--to ${options.to} needs --to-server, the new account's server.`, { hint: 'For example --to-server https://new.example.' })
  }
  const flags: TargetFlags = { ...options, server: toServer, pds: toServer, homeserver: toServer }
  const posts = postSelection(options)
  const factory = await load()
  const context = adapterContext(cli)
  const archive = await ArchiveReader.open(archivePath)
  try {
    const { target, server, account } = await factory.create(flags, context, cli.env)
    let summary: ReplaySummary
    let path: string
    try {
      // --posts alone replays posts alone; with --only, posts join the kinds it names.
      const only = options.posts ? [...new Set([...(options.only ? parseOnly(options.only, target.capabilities.replays) : []), 'posts' as const])] : parseOnly(options.only, target.capabilities.replays)
      path = journalPath(archivePath, { network: options.to, server, account })
      const journal = await ReplayJournal.open(path)
      try {
        cli.out.info(`${options.dryRun ? 'Planning' : 'Replaying'} ${only.join(', ')} from ${archivePath} onto ${account} at ${server} (journal: ${path}).`)
        if (target.plan && only.includes('follows')) {
          let pending = 0
          for await (const record of archive.records('following')) if (!journal.isDone('follows', record.account.id)) pending++
          for (const line of target.plan({ follows: pending })) cli.out.event('plan', { line }, line)
        }
        summary = await replay({ archive, target, journal, only, dryRun: Boolean(options.dryRun), context, posts })
      } finally {
        await journal.close()
      }
    } finally {
      await target.close?.()
    }
    const problems = summary.items.filter((i) => i.status === 'failed' || i.status === 'skipped' || i.status === 'unresolved')
    const human = [summaryLine(summary), ...problems.map((p) => `  ${p.status}: ${p.kind} ${p.subject}${p.reason ? ` (${p.reason})` : ''}`)].join('\n')
    const unresolved = summary.unresolved.map((i) => ({ kind: i.kind, subject: i.subject }))
    cli.out.result({ ok: summary.failed === 0 && summary.deferred.length === 0 && unresolved.length === 0, journal: path, counts: summary.counts, deferred: summary.deferred, unresolved, items: summary.items }, human)
    const ending = replayError(summary)
    if (ending) throw ending
    return summary
  } finally {
    archive.close()
  }
}

export function register(program: Command, cli: CliContext): void {
  const command = withExamples(
    program
      .command('replay')
      .description('replay follows, lists, mutes and blocks (and, with --posts, posts) from an archive onto an account on a new server')
      .argument('<archive>', 'a Lifeboat archive')
      .requiredOption('--to <network>', `target network: ${NETWORKS.join(', ')}`)
      .option('--to-server <url>', 'the new account\'s server: Misskey or Mastodon-API server, Matrix homeserver, AT Protocol PDS (default: found from --handle)')
      .option('--token-env <NAME>', 'environment variable holding the new account\'s access token (Misskey, Mastodon, Matrix)')
      .option('--handle <handle>', 'AT Protocol: the new account')
      .option('--plc <url>', 'AT Protocol: PLC directory used to check that subjects still exist (default https://plc.directory)')
      .option('--password-env <NAME>', 'environment variable holding the new account\'s password (AT Protocol app password; Matrix password login)')
      .option('--user <mxid>', 'Matrix: the new account, e.g. @me:new.example')
      .option('--only <kinds>', `comma-separated subset of: ${REPLAY_ORDER.join(', ')}`)
      .option('--posts', 'AT Protocol: re-create the archive\'s posts (alone, or with the kinds --only names)')
      .option('--replies', 'with --posts: also replies to other people\'s posts')
      .option('--reposts', 'with --posts: also reposts of AT Protocol posts')
      .option('--since <date>', 'with --posts: only posts created at or after this date')
      .option('--until <date>', 'with --posts: only posts created before this date')
      .option('--dry-run', 'show what would be done; change nothing')
      .action(async (archive: string, options: ReplayCommandOptions) => {
        await run(archive, options, cli)
      }),
    'LIFEBOAT_MISSKEY_TOKEN=… lifeboat replay old.zip --to misskey --to-server https://new.example --dry-run',
    'lifeboat replay old.zip --to mastodon --to-server https://social.example --only follows,lists',
    'lifeboat replay x.zip --to atproto --handle me.my-pds.example --posts --since 2020-01-01 --dry-run',
    'lifeboat replay old.zip --to matrix --to-server https://matrix.new.example --user @me:new.example',
  )
  hiddenAliases(command, '--to-server', '--server <url>', '--pds <url>', '--homeserver <url>')
}
