// `lifeboat export atproto <handle-or-did> -o <archive.zip>` (docs/adapters/atproto.md).
import { checkOutputHook, MKDIR_HELP } from '../cli/output-path.js'
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../cli/adapter-context.js'
import { readSecret } from '../cli/secrets.js'
import { resolveIdentity } from '../adapters/atproto/identity.js'
import { PdsSession } from '../adapters/atproto/session.js'
import { AtprotoSource } from '../adapters/atproto/source.js'
import { exportParent, runExport, type ExportResult } from './export.js'

export const DEFAULT_PASSWORD_ENV = 'LIFEBOAT_ATPROTO_PASSWORD'

export interface ExportAtprotoOptions {
  output: string
  pds?: string
  plc?: string
  passwordEnv?: string
  login?: boolean
  force?: boolean
}

export async function run(actor: string, options: ExportAtprotoOptions, cli: CliContext): Promise<ExportResult> {
  const context = adapterContext(cli)
  const identity = await resolveIdentity(actor, { http: context.http, pds: options.pds, plc: options.plc })
  cli.out.debug(`${actor} is ${identity.did} on ${identity.pds}`)
  // Like the other networks' default variables, LIFEBOAT_ATPROTO_PASSWORD is used whenever it is set.
  const fromDefault = !options.passwordEnv && Boolean(cli.env[DEFAULT_PASSWORD_ENV])
  if (fromDefault) cli.out.info(`Using the app password in ${DEFAULT_PASSWORD_ENV} (adds preferences).`)
  const password = options.passwordEnv || options.login || fromDefault
    ? await readSecret({ label: `app password for ${identity.handle ?? identity.did}`, envName: options.passwordEnv ?? DEFAULT_PASSWORD_ENV, explicit: Boolean(options.passwordEnv), env: cli.env, required: true })
    : undefined
  const session = password ? await PdsSession.open(context, identity.pds, identity.did, password, identity.did) : undefined
  const source = new AtprotoSource(context, { identity, session, plc: options.plc })
  return runExport(source, options, cli)
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    exportParent(program)
      .command('atproto')
      .description('export an AT Protocol (Bluesky) account: repo CAR, blobs, records, preferences')
      .argument('<handle-or-did>', 'e.g. alice.bsky.social or did:plc:…')
      .requiredOption('-o, --output <archive.zip>', 'archive to write')
      .option('--pds <url>', 'the PDS to read from (skips handle/DID discovery)')
      .option('--plc <url>', 'PLC directory (default https://plc.directory)')
      .option('--password-env <NAME>', `environment variable holding an app password (for preferences; default ${DEFAULT_PASSWORD_ENV} when set)`)
      .option('--login', 'ask for an app password on the terminal (for preferences)')
      .option('--force', 'replace an existing archive at the output path')
      .option('--mkdir', MKDIR_HELP)
      .hook('preAction', checkOutputHook)
      .action(async (actor: string, options: ExportAtprotoOptions) => {
        await run(actor, options, cli)
      }),
    'lifeboat export atproto alice.bsky.social -o alice.zip',
    'LIFEBOAT_ATPROTO_PASSWORD=xxxx-xxxx-xxxx-xxxx lifeboat export atproto alice.bsky.social -o alice.zip --password-env LIFEBOAT_ATPROTO_PASSWORD',
  )
  renameOption(program.commands.find((c) => c.name() === 'export')!.commands.find((c) => c.name() === 'atproto')!, '--pds', '--server <url>', "the account's server (PDS) to read from (skips handle/DID discovery)")
}
