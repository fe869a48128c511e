// How the archive names Misskey accounts (docs/archive-format.md §4.1): `id` is the ActivityPub actor URI (local
// users have none stored: upstream derives `<url>/users/<id>`), `handle` is `user@host` always with the host.
// Lists and mentions carry bare user ids; the directory turns them into accounts with batched `users/show
// {userIds}` calls (users_show__*.json: an array in any order; unknown or suspended ids are simply missing).
import type { AccountRef } from '../../archive/records.js'
import type { UserDetailed, UserLite } from './api.js'
import type { MisskeyClient } from './client.js'
import type { MisskeyServerInfo } from './session.js'

/** The fields of UserLite/UserDetailed an AccountRef is built from (`uri`/`url` exist on detailed users only). */
export type UserLike = Pick<UserLite, 'id' | 'username' | 'host' | 'name'> & { uri?: string | null; url?: string | null }

export function accountOf(server: MisskeyServerInfo, user: UserLike): AccountRef {
  const local = user.host === null || user.host === undefined
  const ref: AccountRef = {
    id: user.uri ?? `${server.uri}/users/${user.id}`,
    handle: `${user.username}@${local ? server.host : user.host}`,
  }
  const url = user.url ?? (local ? `${server.uri}/@${user.username}` : null)
  if (url) ref.url = url
  if (user.name) ref.displayName = user.name
  return ref
}

/** users/show accepts many ids at once; 100 keeps each answer a normal page's size. */
const BATCH = 100

export class AccountDirectory {
  #refs = new Map<string, AccountRef>()
  /** Ids users/show did not return: asked once per run. */
  #gone = new Set<string>()

  constructor(
    readonly client: MisskeyClient,
    readonly server: MisskeyServerInfo,
  ) {}

  /** Records a user seen in full (with its URI for remote users). */
  remember(user: UserDetailed | UserLike): AccountRef {
    const ref = accountOf(this.server, user)
    if (user.host == null || user.uri) this.#refs.set(user.id, ref)
    return ref
  }

  get(id: string): AccountRef | undefined {
    return this.#refs.get(id)
  }

  /** Accounts for `ids`, fetching the unknown ones; ids the server no longer knows are left out. */
  async resolve(ids: Iterable<string>): Promise<Map<string, AccountRef>> {
    const wanted = [...new Set(ids)]
    const missing = wanted.filter((id) => !this.#refs.has(id) && !this.#gone.has(id))
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH)
      const users = await this.client.call('users/show', { userIds: batch })
      for (const user of users) this.remember(user)
      for (const id of batch) if (!this.#refs.has(id)) this.#gone.add(id)
    }
    const out = new Map<string, AccountRef>()
    for (const id of wanted) {
      const ref = this.#refs.get(id)
      if (ref) out.set(id, ref)
    }
    return out
  }
}
