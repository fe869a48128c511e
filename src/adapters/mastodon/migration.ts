// Aliases and moves on Mastodon-API servers, one AccountMigration per server family (migration-flavors.ts), chosen by
// what the server says it is (flavor.ts) rather than only by the flag, so that `--to mastodon` against a GoToSocial
// server still uses GoToSocial's endpoints. Shared here: finding accounts from the server, reading an actor's
// `alsoKnownAs` and `movedTo`, and the checks every move needs before it is attempted.
import type { AdapterContext, PreflightCheck } from '../adapter.js'
import { NotFoundError } from '../../errors.js'
import type { Account, Actor, CredentialAccount, SearchResults } from './api.js'
import type { MastodonClient } from './client.js'
import type { ServerInfo } from './flavor.js'

/** `@user@host` → `user@host`. */
export function bareAcct(account: string): string {
  return account.replace(/^@/, '')
}

export interface MigrationContext {
  context: AdapterContext
  client: MastodonClient
  info: ServerInfo
  env: NodeJS.ProcessEnv
  passwordEnv: string | undefined
}

/** Finds `@user@host` from this server (WebFinger for accounts it does not know yet); null when nothing answers. */
export async function findAccount(client: MastodonClient, account: string, domain: string): Promise<Account | null> {
  const wanted = bareAcct(account).toLowerCase()
  const found = await client.get<SearchResults>('/api/v2/search', { q: bareAcct(account), type: 'accounts', resolve: true, limit: 5 })
  return (found?.accounts ?? []).find((a) => (a.acct.includes('@') ? a.acct : `${a.acct}@${domain}`).toLowerCase() === wanted) ?? null
}

export async function requireAccount(client: MastodonClient, account: string, domain: string): Promise<Account> {
  const found = await findAccount(client, account, domain)
  if (!found) throw new NotFoundError(`${account} cannot be found from ${client.host}.`, { hint: 'Check the address; the account\'s server must be up and reachable.' })
  return found
}

/** The actor document at `uri`, fetched without any token; null when its server will not show it. */
export async function fetchActor(context: AdapterContext, uri: string): Promise<Actor | null> {
  try {
    return await context.http.request(uri, { headers: { Accept: 'application/activity+json' } }, async (res) => (res.ok ? ((await res.json()) as Actor) : null))
  } catch (error) {
    if (context.signal.aborted) throw error
    return null
  }
}

export function alsoKnownAs(actor: Actor | null): string[] {
  const value = actor?.alsoKnownAs
  return value === undefined ? [] : Array.isArray(value) ? value : [value]
}

/** Shows an alias list with the account just added named the way the user wrote it. */
export function labelAliases(uris: string[], known: { uri: string; acct: string }): string[] {
  return uris.map((uri) => (uri === known.uri ? `${known.acct} (${uri})` : uri))
}

export async function whoAmI(client: MastodonClient): Promise<CredentialAccount> {
  return client.get<CredentialAccount>('/api/v1/accounts/verify_credentials')
}

/**
 * The checks of every move, run as the old account: the new account resolves from here, lists this account among
 * its aliases (its actor's `alsoKnownAs`), and this account has not moved elsewhere. Returns the new account too.
 */
export async function commonPreflight(m: MigrationContext, me: CredentialAccount, newAccount: string): Promise<{ checks: PreflightCheck[]; target: Account | null }> {
  const checks: PreflightCheck[] = []
  const target = await findAccount(m.client, newAccount, m.info.domain)
  checks.push({ name: 'new account found', ok: target !== null, detail: target ? `${newAccount} is ${target.uri ?? target.url}` : `${m.client.host} cannot find ${newAccount}` })
  if (target) {
    const actor = await fetchActor(m.context, target.uri ?? target.url)
    const aliases = alsoKnownAs(actor)
    const mine = me.uri ?? me.url
    checks.push({
      name: 'alias on the new account',
      ok: aliases.includes(mine),
      detail: actor === null ? `the actor of ${newAccount} could not be read` : aliases.includes(mine) ? `${newAccount} lists ${mine}` : `${newAccount} does not list ${mine} among its aliases yet: run \`lifeboat alias add\` for it first`,
    })
  }
  const moved = me.moved
  const sameTarget = moved && target && moved.id === target.id
  checks.push({ name: 'not moved elsewhere', ok: !moved || Boolean(sameTarget), detail: !moved ? 'this account has not moved' : sameTarget ? `already moved to ${newAccount}` : `this account already moved to ${moved.acct}` })
  return { checks, target }
}
