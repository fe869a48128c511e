/**
 * Seed helpers: put users, rooms, events, media and account data straight into the store, without HTTP,
 * rate limits or request-log entries. Room creation and membership use the same code as the routes, so
 * seeded rooms look exactly like rooms made over HTTP.
 */
import { createMegolmFixture, type MegolmFixture, type MegolmFixtureOptions } from './megolm.js'
import { PUSH_RULE_KINDS, upsertPushRule, type PushRule, type PushRuleKind } from './push-rules.js'
import type { RoomFailure } from './room.js'
import { createRoom, inviteUser, joinRoom, leaveRoom, propagateProfile, requireRoom, sendEvent, type CreateRoomBody } from './room-ops.js'
import { storeMedia } from './routes-media.js'
import type { ServerState } from './state.js'
import type { StoredEvent } from './timeline.js'

export interface SeedUserOptions {
  password?: string
  displayname?: string
  avatarUrl?: string
  /** A fixed access token (default: a random one). */
  accessToken?: string
  deviceId?: string
  /** A one-use token for `m.login.token`. */
  loginToken?: string
}

export interface SeededUser {
  userId: string
  localpart: string
  accessToken: string
  deviceId: string
}

export interface SeedRoomOptions {
  creator: string
  /** `public` = public_chat (in the directory), `private` = private_chat, `dm` = trusted_private_chat + is_direct. */
  kind?: 'public' | 'private' | 'dm'
  name?: string
  topic?: string
  /** Alias localpart, e.g. `general` -> `#general:<server>`. */
  alias?: string
  /** Users who join after creation (invited first where the room is invite-only). */
  members?: string[]
  /** Users left with a pending invite. */
  invited?: string[]
  /** Adds `m.room.encryption` (`m.megolm.v1.aes-sha2`) to the initial state. */
  encrypted?: boolean
  /** For `dm`: also write `m.direct` for the creator and the members (fixture 018). */
  direct?: boolean
  roomVersion?: string
  initialState?: CreateRoomBody['initial_state']
}

export interface GeneratedMessagesOptions {
  count: number
  /** Senders in turn: event k is sent by senders[k % senders.length]. */
  senders: string[]
  type?: string
  /** Content of event k; default `{msgtype: 'm.text', body: 'Message <k+1>'}`. */
  content?: (k: number) => Record<string, unknown>
  /** Timestamp of the first event; default the server clock. */
  startTs?: number
  /** Default 1 ms, so 100,000 events span 100 s. */
  intervalMs?: number
}

export class Seed {
  constructor(private readonly state: ServerState) {}

  user(localpart: string, options: SeedUserOptions = {}): SeededUser {
    const user = this.state.addUser(localpart, options.password)
    if (options.displayname !== undefined) user.displayname = options.displayname
    if (options.avatarUrl !== undefined) user.avatar_url = options.avatarUrl
    if (options.loginToken !== undefined) this.state.loginTokens.set(options.loginToken, user.userId)
    const session = this.state.newSession(user.userId, options.deviceId, options.accessToken)
    return { userId: user.userId, localpart, ...session }
  }

  room(options: SeedRoomOptions): string {
    const kind = options.kind ?? 'private'
    const initial = [...(options.initialState ?? [])]
    if (options.encrypted) initial.push({ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } })
    const members = options.members ?? []
    const { roomId } = createRoom(this.state, options.creator, {
      preset: kind === 'public' ? 'public_chat' : kind === 'dm' ? 'trusted_private_chat' : 'private_chat',
      visibility: kind === 'public' ? 'public' : 'private',
      room_alias_name: options.alias,
      name: options.name,
      topic: options.topic,
      invite: kind === 'public' ? options.invited : [...members, ...(options.invited ?? [])],
      is_direct: kind === 'dm',
      initial_state: initial,
      room_version: options.roomVersion,
    })
    const room = requireRoom(this.state, roomId)
    for (const m of members) joinRoom(this.state, m, room)
    if (kind === 'public') for (const u of options.invited ?? []) inviteUser(this.state, options.creator, room, u)
    if (kind === 'dm' && options.direct) {
      for (const [a, b] of [[options.creator, members[0]], [members[0], options.creator]] as const) {
        if (!a || !b) continue
        const current = (this.state.user(a).accountData.get('m.direct')?.content ?? {}) as Record<string, string[]>
        this.state.setAccountData(a, 'm.direct', { ...current, [b]: [...(current[b] ?? []), roomId] })
      }
    }
    return roomId
  }

  join(roomId: string, userId: string): void {
    joinRoom(this.state, userId, requireRoom(this.state, roomId))
  }

  invite(roomId: string, inviter: string, target: string, isDirect = false): void {
    inviteUser(this.state, inviter, requireRoom(this.state, roomId), target, { is_direct: isDirect })
  }

  leave(roomId: string, userId: string): void {
    leaveRoom(this.state, userId, requireRoom(this.state, roomId))
  }

  /** One stored event; returns its ID. `content` may be a plain text body. */
  message(roomId: string, sender: string, content: string | Record<string, unknown>, type = 'm.room.message'): string {
    const body = typeof content === 'string' ? { msgtype: 'm.text', body: content } : content
    return sendEvent(this.state, sender, requireRoom(this.state, roomId), type, body).event_id
  }

  stateEvent(roomId: string, sender: string, type: string, stateKey: string, content: Record<string, unknown>): string {
    return sendEvent(this.state, sender, requireRoom(this.state, roomId), type, content, stateKey).event_id
  }

  redact(roomId: string, sender: string, eventId: string, reason?: string): string {
    const room = requireRoom(this.state, roomId)
    const redaction = sendEvent(this.state, sender, room, 'm.room.redaction', reason ? { reason } : {})
    redaction.redacts = eventId
    room.redactions.set(eventId, redaction)
    return redaction.event_id
  }

  /**
   * Appends `count` messages made lazily on read: O(1) memory however large. Returns the IDs of the first
   * and last generated events. Senders must be joined (checked once, not per event).
   */
  messages(roomId: string, options: GeneratedMessagesOptions): { firstEventId: string; lastEventId: string } {
    const room = requireRoom(this.state, roomId)
    for (const s of options.senders) if (room.membership(s) !== 'join') throw new Error(`${s} is not joined to ${roomId}`)
    const type = options.type ?? 'm.room.message'
    const senders = [...options.senders]
    const content = options.content ?? ((k: number) => ({ msgtype: 'm.text', body: `Message ${k + 1}` }))
    const interval = options.intervalMs ?? 1
    const startTs = options.startTs ?? this.state.clock()
    const tag = `g${this.state.newEventId().slice(1, 12)}`
    this.state.appendGenerated(room, options.count, tag, startTs + (options.count - 1) * interval, (k, eventId): StoredEvent => ({
      event_id: eventId,
      type,
      sender: senders[k % senders.length]!,
      content: content(k),
      origin_server_ts: startTs + k * interval,
    }))
    return { firstEventId: `$${tag}_0`, lastEventId: `$${tag}_${options.count - 1}` }
  }

  /**
   * Appends real Megolm-encrypted `m.room.encrypted` events (see megolm.ts) sent by `userId`, and returns
   * the fixture with the key export file that holds only `exportedSessions`.
   */
  async encryptedMessages(roomId: string, options: Omit<MegolmFixtureOptions, 'roomId'>): Promise<MegolmFixture> {
    const fixture = await createMegolmFixture({ ...options, roomId })
    const contents = fixture.events.map((e) => e.content)
    this.messages(roomId, {
      count: contents.length,
      senders: [options.userId],
      type: 'm.room.encrypted',
      content: (k) => contents[k]!,
    })
    return fixture
  }

  /** Stores media; `frozen` = uploaded after the unauthenticated-media freeze (legacy download 404s). */
  media(input: { bytes: Buffer; contentType: string; fileName?: string; frozen?: boolean; uploader?: string; mediaId?: string }): string {
    const media = storeMedia(this.state, { ...input, frozen: input.frozen ?? this.state.freezeNewMedia })
    return `mxc://${this.state.serverName}/${media.mediaId}`
  }

  accountData(userId: string, type: string, content: Record<string, unknown>, roomId?: string): void {
    this.state.setAccountData(userId, type, content, roomId)
  }

  tag(userId: string, roomId: string, tag: string, content: Record<string, unknown> = {}): void {
    const current = (this.state.user(userId).roomAccountData.get(roomId)?.get('m.tag')?.content.tags ?? {}) as Record<string, unknown>
    this.state.setAccountData(userId, 'm.tag', { tags: { ...current, [tag]: content } }, roomId)
  }

  ignore(userId: string, ignored: string[]): void {
    this.state.setAccountData(userId, 'm.ignored_user_list', { ignored_users: Object.fromEntries(ignored.map((u) => [u, {}])) })
  }

  pushRule(userId: string, kind: PushRuleKind, ruleId: string, rule: Omit<PushRule, 'rule_id' | 'default' | 'enabled'> & { enabled?: boolean }): void {
    if (!PUSH_RULE_KINDS.includes(kind)) throw new Error(`bad push rule kind ${kind}`)
    upsertPushRule(this.state.user(userId).pushRules, kind, { ...rule, rule_id: ruleId, default: false, enabled: rule.enabled ?? true }, {})
    this.state.touchPushRules(userId)
  }

  /** Sets the profile and, like `PUT /profile`, updates the member event in every joined room. */
  profile(userId: string, profile: { displayname?: string; avatarUrl?: string }): void {
    const user = this.state.user(userId)
    if (profile.displayname !== undefined) user.displayname = profile.displayname
    if (profile.avatarUrl !== undefined) user.avatar_url = profile.avatarUrl
    propagateProfile(this.state, userId)
  }

  /** Makes a room's reads fail (default: 500 `M_UNKNOWN` on `/messages`), or clears that with null. */
  failRoom(roomId: string, failure: Partial<RoomFailure> | null): void {
    const room = requireRoom(this.state, roomId)
    room.failure = failure
      ? {
          status: failure.status ?? 500,
          errcode: failure.errcode ?? 'M_UNKNOWN',
          error: failure.error ?? 'Internal server error',
          endpoints: failure.endpoints ?? ['messages'],
          remaining: failure.remaining,
        }
      : undefined
  }
}
