// Aliases and the account move on Misskey (research §1.5; fixture README "alsoKnownAs and account move").
// - `i/update {alsoKnownAs}` replaces the whole list (≤ 10 accts, resolved by the server) and works with an app
//   token; `i` returns the list as user ids (i_update__alsoKnownAs-local-user.json), so keeping the existing aliases
//   means reading them back as accounts first (`users/show {userIds}`), as the settings page does.
// - `i/move {moveToAccount}` is a `secure` endpoint: only the web-session token passes
//   (i_move__app-token-access-denied.json: 400 ACCESS_DENIED 56f35758-…); the destination must list the old account
//   in its alsoKnownAs (upstream endpoints/i/move.ts: DESTINATION_ACCOUNT_FORBIDS).
import type { AccountMigration, AdapterContext, PreflightCheck } from '../adapter.js'
import { AuthError, NotFoundError, RemoteError, UnsupportedError, UsageError } from '../../errors.js'
import type { UserDetailed } from './api.js'
import { MisskeyApiError, nativeTokenInstructions, toLifeboatError } from './errors.js'
import type { Pacer } from './pacing.js'
import type { MisskeySession } from './session.js'

/** Misskey's web-session tokens are 16 characters; MiAuth tokens 32 and legacy app tokens 64 (fixture README). */
const NATIVE_TOKEN_LENGTH = 16
const APP_TOKEN_LENGTHS = [32, 64]
const MAX_ALIASES = 10

function splitAcct(account: string): { username: string; host: string } {
  const [username, host] = account.replace(/^@/, '').split('@') as [string, string]
  return { username, host }
}

export class MisskeyMigration implements AccountMigration {
  constructor(
    readonly session: MisskeySession,
    readonly context: AdapterContext,
    readonly pacer: Pacer,
    readonly token: { length: number; envName: string },
  ) {}

  get #client() {
    return this.session.client
  }

  #fail(error: unknown): never {
    throw toLifeboatError(error, this.session.server.origin, this.token.envName)
  }

  /** The current aliases as `@user@host`, refusing to go on when one cannot be read back (it would be dropped). */
  async #aliases(): Promise<string[]> {
    const me = await this.#client.call('i', {})
    const ids = me.alsoKnownAs ?? []
    if (ids.length === 0) return []
    const users = await this.#client.call('users/show', { userIds: ids })
    const byId = new Map(users.map((u) => [u.id, u]))
    return ids.map((id) => {
      const user = byId.get(id)
      if (!user) {
        throw new RemoteError(`${this.session.server.host} lists an alias (user id ${id}) it cannot show any more; writing the list would drop it.`, {
          hint: 'Check the aliases on the account\'s settings page (Settings > Account migration), then run again.',
        })
      }
      return `@${user.username}@${user.host ?? this.session.server.host}`
    })
  }

  async addAlias(oldAccount: string): Promise<{ aliases: string[]; changed: boolean }> {
    try {
      const current = await this.#aliases()
      const wanted = `@${oldAccount.replace(/^@/, '')}`
      if (current.some((a) => a.toLowerCase() === wanted.toLowerCase())) return { aliases: current, changed: false }
      if (current.length >= MAX_ALIASES) {
        throw new UsageError(`The account already has ${MAX_ALIASES} aliases, Misskey's maximum.`, { hint: 'Remove one on the settings page (Settings > Account migration), then run again.' })
      }
      await this.pacer.run('i/update', () => this.#client.call('i/update', { alsoKnownAs: [...current, wanted] }))
      return { aliases: await this.#aliases(), changed: true }
    } catch (error) {
      if (error instanceof MisskeyApiError && error.code === 'NO_SUCH_USER') {
        throw new NotFoundError(`${this.session.server.host} cannot find ${oldAccount}.`, { hint: 'Check the address of the old account; the old server must be reachable from the new one.' })
      }
      if (error instanceof MisskeyApiError && error.code === 'FORBIDDEN_TO_SET_YOURSELF') {
        throw new UsageError(`${oldAccount} is this account itself.`, { hint: 'Run alias add with the token of the NEW account, naming the OLD one.' })
      }
      this.#fail(error)
    }
  }

  async preflight(newAccount: string): Promise<PreflightCheck[]> {
    const { me, server } = this.session
    const self = `@${me.username}@${server.host}`
    const checks: PreflightCheck[] = []
    const { length, envName } = this.token
    checks.push(
      APP_TOKEN_LENGTHS.includes(length)
        ? { name: 'token accepted by i/move', ok: false, detail: `this is an access token (${length} characters). ${nativeTokenInstructions(server.origin, envName)}` }
        : { name: 'token accepted by i/move', ok: true, detail: length === NATIVE_TOKEN_LENGTH ? 'a web-session token' : `a ${length}-character token; i/move will say whether it accepts it` },
    )
    checks.push(me.movedTo ? { name: 'old account not moved yet', ok: false, detail: `${self} has already moved (to user ${me.movedTo})` } : { name: 'old account not moved yet', ok: true, detail: `${self} has not moved` })
    let target: UserDetailed | null = null
    try {
      target = await this.#client.call('users/show', splitAcct(newAccount))
    } catch (error) {
      if (!(error instanceof MisskeyApiError || (error instanceof RemoteError && error.status === 500))) this.#fail(error)
      checks.push({ name: 'new account resolves', ok: false, detail: `${server.host} cannot find ${newAccount} (${(error as Error).message})` })
      return checks
    }
    checks.push({ name: 'new account resolves', ok: true, detail: `${newAccount} is ${target.uri ?? target.id}` })
    const listed = (target.alsoKnownAs ?? []).includes(me.id)
    checks.push(
      listed
        ? { name: 'new account names the old one as alias', ok: true, detail: `${newAccount} lists ${self} in alsoKnownAs` }
        : {
            name: 'new account names the old one as alias',
            ok: false,
            detail: `${newAccount} does not list ${self} among its aliases (as seen from ${server.host}); run \`lifeboat alias add --to misskey --to-server <new server> ${self}\` with the new account's token first`,
          },
    )
    if (target.movedTo) checks.push({ name: 'new account not moved away', ok: false, detail: `${newAccount} has itself moved on` })
    return checks
  }

  async move(newAccount: string): Promise<{ moved: boolean }> {
    const { server } = this.session
    try {
      await this.pacer.run('i/move', () => this.#client.call('i/move', { moveToAccount: newAccount }))
    } catch (error) {
      if (!(error instanceof MisskeyApiError)) this.#fail(error)
      if (error.isSecureRefusal) {
        throw new AuthError(`${server.host} refused i/move with this token: it accepts only the web-session token.`, { hint: nativeTokenInstructions(server.origin, this.token.envName), cause: error })
      }
      switch (error.code) {
        case 'ALREADY_MOVED':
        case 'YOUR_ACCOUNT_MOVED': {
          // a retried request may find its own earlier attempt done
          const me = await this.#client.call('i', {}).catch(() => null)
          const target = await this.#client.call('users/show', splitAcct(newAccount)).catch(() => null)
          if (me?.movedTo && target && me.movedTo === target.id) return { moved: true }
          throw new UnsupportedError(`The account on ${server.host} has already moved elsewhere.`, { hint: 'A moved account cannot move again.', cause: error })
        }
        case 'DESTINATION_ACCOUNT_FORBIDS':
          throw new RemoteError(`${server.host} refused the move: ${newAccount} does not list this account among its aliases, or has moved itself.`, {
            hint: 'Run `lifeboat alias add --to misskey` with the new account\'s token first, then run the move again.',
            cause: error,
          })
        case 'NO_SUCH_USER':
          throw new NotFoundError(`${server.host} cannot find ${newAccount}.`, { hint: 'Check the new account\'s address.', cause: error })
        case 'NOT_ROOT_FORBIDDEN':
          throw new UnsupportedError(`The server's root account cannot move.`, { hint: 'Misskey refuses moves of the instance\'s root (first admin) account.', cause: error })
        default:
          this.#fail(error)
      }
    }
    const me = await this.#client.call('i', {})
    return { moved: Boolean(me.movedTo) }
  }
}
