// The three ways Mastodon-API servers do aliases and moves:
// - GoToSocial: `POST /api/v1/accounts/alias` (`also_known_as_uris[]`, the whole list) and `POST /api/v1/accounts/move`
//   (`password`, `moved_to_uri`; 202) (gotosocial `internal/api/client/accounts/accountalias.go`, `accountmove.go`).
// - Akkoma / Pleroma: `GET`/`PUT /api/pleroma/aliases` (`alias`: `user@host` of a known account) and
//   `POST /api/pleroma/move_account` (`password`, `target_account`), which answers 200 even for errors
//   (pleroma `web/twitter_api/controllers/util_controller.ex`).
// - Mastodon: no API for either (web pages `settings/aliases` and `settings/migration` only; research §2.7). Lifeboat
//   prints the steps and then checks that they took effect: the new account's actor lists the old one in
//   `alsoKnownAs`, and the old account's `moved` names the new one.
import type { AccountMigration, PreflightCheck } from '../adapter.js'
import { AuthError, RemoteError } from '../../errors.js'
import type { CredentialAccount, PleromaAliases, PleromaStatus } from './api.js'
import { isStatus, MastodonHttpError } from './errors.js'
import { alsoKnownAs, bareAcct, commonPreflight, fetchActor, findAccount, labelAliases, requireAccount, whoAmI, type MigrationContext } from './migration.js'

export const DEFAULT_PASSWORD_ENV = 'LIFEBOAT_MASTODON_PASSWORD'

abstract class BaseMigration implements AccountMigration {
  constructor(
    protected readonly m: MigrationContext,
    protected me: CredentialAccount,
  ) {}

  abstract addAlias(oldAccount: string): Promise<{ aliases: string[]; changed: boolean; instructions?: string[] }>
  abstract move(newAccount: string): Promise<{ moved: boolean; instructions?: string[] }>

  protected get passwordEnv(): string {
    return this.m.passwordEnv ?? DEFAULT_PASSWORD_ENV
  }

  protected password(): Promise<string> {
    return this.m.context.secrets.read({ label: `password of ${this.me.acct}@${this.m.info.domain}`, envName: this.passwordEnv, explicit: Boolean(this.m.passwordEnv), env: this.m.env, required: true })
  }

  async preflight(newAccount: string): Promise<PreflightCheck[]> {
    this.me = await whoAmI(this.m.client)
    const { checks } = await commonPreflight(this.m, this.me, newAccount)
    return [...checks, ...this.extraChecks()]
  }

  protected extraChecks(): PreflightCheck[] {
    const available = Boolean(this.m.env[this.passwordEnv]) || Boolean(process.stdin.isTTY && process.stderr.isTTY)
    return [{ name: 'password', ok: available, detail: available ? `the move asks for the account password (${this.passwordEnv} or a prompt)` : `the move needs the account password: set ${this.passwordEnv} or pass --password-env NAME` }]
  }

  /** True when this account's `moved` already names `newAccount`. */
  protected async movedTo(newAccount: string): Promise<boolean> {
    this.me = await whoAmI(this.m.client)
    const moved = this.me.moved
    if (!moved) return false
    const target = await findAccount(this.m.client, newAccount, this.m.info.domain)
    return target !== null && moved.id === target.id
  }
}

export class GoToSocialMigration extends BaseMigration {
  async addAlias(oldAccount: string) {
    const old = await requireAccount(this.m.client, oldAccount, this.m.info.domain)
    const uri = old.uri ?? old.url
    const current = (await whoAmI(this.m.client)).source?.also_known_as_uris ?? []
    if (current.includes(uri)) return { aliases: labelAliases(current, { uri, acct: oldAccount }), changed: false }
    const updated = await this.m.client.post<CredentialAccount>('/api/v1/accounts/alias', { also_known_as_uris: [...current, uri] })
    return { aliases: labelAliases(updated.source?.also_known_as_uris ?? [], { uri, acct: oldAccount }), changed: true }
  }

  async move(newAccount: string) {
    if (await this.movedTo(newAccount)) return { moved: true }
    const target = await requireAccount(this.m.client, newAccount, this.m.info.domain)
    const password = await this.password()
    try {
      await this.m.client.post('/api/v1/accounts/move', { password, moved_to_uri: target.uri ?? target.url })
    } catch (error) {
      if (isStatus(error, 400) && /password/i.test(error.serverMessage)) throw new AuthError(`${this.m.client.host} refused the password.`, { hint: `Check the password in ${this.passwordEnv}.` })
      if (error instanceof MastodonHttpError) throw new RemoteError(`${this.m.client.host} refused the move: ${error.serverMessage}`, { hint: 'Fix what the server says, then run the move again.' })
      throw error
    }
    return { moved: await this.movedTo(newAccount) }
  }
}

export class AkkomaMigration extends BaseMigration {
  async #aliases(): Promise<string[]> {
    return (await this.m.client.get<PleromaAliases>('/api/pleroma/aliases')).aliases ?? []
  }

  async addAlias(oldAccount: string) {
    const wanted = bareAcct(oldAccount).toLowerCase()
    const current = await this.#aliases()
    if (current.some((a) => a.toLowerCase() === wanted)) return { aliases: current, changed: false }
    // Pleroma only aliases accounts it knows: resolving it first makes it known.
    await requireAccount(this.m.client, oldAccount, this.m.info.domain)
    const answer = await this.m.client.call<PleromaStatus>('PUT', '/api/pleroma/aliases', { form: { alias: bareAcct(oldAccount) } })
    if (answer.body?.error) throw new RemoteError(`${this.m.client.host} refused the alias: ${answer.body.error}`)
    return { aliases: await this.#aliases(), changed: true }
  }

  async move(newAccount: string) {
    if (await this.movedTo(newAccount)) return { moved: true }
    const password = await this.password()
    const answer = await this.m.client.post<PleromaStatus>('/api/pleroma/move_account', { password, target_account: bareAcct(newAccount) })
    if (answer?.error) {
      if (/password/i.test(answer.error)) throw new AuthError(`${this.m.client.host} refused the password.`, { hint: `Check the password in ${this.passwordEnv}.` })
      throw new RemoteError(`${this.m.client.host} refused the move: ${answer.error}`, { hint: 'Fix what the server says, then run the move again.' })
    }
    return { moved: await this.movedTo(newAccount) }
  }
}

export class MastodonWebMigration extends BaseMigration {
  async addAlias(oldAccount: string) {
    const old = await requireAccount(this.m.client, oldAccount, this.m.info.domain)
    const uri = old.uri ?? old.url
    const actor = await fetchActor(this.m.context, this.me.uri ?? this.me.url)
    const aliases = alsoKnownAs(actor)
    const instructions = aliases.includes(uri)
      ? undefined
      : [
          `${this.m.client.host} runs Mastodon, which has no API for aliases. Add the alias in its settings:`,
          `  1. Open ${this.m.client.server}/settings/aliases (Preferences > Account > "Moving from a different account": "create an account alias").`,
          `  2. Enter ${oldAccount} as the handle of the old account and press "Create alias".`,
          `  3. Run this command again: it checks that ${this.me.acct}@${this.m.info.domain} lists ${uri}.`,
        ]
    return { aliases: labelAliases(aliases, { uri, acct: oldAccount }), changed: false, instructions }
  }

  protected override extraChecks(): PreflightCheck[] {
    return [{ name: 'move through the web', ok: true, detail: 'Mastodon has no API for moves: Lifeboat prints the steps for its settings page, then checks the move took effect' }]
  }

  async move(newAccount: string) {
    if (await this.movedTo(newAccount)) return { moved: true }
    return {
      moved: false,
      instructions: [
        `${this.m.client.host} runs Mastodon, which has no API for moves. Move the account in its settings:`,
        `  1. Open ${this.m.client.server}/settings/migration (Preferences > Account > "Move to a different account").`,
        `  2. Enter ${newAccount} as the handle of the new account and this account's current password, then press "Move followers".`,
        '  3. Followers are carried; posts, follows, lists, blocks and mutes are not (replay them from your archive with `lifeboat replay`).',
        '     Mastodon lets an account move once every 30 days.',
        `  4. Run this command again: it checks that ${this.me.acct}@${this.m.info.domain} has moved to ${newAccount}.`,
      ],
    }
  }
}
