// `lifeboat alias add --to <network> --to-server NEWURL <@user@old.host>`: adds the old account to the new account's
// aliases (alsoKnownAs) without dropping existing ones, then reads them back to confirm (docs/cli.md).
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../run-context.js'
import type { TargetFlags } from '../adapters/adapter.js'
import { migrationFor } from '../adapters/registry.js'
import { RemoteError, UsageError } from '../errors.js'

export function parseAcct(value: string, what: string): string {
  const acct = value.trim().replace(/^@/, '')
  if (!/^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?$/.test(acct) && !/^[A-Za-z0-9_.-]+@(localhost|127\.0\.0\.1)(:\d+)?$/.test(acct)) {
    throw new UsageError(`${what} "${value}" is not an account address.`, { hint: 'Write it as @user@host.example.' })
  }
  return `@${acct}`
}

export interface AliasOptions extends TargetFlags {
  to: string
}

export async function run(oldAccount: string, options: AliasOptions, cli: CliContext): Promise<{ aliases: string[]; changed: boolean }> {
  const old = parseAcct(oldAccount, 'The old account')
  if (!options.server) throw new UsageError('Name the new account\'s server with --server URL.')
  const factory = await migrationFor(options.to)
  const context = adapterContext(cli)
  const { migration, account } = await factory.create({ ...options, flavor: options.to }, context, cli.env)
  const result = await migration.addAlias(old)
  if (result.instructions) {
    cli.out.info(result.instructions.join('\n'))
  }
  // The adapter knows how its server spells an alias (a URI, an acct); the username match is only a fallback.
  const confirmed = result.confirmed ?? result.aliases.some((a) => a.toLowerCase().includes(old.slice(1).split('@')[0]!.toLowerCase()))
  cli.out.result(
    { ok: confirmed, account: account.handle ?? account.id, aliases: result.aliases, changed: result.changed },
    confirmed ? `${account.handle ?? account.id} now lists ${old} among its aliases: ${result.aliases.join(', ')}` : `${old} is not among the aliases yet.`,
  )
  if (!confirmed) {
    throw new RemoteError(`The alias ${old} did not show up on ${account.handle ?? account.id}.`, {
      hint: result.instructions ? 'Follow the steps above, then run this command again to check.' : 'Run the command again; if it persists, check the account\'s settings page.',
    })
  }
  return result
}

export function register(program: Command, cli: CliContext): void {
  const alias = program.command('alias').description('manage the aliases (alsoKnownAs) that let an old account move to a new one')
  withExamples(
    alias
      .command('add')
      .description('add an old account to the new account\'s aliases (keeps existing aliases)')
      .argument('<old-account>', 'the account you are moving from, e.g. @me@old.example')
      .requiredOption('--to <network>', 'the new server\'s network or software: misskey, sharkey, cherrypick, mastodon, gotosocial, akkoma')
      .requiredOption('--server <url>', 'the new account\'s server')
      .option('--token-env <NAME>', 'environment variable holding the new account\'s access token')
      .action(async (oldAccount: string, options: AliasOptions) => {
        await run(oldAccount, options, cli)
      }),
    'LIFEBOAT_MISSKEY_TOKEN=… lifeboat alias add --to misskey --to-server https://new.example @me@misskey.io',
  )
  renameOption(alias.commands.find((c) => c.name() === 'add')!, '--server', '--to-server <url>', "the new account's server (required)")
}
