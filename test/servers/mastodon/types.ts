// Public option and seed types of the Mastodon-API test server, and the internal records it stores.
// Field names of the seed inputs follow the Mastodon REST entities (mdocs: entities/Account.md,
// entities/Status.md) so that a test reads like the API it exercises.

import type { ClockInput } from '../common/clock.js'
import type { FediDirectory } from './directory.js'

export type Flavor = 'mastodon' | 'gotosocial' | 'akkoma' | 'sharkey'
export type Visibility = 'public' | 'unlisted' | 'private' | 'direct'

/** One Rack::Attack-style fixed window: `limit` requests per `periodSeconds`, aligned to the epoch. */
export interface Throttle {
  limit: number
  periodSeconds: number
}

/**
 * Budgets, defaults from mastodon `config/initializers/rack_attack.rb` and `app/lib/rate_limiter.rb`.
 * Tests shrink them (e.g. 5 per 2 s) instead of sleeping.
 */
export interface RateLimitOptions {
  /** `throttle_per_token_api`: 300 / 5 min per access token on /api. */
  perToken?: Throttle
  /** `throttle_authenticated_api`: 1,500 / 5 min per user on /api. */
  perUser?: Throttle
  /** `throttle_unauthenticated_api`: 300 / 5 min per IP on /api without a token. */
  unauthenticated?: Throttle
  /** `throttle_authenticated_paging` / `_unauthenticated_paging`: 300 / 15 min for any request with max_id/min_id/since_id/page. */
  paging?: Throttle
  /** `RateLimiter::FAMILIES[:follows]`: 400 follows (and follow requests) / 24 h per account. */
  follows?: Throttle
  /** false turns every throttle off (headers are then not sent). */
  enabled?: boolean
}

export interface MastodonServerOptions {
  flavor?: Flavor
  /** Overrides the version string of /api/v1/instance and nodeinfo. */
  version?: string
  /** LOCAL_DOMAIN: the host part of `acct`. Defaults to `127.0.0.1:<port>`. */
  domain?: string
  title?: string
  rateLimits?: RateLimitOptions
  /**
   * The server's clock (rate-limit windows, `created_at`, poll expiry, the request log): a Clock (e.g.
   * ../common/clock.ts ManualClock) or `() => epochMs`; inject one to move time forward without sleeping. Default
   * wall time.
   */
  clock?: ClockInput
  /** The same as `clock` (the older name); `clock` wins when both are given. */
  now?: () => number
  /** Shared directory of test instances, used by search `resolve=true`, alias and move. */
  directory?: FediDirectory
  /** Port to listen on (0 = random). Always bound to 127.0.0.1. */
  port?: number
}

export interface ImageInput {
  bytes: Uint8Array
  contentType: string
}

export interface FieldInput {
  name: string
  value: string
  verifiedAt?: string | null
}

export interface AccountInput {
  username: string
  /** Set for a remote account known to this server (no token can be issued for it). */
  domain?: string
  /** ActivityPub id; defaults to `<server url>/users/<username>` for local accounts. */
  uri?: string
  url?: string
  displayName?: string
  /** Plain text; served as HTML `<p>…</p>` in `note` and verbatim in `source.note`. */
  note?: string
  fields?: FieldInput[]
  locked?: boolean
  bot?: boolean
  discoverable?: boolean
  indexable?: boolean
  hideCollections?: boolean
  createdAt?: string
  avatar?: ImageInput
  header?: ImageInput
  /** Password for the GoToSocial / Akkoma move endpoints. Default "password". */
  password?: string
  alsoKnownAs?: string[]
  privacy?: 'public' | 'unlisted' | 'private'
  sensitive?: boolean
  language?: string | null
}

export interface MediaInput {
  bytes?: Uint8Array
  contentType?: string
  type?: 'image' | 'gifv' | 'video' | 'audio' | 'unknown'
  description?: string | null
  focus?: { x: number; y: number }
  width?: number
  height?: number
  blurhash?: string | null
}

export interface PollInput {
  options: Array<{ title: string; votesCount?: number }>
  multiple?: boolean
  expiresAt?: string | null
  votersCount?: number | null
}

export interface EditInput {
  text: string
  spoilerText?: string
  sensitive?: boolean
  at?: string
}

export interface StatusInput {
  text?: string
  /** Raw HTML content; overrides `text`. */
  content?: string
  visibility?: Visibility
  spoilerText?: string
  sensitive?: boolean
  language?: string | null
  createdAt?: string
  inReplyToId?: string
  /** Makes this status a boost of the given status id. */
  reblogOf?: string
  /** Account ids mentioned (needed for direct statuses to be visible to them). */
  mentions?: string[]
  tags?: string[]
  media?: MediaInput[]
  poll?: PollInput
  pinned?: boolean
  /** Earlier versions, oldest first; the status itself is the latest version. */
  edits?: EditInput[]
}

export interface FollowOptions {
  reblogs?: boolean
  notify?: boolean
  languages?: string[] | null
}

export interface FilterInput {
  title: string
  context?: string[]
  filterAction?: 'warn' | 'hide' | 'blur'
  expiresAt?: string | null
  keywords?: Array<{ keyword: string; wholeWord?: boolean }>
  statusIds?: string[]
}

export interface SeededAccount {
  id: string
  username: string
  acct: string
  uri: string
  url: string
}

export interface RequestLogEntry {
  method: string
  path: string
  query: string
  status: number
  /** Route pattern, e.g. `GET /api/v1/accounts/:id/statuses`, or `unmatched`. */
  route: string
  accountId: string | null
  at: number
}

// ---- internal records ----

export interface AccountRecord {
  id: bigint
  username: string
  domain: string | null
  uri: string
  url: string
  displayName: string
  note: string
  fields: FieldInput[]
  locked: boolean
  bot: boolean
  discoverable: boolean
  indexable: boolean
  hideCollections: boolean
  createdAt: string
  avatarPath: string | null
  headerPath: string | null
  password: string
  alsoKnownAs: string[]
  movedToId: bigint | null
  privacy: 'public' | 'unlisted' | 'private'
  sensitive: boolean
  language: string | null
}

export interface MediaRecord {
  id: bigint
  accountId: bigint
  type: 'image' | 'gifv' | 'video' | 'audio' | 'unknown'
  path: string
  contentType: string
  description: string | null
  focus: { x: number; y: number } | null
  width: number | null
  height: number | null
  blurhash: string | null
}

export interface PollRecord {
  id: bigint
  options: Array<{ title: string; votesCount: number }>
  multiple: boolean
  expiresAt: string | null
  votersCount: number | null
}

export interface EditRecord {
  text: string
  spoilerText: string
  sensitive: boolean
  at: string
}

export interface StatusRecord {
  id: bigint
  accountId: bigint
  createdAt: string
  visibility: Visibility
  content: string
  text: string
  spoilerText: string
  sensitive: boolean
  language: string | null
  inReplyToId: bigint | null
  inReplyToAccountId: bigint | null
  reblogOfId: bigint | null
  mentionIds: bigint[]
  tags: string[]
  mediaIds: bigint[]
  poll: PollRecord | null
  pinned: boolean
  edits: EditRecord[]
  editedAt: string | null
  uri: string
  url: string
}

/** Any row that Mastodon pages by its own (often internal) id. */
export interface Row {
  id: bigint
}

export interface FollowRecord extends Row {
  accountId: bigint
  targetId: bigint
  reblogs: boolean
  notify: boolean
  languages: string[] | null
}

export interface TokenRecord {
  id: number
  token: string
  accountId: bigint | null
  scopes: string[]
}
