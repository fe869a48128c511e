// Wire types of the Matrix client-server API that Lifeboat reads and writes. Only the fields used are typed;
// everything else passes through verbatim (events are archived exactly as the server sent them).
// Spec: https://spec.matrix.org/v1.11/client-server-api/ (matrix-org/matrix-spec data/api/client-server/*.yaml).

/** A room event as served by `/messages`, `/state` and `/sync` ("ClientEvent"). */
export interface ClientEvent {
  event_id: string
  type: string
  sender: string
  origin_server_ts: number
  content: Record<string, unknown>
  state_key?: string
  room_id?: string
  unsigned?: Record<string, unknown>
  [key: string]: unknown
}

/** A stripped state event, as in `rooms.invite[].invite_state` ("StrippedStateEvent"). */
export interface StrippedStateEvent {
  type: string
  state_key: string
  sender: string
  content: Record<string, unknown>
}

/** `GET /_matrix/client/versions` — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientversions */
export interface VersionsResponse {
  versions: string[]
  unstable_features?: Record<string, boolean>
}

/** `GET /.well-known/matrix/client` — https://spec.matrix.org/v1.11/client-server-api/#getwell-knownmatrixclient */
export interface WellKnownClient {
  'm.homeserver'?: { base_url?: string }
}

/** `POST /login` — https://spec.matrix.org/v1.11/client-server-api/#post_matrixclientv3login */
export interface LoginResponse {
  user_id: string
  access_token: string
  device_id: string
}

/** `GET /account/whoami` — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientv3accountwhoami */
export interface WhoAmIResponse {
  user_id: string
  device_id?: string
}

export interface AccountDataEvent {
  type: string
  content: Record<string, unknown>
}

/** `GET /sync`, reduced to what an export reads — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientv3sync */
export interface SyncResponse {
  next_batch: string
  account_data?: { events?: AccountDataEvent[] }
  rooms?: {
    join?: Record<string, SyncRoom>
    invite?: Record<string, { invite_state?: { events?: StrippedStateEvent[] } }>
    leave?: Record<string, SyncRoom>
  }
}

export interface SyncRoom {
  account_data?: { events?: AccountDataEvent[] }
}

/**
 * `GET /rooms/{roomId}/messages` — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientv3roomsroomidmessages
 * `end` is absent when there is nothing further; an empty `chunk` alone does not mean the end.
 */
export interface MessagesResponse {
  start: string
  end?: string
  chunk: ClientEvent[]
  state?: ClientEvent[]
}

/** `GET /joined_rooms` — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientv3joined_rooms */
export interface JoinedRoomsResponse {
  joined_rooms: string[]
}

/** `GET /directory/room/{roomAlias}` — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientv3directoryroomroomalias */
export interface RoomAliasResponse {
  room_id: string
  servers?: string[]
}

/** `GET /profile/{userId}` — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientv3profileuserid */
export interface ProfileResponse {
  displayname?: string | null
  avatar_url?: string | null
}

/** Push rules — https://spec.matrix.org/v1.11/client-server-api/#push-rules */
export interface PushRule {
  rule_id: string
  default: boolean
  enabled: boolean
  actions: unknown[]
  conditions?: unknown[]
  pattern?: string
}

export const PUSH_RULE_KINDS = ['override', 'content', 'room', 'sender', 'underride'] as const
export type PushRuleKind = (typeof PUSH_RULE_KINDS)[number]
export type PushRuleset = Partial<Record<PushRuleKind, PushRule[]>>

/** `GET /pushrules/` — https://spec.matrix.org/v1.11/client-server-api/#get_matrixclientv3pushrules */
export interface PushRulesResponse {
  global: PushRuleset
}

/** `POST /createRoom` — https://spec.matrix.org/v1.11/client-server-api/#post_matrixclientv3createroom */
export interface CreateRoomRequest {
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat'
  is_direct?: boolean
  invite?: string[]
  name?: string
  creation_content?: Record<string, unknown>
  initial_state?: { type: string; state_key?: string; content: Record<string, unknown> }[]
}

/** `POST /_matrix/media/v3/upload` — https://spec.matrix.org/v1.11/client-server-api/#post_matrixmediav3upload */
export interface UploadResponse {
  content_uri: string
}

/** The standard error body — https://spec.matrix.org/v1.11/client-server-api/#standard-error-response */
export interface MatrixErrorBody {
  errcode?: string
  error?: string
  retry_after_ms?: number
  soft_logout?: boolean
}

/**
 * An encrypted attachment (`content.file`, `content.info.thumbnail_file`):
 * https://spec.matrix.org/v1.11/client-server-api/#sending-encrypted-attachments
 */
export interface EncryptedFile {
  url: string
  key: { kty?: string; alg?: string; k: string }
  iv: string
  hashes: { sha256?: string }
  v?: string
}
