// Opens the Source of a Misskey, Mastodon or Matrix account for a backup, through the same code as `lifeboat export
// <network>` (its openSource), and finds the `--since` state once the account is known. Matrix takes its `--since`
// when the Source is built, the others when it exports; the account's id is known before the login for Matrix (the
// user ID) and after it for the others (describe()).
import type { AdapterContext, SinceState, Source } from '../adapters/adapter.js'
import type { AccountRef } from '../archive/records.js'
import type { CliContext } from '../cli/main.js'
import type { HttpClientOptions } from '../net/http-client.js'
import { checkUserId } from '../adapters/matrix/session.js'
import type { MatrixCursor } from '../adapters/matrix/source.js'
import { UsageError } from '../errors.js'
import type { AccountNetwork } from './account-format.js'

/** The flags of the matching export command that name the account and its secret. */
export interface AccountFlags {
  /** Misskey and Mastodon: the server. Matrix: the homeserver (also accepted as `homeserver`). */
  server?: string
  homeserver?: string
  /** Matrix: the account's user ID. */
  user?: string
  tokenEnv?: string
  /** Matrix only. */
  passwordEnv?: string
  rooms?: string
  includeLeft?: boolean
  keys?: string
  passphraseEnv?: string
}

/** Knobs for tests; the CLI uses the defaults. */
export interface SourceDeps {
  /** Misskey: HTTP client options (tests shorten retry waits). */
  http?: Partial<HttpClientOptions>
  /** Mastodon and Matrix: a ready context (tests route requests through a fault proxy). */
  context?: AdapterContext
}

export interface OpenedAccount {
  source: Source
  account: AccountRef
  since: SinceState | undefined
  close(): Promise<void>
}

/** `sinceFor` returns the parent's `--since` state for this account, or undefined for a full export. */
export type SinceFor = (account: AccountRef) => Promise<SinceState | undefined>

export async function openAccount(network: AccountNetwork, flags: AccountFlags, cli: CliContext, sinceFor: SinceFor, deps: SourceDeps = {}): Promise<OpenedAccount> {
  const none = async () => {}
  if (network === 'misskey') {
    if (!flags.server) throw new UsageError('Name the Misskey server with --server URL.')
    const { openSource } = await import('../commands/export-misskey.js')
    const { source } = await openSource({ server: flags.server, tokenEnv: flags.tokenEnv }, cli, { http: deps.http })
    const { account } = await source.describe()
    return { source, account, since: await sinceFor(account), close: none }
  }
  if (network === 'mastodon') {
    if (!flags.server) throw new UsageError('Name the Mastodon server with --server URL.')
    const { openSource } = await import('../commands/export-mastodon.js')
    const { source, account } = await openSource({ server: flags.server, tokenEnv: flags.tokenEnv }, cli, deps.context ? { context: deps.context } : {})
    return { source, account, since: await sinceFor(account), close: none }
  }
  const homeserver = flags.homeserver ?? flags.server
  if (!homeserver) throw new UsageError('Name the homeserver with --server URL.')
  if (!flags.user) throw new UsageError('Name the Matrix account with --user @me:example.org.')
  const account: AccountRef = { id: checkUserId(flags.user) }
  const since = await sinceFor(account)
  const { openSource } = await import('../commands/export-matrix.js')
  const { source, close } = await openSource(
    { homeserver, user: flags.user, rooms: flags.rooms, includeLeft: flags.includeLeft, keys: flags.keys, passphraseEnv: flags.passphraseEnv, tokenEnv: flags.tokenEnv, passwordEnv: flags.passwordEnv },
    cli,
    since as { createdAt: string; cursor: MatrixCursor } | undefined,
    ...(deps.context ? [deps.context] : []),
  )
  return { source, account, since, close }
}
