// `lifeboat move --from <network> --server OLDURL --to-account <@user@new.host> [--archive FILE] [--yes]`: the irreversible
// account move, guarded (docs/cli.md): a preflight (the new account resolves from the old server and lists the old
// account among its aliases; the follows have been recorded in an archive), a dry run by default, and --yes to act.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../run-context.js'
import type { PreflightCheck, TargetFlags } from '../adapters/adapter.js'
import { ArchiveReader } from '../archive/reader.js'
import { PartialFailureError, UsageError } from '../errors.js'
import { migrationFor } from '../adapters/registry.js'
import { parseAcct } from './alias.js'
import { renameOption } from '../cli/vocabulary.js'

export interface MoveOptions extends TargetFlags {
  from: string
  to: string
  archive?: string
  yes?: boolean
}

async function followsRecorded(archive: string | undefined, account: { id: string; handle?: string }): Promise<PreflightCheck> {
  const name = 'follows recorded'
  if (!archive) return { name, ok: false, detail: 'no --archive given: export the old account first (the move does not carry follows)' }
  try {
    const reader = await ArchiveReader.open(archive)
    const m = reader.manifest
    reader.close()
    const same = m.source.account.id === account.id || (account.handle !== undefined && m.source.account.handle === account.handle)
    if (!same) return { name, ok: false, detail: `${archive} is an archive of ${m.source.account.handle ?? m.source.account.id}, not of this account` }
    if (m.counts.following === undefined) return { name, ok: false, detail: `${archive} holds no follow list` }
    return { name, ok: true, detail: `${m.counts.following} follows in ${archive} (${m.createdAt})` }
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message }
  }
}

export async function run(options: MoveOptions, cli: CliContext): Promise<{ moved: boolean; checks: PreflightCheck[] }> {
  const target = parseAcct(options.to, 'The new account')
  if (!options.server) throw new UsageError('Name the old account\'s server with --server URL.')
  const factory = await migrationFor(options.from)
  const context = adapterContext(cli)
  const { migration, account } = await factory.create({ ...options, flavor: options.from }, context, cli.env)
  const checks = [...(await migration.preflight(target)), await followsRecorded(options.archive, account)]
  for (const check of checks) cli.out.event('check', { ...check }, `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`)
  const failed = checks.filter((c) => !c.ok)
  if (failed.length > 0) {
    cli.out.result({ ok: false, moved: false, checks })
    throw new PartialFailureError(`The move was not attempted: ${failed.map((c) => c.name).join(', ')} failed.`, { hint: 'Fix what the failed checks say, then run again.' })
  }
  if (!options.yes) {
    cli.out.result({ ok: true, moved: false, dryRun: true, checks }, `Dry run: every check passed. Moving ${account.handle ?? account.id} to ${target} is irreversible; run again with --yes to do it.`)
    return { moved: false, checks }
  }
  const result = await migration.move(target)
  if (result.instructions) cli.out.info(result.instructions.join('\n'))
  cli.out.result({ ok: result.moved, moved: result.moved, checks }, result.moved ? `${account.handle ?? account.id} has moved to ${target}.` : 'The move has not happened yet.')
  return { moved: result.moved, checks }
}

export function register(program: Command, cli: CliContext): void {
  const move = withExamples(
    program
      .command('move')
      .description('move an account to a new one (irreversible; checks first, dry run unless --yes)')
      .requiredOption('--from <network>', 'the old server\'s network or software: misskey (sharkey, cherrypick), mastodon, gotosocial, akkoma')
      .requiredOption('--server <url>', 'the old account\'s server')
      .requiredOption('--to <account>', 'the new account, e.g. @me@new.example')
      .option('--token-env <NAME>', 'environment variable holding the old account\'s token')
      .option('--password-env <NAME>', 'environment variable holding the old account\'s password (GoToSocial, Akkoma)')
      .option('--archive <file>', 'an archive of the old account, proving its follows were recorded')
      .option('--yes', 'really move (without it, only the checks and the plan are shown)')
      .action(async (options: MoveOptions) => {
        await run(options, cli)
      }),
    'lifeboat move --from misskey --server https://misskey.io --to-account @me@new.example --archive me.zip',
    'lifeboat move --from misskey --server https://misskey.io --to-account @me@new.example --archive me.zip --yes',
  )
  // docs/cli.md "Flag vocabulary": --to is the network written to; the new account is --to-account.
  renameOption(move, '--to', '--to-account <account>', 'the new account, e.g. @me@new.example (required)')
}
