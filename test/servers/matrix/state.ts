/**
 * The homeserver's whole in-memory store and the one place events are created.
 */
import { randomBytes } from 'node:crypto'
import { toClock, type Clock, type ClockInput } from '../common/clock.js'
import { forbidden } from './errors.js'
import { defaultPushRules, type PushRuleset } from './push-rules.js'
import { RateLimiter, type RateLimit, type RateLimitName, type RetryAfterStyle } from './rate-limit.js'
import { Room } from './room.js'
import type { StoredEvent, TxnTag } from './timeline.js'

/**
 * `spec`: Matrix client-server API v1.11+ (authenticated media, Retry-After header, 404 M_UNRECOGNIZED).
 * `synapse167`: what the recorded Synapse 1.67.0 did (/work/shared/fixtures/matrix/README.md).
 */
export type Compat = 'spec' | 'synapse167'

export interface MatrixServerOptions {
  /** Default `localhost`, as in the fixtures. */
  serverName?: string
  compat?: Compat
  /** Rate limits; none unless given (Synapse defaults are in /work/shared/research/matrix.md §2). */
  rateLimits?: Partial<Record<RateLimitName, RateLimit>>
  /** Default: `both` for spec, `body` for synapse167. */
  retryAfter?: RetryAfterStyle
  /**
   * The server's clock: event `origin_server_ts` and `unsigned.age`, the request log, the rate buckets. A Clock (e.g.
   * ../common/clock.ts ManualClock) or `() => epochMs`; default wall time.
   */
  clock?: ClockInput
  /**
   * A clock for the rate buckets alone (epoch ms), instead of `clock`: tests inject one they advance themselves while
   * timestamps stay on `clock`.
   */
  rateClock?: ClockInput
  /**
   * Whether media uploaded through `POST /upload` counts as uploaded after the unauthenticated-media freeze
   * (legacy `/_matrix/media/v3/download` then answers 404). Default true for spec, false for synapse167.
   */
  freezeNewMedia?: boolean
  /** Longest a `/sync?timeout=` long-poll is held; default 30000 ms. */
  maxSyncWaitMs?: number
  /** `m.upload.size`; default 50 MiB (Synapse `max_upload_size`, fixture 147). */
  maxUploadBytes?: number
}

export interface Device {
  deviceId: string
  displayName?: string
  deviceKeys?: Record<string, unknown>
  oneTimeKeyCount: number
}

export interface AccountDataItem {
  content: Record<string, unknown>
  stream: number
}

export interface User {
  userId: string
  localpart: string
  password?: string
  displayname?: string
  avatar_url?: string
  accountData: Map<string, AccountDataItem>
  roomAccountData: Map<string, Map<string, AccountDataItem>>
  pushRules: PushRuleset
  pushRulesStream: number
  filters: Record<string, unknown>[]
  devices: Map<string, Device>
}

export interface Session {
  userId: string
  deviceId: string
}

export interface Media {
  mediaId: string
  bytes: Buffer
  contentType: string
  fileName?: string
  /** True when uploaded after the freeze: only the authenticated endpoints serve it. */
  frozen: boolean
  uploader?: string
}

export interface NewEvent {
  type: string
  sender: string
  content: Record<string, unknown>
  state_key?: string
  origin_server_ts?: number
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

export function randomString(length: number, alphabet = ALNUM): string {
  const bytes = randomBytes(length)
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length]
  return out
}

export class ServerState {
  readonly serverName: string
  readonly compat: Compat
  readonly freezeNewMedia: boolean
  readonly maxSyncWaitMs: number
  readonly maxUploadBytes: number
  readonly limiter: RateLimiter
  /** The injected clock; `clock()` is the event clock built on it. */
  readonly time: Clock
  readonly users = new Map<string, User>()
  readonly sessions = new Map<string, Session>()
  readonly loginTokens = new Map<string, string>()
  readonly rooms = new Map<string, Room>()
  readonly aliases = new Map<string, string>()
  readonly media = new Map<string, Media>()
  /** (user, device, room, type, txnId) -> event id: `PUT /send` idempotency (spec: "Transaction identifiers"). */
  readonly txns = new Map<string, string>()
  stream = 1
  /** Newest `origin_server_ts` handed out, so timestamps never go backwards along a timeline. */
  private lastTs = 0
  private waiters = new Set<() => void>()

  constructor(options: MatrixServerOptions) {
    this.serverName = options.serverName ?? 'localhost'
    this.compat = options.compat ?? 'spec'
    this.freezeNewMedia = options.freezeNewMedia ?? this.compat === 'spec'
    this.maxSyncWaitMs = options.maxSyncWaitMs ?? 30_000
    this.maxUploadBytes = options.maxUploadBytes ?? 50 * 1024 * 1024
    const style = options.retryAfter ?? (this.compat === 'spec' ? 'both' : 'body')
    this.time = toClock(options.clock)
    this.limiter = new RateLimiter(options.rateLimits ?? {}, style, options.rateClock ?? this.time)
  }

  get synapse(): boolean {
    return this.compat === 'synapse167'
  }

  /** Takes the next global stream position(s) and wakes long-polling `/sync` requests. */
  nextStream(count = 1): number {
    const first = this.stream + 1
    this.stream += count
    for (const wake of this.waiters) wake()
    this.waiters.clear()
    return first
  }

  /** Resolves when the stream moves past `since`, after `ms`, or when the server closes. */
  waitForStream(since: number, ms: number): Promise<void> {
    if (this.stream > since || ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiters.add(done)
    })
  }

  wakeAll(): void {
    for (const wake of [...this.waiters]) wake()
  }

  userId(localpart: string): string {
    return `@${localpart}:${this.serverName}`
  }

  addUser(localpart: string, password?: string): User {
    const userId = this.userId(localpart)
    const user: User = {
      userId,
      localpart,
      password,
      accountData: new Map(),
      roomAccountData: new Map(),
      pushRules: defaultPushRules(userId),
      pushRulesStream: 0,
      filters: [],
      devices: new Map(),
    }
    this.users.set(userId, user)
    return user
  }

  user(userId: string): User {
    const user = this.users.get(userId)
    if (!user) throw new Error(`no such user ${userId}`)
    return user
  }

  /** Creates a device and an access token for it (`POST /login`). */
  newSession(userId: string, deviceId?: string, token?: string): { accessToken: string; deviceId: string } {
    const user = this.user(userId)
    const id = deviceId ?? randomString(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
    if (!user.devices.has(id)) user.devices.set(id, { deviceId: id, oneTimeKeyCount: 0 })
    const accessToken = token ?? `syt_${Buffer.from(user.localpart).toString('base64url')}_${randomString(20)}`
    this.sessions.set(accessToken, { userId, deviceId: id })
    return { accessToken, deviceId: id }
  }

  newRoomId(): string {
    return `!${randomString(18)}:${this.serverName}`
  }

  room(roomId: string): Room | undefined {
    return this.rooms.get(roomId)
  }

  newEventId(): string {
    return `$${randomBytes(32).toString('base64url').slice(0, 43)}`
  }

  /**
   * Appends one event to a room: state events also update the room state and carry `unsigned.prev_content`,
   * `replaces_state` and `prev_sender` (Synapse, fixture 118), and membership keeps `m.direct`-free content.
   */
  appendEvent(room: Room, input: NewEvent, txn?: TxnTag): StoredEvent {
    const event: StoredEvent = {
      event_id: this.newEventId(),
      type: input.type,
      sender: input.sender,
      content: input.content,
      origin_server_ts: input.origin_server_ts ?? this.clock(),
    }
    this.lastTs = Math.max(this.lastTs, event.origin_server_ts)
    if (input.state_key !== undefined) {
      event.state_key = input.state_key
      const prev = room.current(input.type, input.state_key)
      if (prev) {
        event.unsigned = { replaces_state: prev.event_id, prev_content: prev.content, prev_sender: prev.sender }
      }
    }
    const pos = room.timeline.append(event, this.nextStream(), txn)
    if (input.state_key !== undefined) room.recordState(event, pos)
    return event
  }

  /** The event clock: the injected clock, but never behind an event already issued (generated runs may be ahead). */
  clock(): number {
    return Math.max(this.time.now(), this.lastTs + 1)
  }

  /** Appends a lazily generated run of non-state events (see Timeline.appendGenerated). */
  appendGenerated(room: Room, count: number, tag: string, lastTs: number, make: (k: number, eventId: string) => StoredEvent): void {
    if (count <= 0) return
    const streamStart = this.nextStream(count)
    room.timeline.appendGenerated(count, streamStart, tag, make)
    this.lastTs = Math.max(this.lastTs, lastTs)
  }

  /** Sets global (roomId undefined) or per-room account data and moves the stream so `/sync` sends it. */
  setAccountData(userId: string, type: string, content: Record<string, unknown>, roomId?: string): void {
    const user = this.user(userId)
    const item = { content, stream: this.nextStream() }
    if (roomId === undefined) {
      user.accountData.set(type, item)
      return
    }
    let perRoom = user.roomAccountData.get(roomId)
    if (!perRoom) user.roomAccountData.set(roomId, (perRoom = new Map()))
    perRoom.set(type, item)
  }

  touchPushRules(userId: string): void {
    this.user(userId).pushRulesStream = this.nextStream()
  }

  /** Users whose non-state events `viewer` must not see (spec: "Ignoring Users", `m.ignored_user_list`). */
  ignoredBy(viewer: string): Set<string> {
    const content = this.users.get(viewer)?.accountData.get('m.ignored_user_list')?.content
    const ignored = content?.ignored_users
    return new Set(ignored && typeof ignored === 'object' ? Object.keys(ignored) : [])
  }

  requireSelf(session: Session, userId: string, what: string): void {
    if (session.userId !== userId) throw forbidden(`Cannot ${what} for other users.`)
  }
}
