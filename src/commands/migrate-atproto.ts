// `lifeboat migrate atproto <handle-or-did> --to-pds URL --new-handle H --email E [--yes]`: moves an AT Protocol
// account to another PDS keeping its DID (docs/adapters/atproto.md "Migration"). Without --yes it copies everything
// and stops before the irreversible PLC step; --dry-run only reads and prints the plan.
import type { Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../run-context.js'
import { readSecret } from '../cli/secrets.js'
import { isEnvName } from '../env-name.js'
import { registerSecret } from '../net/redact.js'
import { DEFAULT_PLC, parseActor } from '../adapters/atproto/identity.js'
import { parseRotationKey } from '../adapters/atproto/migration-identity.js'
import { migrateAccount } from '../adapters/atproto/migration.js'
import type { MigrateInput, MigrationReport } from '../adapters/atproto/migration-steps.js'
import type { MigrationState, MigrationStep } from '../adapters/atproto/migration-state.js'
import { assertSecureUrl } from '../net/secure-url.js'
import { PartialFailureError, UsageError } from '../errors.js'

export interface MigrateAtprotoOptions {
  toPds?: string
  newHandle?: string
  email?: string
  inviteCode?: string
  dryRun?: boolean
  yes?: boolean
  state?: string
  plc?: string
  passwordEnv?: string
  newPasswordEnv?: string
  plcTokenEnv?: string
  rotationKey?: string
}

export interface MigrateSeams {
  onStep?: (step: MigrationStep, state: MigrationState) => void | Promise<void>
  activateDelaysMs?: number[]
  cwd?: string
}

function statusLines(report: MigrationReport): string[] {
  const remaining = report.steps.filter((s) => !s.done)
  return remaining.map((s) => `  to do: ${s.step}: ${s.title}`)
}

export async function run(actor: string, options: MigrateAtprotoOptions, cli: CliContext, seams: MigrateSeams = {}): Promise<MigrationReport> {
  parseActor(actor)
  const plc = assertSecureUrl(options.plc ?? DEFAULT_PLC, '--plc').origin
  const rotationKey = options.rotationKey ? parseRotationKey(options.rotationKey) : undefined
  const tokenEnv = options.plcTokenEnv ?? 'LIFEBOAT_PLC_TOKEN'
  if (!isEnvName(tokenEnv)) throw new UsageError('--plc-token-env takes the NAME of an environment variable.', { hint: 'e.g. --plc-token-env PLC_TOKEN' })
  const password = await readSecret({
    label: 'password of the account (its own password, not an app password)',
    envName: options.passwordEnv ?? 'LIFEBOAT_ATPROTO_PASSWORD',
    explicit: Boolean(options.passwordEnv),
    env: cli.env,
    required: true,
  })
  const newPassword = options.newPasswordEnv
    ? await readSecret({ label: 'password for the account on the new PDS', envName: options.newPasswordEnv, explicit: true, env: cli.env, required: true })
    : undefined
  const context = adapterContext(cli)
  const input: MigrateInput = {
    actor,
    toPds: options.toPds,
    newHandle: options.newHandle,
    email: options.email,
    inviteCode: options.inviteCode,
    statePath: options.state,
    stateDir: seams.cwd,
    plc,
    password,
    newPassword,
    rotationKey,
    dryRun: Boolean(options.dryRun),
    yes: Boolean(options.yes),
    async plcToken(ask) {
      const value = cli.env[tokenEnv]?.trim()
      if (value) {
        registerSecret(value)
        return value
      }
      if (!ask) return undefined
      return readSecret({ label: 'PLC token from the email (e.g. ABCDE-FGHIJ)', envName: tokenEnv, explicit: false, env: cli.env, required: false })
    },
    onStep: seams.onStep,
    activateDelaysMs: seams.activateDelaysMs,
  }
  const report = await migrateAccount(context, input)
  const data = { ok: report.finished || report.dryRun || report.waitingFor === 'yes', ...report }
  if (report.dryRun) {
    cli.out.result(data, `Dry run: nothing was changed.${report.finished ? ' Every step is done.' : ''}`)
  } else if (report.finished) {
    cli.out.result(data, `${report.did} now lives on ${new URL(report.newPds).host}; the old account is deactivated (not deleted). State: ${report.statePath}`)
  } else if (report.waitingFor === 'yes') {
    cli.out.result(
      data,
      [
        `Everything is copied to ${new URL(report.newPds).host} and checked. Stopped before the PLC step, which moves the DID and cannot be undone here.`,
        ...statusLines(report),
        'Run the same command with --yes to finish (a PLC token will be emailed to the old account\'s address; have it ready within 15 minutes).',
      ].join('\n'),
    )
  } else if (report.waitingFor === 'plc-token') {
    cli.out.result(data)
    throw new PartialFailureError('Waiting for the PLC token that was emailed to the old account\'s address.', {
      hint: `Within 15 minutes, run the same command again with ${tokenEnv}=<token> in the environment (or in a terminal, to be asked).`,
    })
  } else if (report.waitingFor === 'did-web') {
    cli.out.result(data, (report.instructions ?? []).join('\n'))
    throw new PartialFailureError('The did:web document must be updated by hand before the migration can finish.', { hint: 'Follow the lines above, then run the same command again.' })
  }
  return report
}

/** `lifeboat migrate`: the parent of per-network account moves that keep the identity. */
export function migrateParent(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'migrate')
  if (existing) return existing
  return program.command('migrate').description('move an account to another server keeping its identity')
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    migrateParent(program)
      .command('atproto')
      .description('move an AT Protocol account to another PDS keeping its DID (resumable; the PLC step needs --yes)')
      .argument('<handle-or-did>', 'the account to move, e.g. alice.bsky.social or did:plc:…')
      .option('--to-pds <url>', 'the new PDS (needed for a new migration)')
      .option('--new-handle <handle>', 'the handle on the new PDS, e.g. alice.new-pds.example (needed for a new migration)')
      .option('--email <address>', 'email address for the account on the new PDS (needed for a new migration)')
      .option('--invite-code <code>', 'invite code, when the new PDS requires one')
      .option('--password-env <NAME>', 'environment variable holding the account password (not an app password)')
      .option('--new-password-env <NAME>', 'environment variable holding the password for the new PDS (default: the same)')
      .option('--plc-token-env <NAME>', 'environment variable holding the emailed PLC token (default LIFEBOAT_PLC_TOKEN)')
      .option('--rotation-key <did:key>', 'a public key you hold, added first among the DID\'s rotation keys')
      .option('--plc <url>', 'PLC directory (default https://plc.directory)')
      .option('--state <file>', 'state file (default ./lifeboat-migrate-<did>.json)')
      .option('--dry-run', 'print the plan and what each PDS holds; change nothing')
      .option('--yes', 'also do the irreversible PLC step, then activate the new account and deactivate the old')
      .action(async (account: string, options: MigrateAtprotoOptions) => {
        await run(account, options, cli)
      }),
    'LIFEBOAT_ATPROTO_PASSWORD=… lifeboat migrate atproto alice.bsky.social --to-pds https://pds.example.com --new-handle alice.pds.example.com --email alice@example.com --dry-run',
    'lifeboat migrate atproto did:plc:abc --to-pds https://pds.example.com --new-handle alice.pds.example.com --email alice@example.com --yes',
  )
  renameOption(program.commands.find((c) => c.name() === 'migrate')!.commands.find((c) => c.name() === 'atproto')!, '--to-pds', '--to-server <url>', 'the new PDS (needed for a new migration)')
}
