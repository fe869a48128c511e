// Opens the Source of a Misskey, Mastodon or Matrix account for a backup through the network's adapter, as `lifeboat
// export <network>` does, and hands it the `--since` state of the parent snapshot once the account is known (the
// adapter asks `sinceFor`: before the login for Matrix, whose user ID names the account, after it for the others).
import type { AdapterContext, SinceState, Source } from '../adapters/adapter.js'
import type { AccountRef } from '../archive/records.js'
import type { RunContext } from '../run-context.js'
import type { HttpClientOptions } from '../net/http-client.js'
import { networkAdapter } from '../adapters/registry.js'
import { adapterContext } from '../run-context.js'
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
  /** HTTP client options (tests shorten retry waits). */
  http?: Partial<HttpClientOptions>
  /** A ready context (tests route requests through a fault proxy). */
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

export async function openAccount(network: AccountNetwork, flags: AccountFlags, cli: RunContext, sinceFor: SinceFor, deps: SourceDeps = {}): Promise<OpenedAccount> {
  const adapter = await networkAdapter(network)
  const context = deps.context ?? adapterContext(cli, { ...adapter.sourceHttp, ...deps.http })
  const server = flags.homeserver ?? flags.server
  if (!server) throw new UsageError(`Name the ${network === 'matrix' ? 'homeserver' : 'server'} with --server URL.`)
  if (network === 'matrix' && !flags.user) throw new UsageError('Name the Matrix account with --user @me:example.org.')
  let account: AccountRef | undefined
  const opened = await adapter.openSource!(
    { server, account: flags.user, tokenEnv: flags.tokenEnv, passwordEnv: flags.passwordEnv, rooms: flags.rooms, includeLeft: flags.includeLeft, keys: flags.keys, passphraseEnv: flags.passphraseEnv, sinceFor: async (known) => { account = known; return sinceFor(known) } },
    context,
    cli.env,
  )
  return { source: opened.source, account: account ?? (await opened.source.describe()).account, since: opened.since, close: () => opened.close() }
}
