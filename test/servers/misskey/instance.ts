// What every packer and endpoint of one fake instance shares: its state, its configured URL/host, and the
// federation hooks (directory.ts) through which it can reach other instances started with the same directory.
import type { MisskeyState, MisskeyVersion, UserRecord } from './state.js'

export interface InstanceConfig {
  /** Base URL as upstream config `url`: every absolute URL in responses is built from it. */
  url: string
  /** `host` of config: url.host, i.e. '127.0.0.1:PORT'. Local users are `username@host` to other instances. */
  host: string
  version: MisskeyVersion
  /** The base role's rateLimitFactor, echoed in `policies` (0 on the recorded servers, 1 by default here). */
  rateLimitFactor: number
  /** Delay before an i/export-* file appears in the drive (recorded: about 0.5 s). */
  exportDelayMs: number
}

/** Hooks into the shared directory; all methods are no-ops / undefined when the server has no directory. */
export interface Federation {
  /** Resolve `username@host` of another instance into a local mirror record (created or refreshed). */
  resolveRemoteUser(username: string, host: string): UserRecord | undefined
  /** Resolve an ActivityPub URI of another instance into a mirrored user or note. */
  resolveUri(uri: string): { type: 'User'; user: UserRecord } | { type: 'Note'; noteId: string } | undefined
  /** Deliver a Follow / Undo Follow of a mirrored remote user to its home instance. */
  deliverFollow(follower: UserRecord, followee: UserRecord, undo: boolean): void
  /** Deliver a Move of `from` (local) to `to` (mirror) to every instance that mirrors `from`. */
  deliverMove(from: UserRecord, to: UserRecord): void
}

export interface Instance {
  state: MisskeyState
  config: InstanceConfig
  federation: Federation
  /** Runs `fn` later (queued jobs such as exports); pending runs are cancelled when the server closes. */
  defer(fn: () => void, delayMs: number): void
}

/** Local users' ActivityPub id, as upstream genLocalUserUri. */
export function localUserUri(inst: Instance, user: UserRecord): string {
  return user.host == null ? `${inst.config.url}/users/${user.id}` : (user.uri ?? '')
}

/** The acct other software uses for `user`: `username@host`, with this instance's host for local users. */
export function acctOf(inst: Instance, user: UserRecord): string {
  return `${user.username}@${user.host ?? inst.config.host}`
}

/** Parse 'user', '@user', '@user@host' or 'user@host' as misskey misc/acct.ts parse(). */
export function parseAcct(acct: string): { username: string; host: string | null } {
  const parts = (acct.startsWith('@') ? acct.slice(1) : acct).split('@')
  return { username: parts[0] ?? '', host: parts[1] ?? null }
}
