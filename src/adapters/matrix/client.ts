// A thin Matrix client-server API client over the shared HTTP client. Every call is `http.request`, so a reply cut
// off mid-body is retried like a reset (matrix-js-sdk's http layer reads bodies outside our retry and costs ~80 MB
// of RSS to load; see docs/adapters/matrix.md). Paths use the v3 prefix (Synapse ≥ 1.48, every current server).
// The token travels only in the Authorization header (query-string tokens were removed by MSC4127).
import type { HttpClient } from '../../net/http-client.js'
import { registerSecret } from '../../net/redact.js'
import type {
  ClientEvent,
  CreateRoomRequest,
  JoinedRoomsResponse,
  MessagesResponse,
  ProfileResponse,
  PushRule,
  PushRuleKind,
  PushRulesResponse,
  RoomAliasResponse,
  SyncResponse,
  UploadResponse,
  WhoAmIResponse,
} from './api.js'
import { isMatrixError, matrixError, NotJsonError, parseErrorBody } from './errors.js'
import { MATRIX_BODIES } from './pacing.js'

export const CLIENT_V3 = '/_matrix/client/v3'

export interface CallOptions {
  query?: Record<string, string | number | boolean | string[] | undefined>
  body?: unknown
  /** Default true: send the access token. */
  auth?: boolean
  /** Raw bytes instead of JSON (uploads). */
  bytes?: { data: Uint8Array; contentType: string }
}

export function enc(segment: string): string {
  return encodeURIComponent(segment)
}

export class MatrixClient {
  readonly host: string
  #token: string | undefined

  constructor(
    readonly http: HttpClient,
    readonly baseUrl: string,
    accessToken?: string,
  ) {
    this.host = new URL(baseUrl).host
    this.accessToken = accessToken
    http.registerBodyReader(MATRIX_BODIES)
  }

  get accessToken(): string | undefined {
    return this.#token
  }

  set accessToken(token: string | undefined) {
    registerSecret(token)
    this.#token = token
  }

  url(path: string, query: CallOptions['query'] = {}): string {
    const url = new URL(this.baseUrl.replace(/\/+$/, '') + path)
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v))
    }
    return url.href
  }

  headers(auth = true): Record<string, string> {
    return auth && this.#token ? { authorization: `Bearer ${this.#token}` } : {}
  }

  /** One JSON call; non-2xx answers become AuthError or MatrixApiError (errors.ts). */
  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const headers = this.headers(options.auth ?? true)
    let body: BodyInit | undefined
    if (options.bytes) {
      headers['content-type'] = options.bytes.contentType
      body = options.bytes.data as unknown as BodyInit
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    const what = `${method} ${decodeURIComponent(path)}`
    return this.http.request(this.url(path, options.query), { method, headers, body }, async (res) => {
      const text = await res.text()
      if (!res.ok) throw matrixError(what, this.host, res.status, parseErrorBody(text))
      try {
        return (text ? JSON.parse(text) : {}) as T
      } catch (error) {
        throw new NotJsonError(`${what} on ${this.host} answered ${res.status} with something that is not JSON.`, {
          hint: 'Check that the address is the Matrix homeserver (or its client API base URL).',
          cause: error,
        })
      }
    })
  }

  whoami(): Promise<WhoAmIResponse> {
    return this.call('GET', `${CLIENT_V3}/account/whoami`)
  }

  async logout(): Promise<void> {
    await this.call('POST', `${CLIENT_V3}/logout`, { body: {} })
  }

  /** One non-blocking `/sync` with an inline filter; `set_presence=offline` so that an export never shows as online. */
  sync(filter: Record<string, unknown>): Promise<SyncResponse> {
    return this.call('GET', `${CLIENT_V3}/sync`, { query: { filter: JSON.stringify(filter), timeout: 0, set_presence: 'offline' } })
  }

  messages(roomId: string, params: { dir: 'b' | 'f'; from?: string; to?: string; limit: number; filter?: Record<string, unknown> }): Promise<MessagesResponse> {
    const { dir, from, to, limit, filter } = params
    return this.call('GET', `${CLIENT_V3}/rooms/${enc(roomId)}/messages`, {
      query: { dir, from, to, limit, filter: filter ? JSON.stringify(filter) : undefined },
    })
  }

  roomState(roomId: string): Promise<ClientEvent[]> {
    return this.call('GET', `${CLIENT_V3}/rooms/${enc(roomId)}/state`)
  }

  /** The content of one state event, or null when it is not set. */
  async stateEvent(roomId: string, type: string, stateKey = ''): Promise<Record<string, unknown> | null> {
    try {
      return await this.call('GET', `${CLIENT_V3}/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`)
    } catch (error) {
      if (isMatrixError(error, 404)) return null
      throw error
    }
  }

  async joinedRooms(): Promise<string[]> {
    return (await this.call<JoinedRoomsResponse>('GET', `${CLIENT_V3}/joined_rooms`)).joined_rooms ?? []
  }

  resolveAlias(alias: string): Promise<RoomAliasResponse> {
    return this.call('GET', `${CLIENT_V3}/directory/room/${enc(alias)}`)
  }

  profile(userId: string): Promise<ProfileResponse> {
    return this.call('GET', `${CLIENT_V3}/profile/${enc(userId)}`)
  }

  async setProfileField(userId: string, field: 'displayname' | 'avatar_url', value: string): Promise<void> {
    await this.call('PUT', `${CLIENT_V3}/profile/${enc(userId)}/${field}`, { body: { [field]: value } })
  }

  pushRules(): Promise<PushRulesResponse> {
    return this.call('GET', `${CLIENT_V3}/pushrules/`)
  }

  async putPushRule(kind: PushRuleKind, rule: PushRule, place: { after?: string } = {}): Promise<void> {
    const body: Record<string, unknown> = { actions: rule.actions }
    if (rule.conditions !== undefined) body.conditions = rule.conditions
    if (rule.pattern !== undefined) body.pattern = rule.pattern
    await this.call('PUT', `${CLIENT_V3}/pushrules/global/${kind}/${enc(rule.rule_id)}`, { body, query: { after: place.after } })
  }

  async putPushRuleAttribute(kind: PushRuleKind, ruleId: string, attribute: 'enabled' | 'actions', value: unknown): Promise<void> {
    await this.call('PUT', `${CLIENT_V3}/pushrules/global/${kind}/${enc(ruleId)}/${attribute}`, { body: { [attribute]: value } })
  }

  /** Global (roomId undefined) or room account data; null when unset (404 `M_NOT_FOUND`). */
  async accountData(userId: string, type: string, roomId?: string): Promise<Record<string, unknown> | null> {
    try {
      return await this.call('GET', accountDataPath(userId, type, roomId))
    } catch (error) {
      if (isMatrixError(error, 404)) return null
      throw error
    }
  }

  async putAccountData(userId: string, type: string, content: Record<string, unknown>, roomId?: string): Promise<void> {
    await this.call('PUT', accountDataPath(userId, type, roomId), { body: content })
  }

  async tags(userId: string, roomId: string): Promise<Record<string, Record<string, unknown>>> {
    const reply = await this.call<{ tags?: Record<string, Record<string, unknown>> }>('GET', `${CLIENT_V3}/user/${enc(userId)}/rooms/${enc(roomId)}/tags`)
    return reply.tags ?? {}
  }

  async putTag(userId: string, roomId: string, tag: string, content: Record<string, unknown>): Promise<void> {
    await this.call('PUT', `${CLIENT_V3}/user/${enc(userId)}/rooms/${enc(roomId)}/tags/${enc(tag)}`, { body: content })
  }

  /** `POST /join/{roomIdOrAlias}` with `via` (v1.12) and its older spelling `server_name`; returns the room ID. */
  async join(roomIdOrAlias: string, via: string[] = []): Promise<string> {
    const query = via.length > 0 ? { via, server_name: via } : {}
    const reply = await this.call<{ room_id: string }>('POST', `${CLIENT_V3}/join/${enc(roomIdOrAlias)}`, { body: {}, query })
    return reply.room_id
  }

  async createRoom(request: CreateRoomRequest): Promise<string> {
    return (await this.call<{ room_id: string }>('POST', `${CLIENT_V3}/createRoom`, { body: request })).room_id
  }

  async upload(data: Uint8Array, contentType: string, fileName?: string): Promise<string> {
    const reply = await this.call<UploadResponse>('POST', '/_matrix/media/v3/upload', { bytes: { data, contentType }, query: { filename: fileName } })
    return reply.content_uri
  }
}

function accountDataPath(userId: string, type: string, roomId?: string): string {
  return roomId === undefined
    ? `${CLIENT_V3}/user/${enc(userId)}/account_data/${enc(type)}`
    : `${CLIENT_V3}/user/${enc(userId)}/rooms/${enc(roomId)}/account_data/${enc(type)}`
}
