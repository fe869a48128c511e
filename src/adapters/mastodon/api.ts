// Wire types of the Mastodon REST API calls Lifeboat makes (and the GoToSocial / Akkoma additions it uses).
// Fields are the ones Lifeboat reads; servers send more, and the native copies in the archive keep all of it.
// Ids are strings everywhere (snowflakes on Mastodon, ULIDs on GoToSocial, flake ids on Akkoma).

/** https://docs.joinmastodon.org/entities/Account/ */
export interface Account {
  id: string
  username: string
  /** `user` for local accounts, `user@host` for remote ones. */
  acct: string
  display_name: string
  locked: boolean
  bot: boolean
  /** Profile page. */
  url: string
  /** ActivityPub actor id (4.2+; absent on older servers, where `url` is the fallback). */
  uri?: string
  note: string
  avatar: string
  header: string
  fields: Field[]
  /** The account it moved to. */
  moved?: Account | null
  created_at?: string
}

/** https://docs.joinmastodon.org/entities/Account/#Field */
export interface Field {
  name: string
  value: string
  verified_at?: string | null
}

/** https://docs.joinmastodon.org/entities/Account/#CredentialAccount (`verify_credentials`). */
export interface CredentialAccount extends Account {
  source?: {
    /** Plain text, as the user typed it. */
    note?: string
    fields?: Field[]
    privacy?: string
    sensitive?: boolean
    language?: string | null
    /** GoToSocial only (`internal/api/model/source.go`); omitted when empty. */
    also_known_as_uris?: string[]
  }
}

/** https://docs.joinmastodon.org/entities/Relationship/ */
export interface Relationship {
  id: string
  following: boolean
  showing_reblogs: boolean
  notifying: boolean
  languages?: string[] | null
  followed_by: boolean
  blocking: boolean
  muting: boolean
  muting_notifications: boolean
  requested: boolean
  domain_blocking: boolean
  endorsed: boolean
}

/** https://docs.joinmastodon.org/entities/MediaAttachment/ */
export interface MediaAttachment {
  id: string
  type: 'image' | 'gifv' | 'video' | 'audio' | 'unknown'
  /** The original file. */
  url: string | null
  preview_url?: string | null
  remote_url?: string | null
  description: string | null
  blurhash?: string | null
  meta?: { focus?: { x: number; y: number }; original?: Record<string, unknown> } | null
}

/** https://docs.joinmastodon.org/entities/Poll/ */
export interface Poll {
  id: string
  expires_at: string | null
  expired: boolean
  multiple: boolean
  votes_count: number
  voters_count: number | null
  options: { title: string; votes_count: number | null }[]
  voted?: boolean
  own_votes?: number[]
}

/** https://docs.joinmastodon.org/entities/Status/#Mention */
export interface Mention {
  id: string
  username: string
  url: string
  acct: string
}

/** https://docs.joinmastodon.org/entities/Status/ */
export interface Status {
  id: string
  uri: string
  url: string | null
  created_at: string
  account: Account
  content: string
  visibility: 'public' | 'unlisted' | 'private' | 'direct'
  sensitive: boolean
  spoiler_text: string
  media_attachments: MediaAttachment[]
  mentions: Mention[]
  tags: { name: string; url: string }[]
  in_reply_to_id: string | null
  in_reply_to_account_id: string | null
  reblog: Status | null
  poll: Poll | null
  card?: { url: string; title: string; description: string } | null
  language: string | null
  /** Present for the author's own statuses when authenticated. */
  pinned?: boolean
  edited_at?: string | null
}

/** https://docs.joinmastodon.org/entities/StatusEdit/ (`GET /api/v1/statuses/:id/history`, oldest first). */
export interface StatusEdit {
  content: string
  spoiler_text: string
  sensitive: boolean
  created_at: string
}

/** https://docs.joinmastodon.org/entities/List/ */
export interface List {
  id: string
  title: string
  replies_policy?: 'followed' | 'list' | 'none'
  exclusive?: boolean
}

/** https://docs.joinmastodon.org/methods/mutes/ — an Account plus `mute_expires_at` (4.3+). */
export interface MutedAccount extends Account {
  mute_expires_at?: string | null
}

/** https://docs.joinmastodon.org/entities/FeaturedTag/ */
export interface FeaturedTag {
  id: string
  name: string
  url?: string
  statuses_count?: number | string
  last_status_at?: string | null
}

/** https://docs.joinmastodon.org/entities/Filter/ (v2). */
export interface Filter {
  id: string
  title: string
  context: string[]
  expires_at: string | null
  filter_action: string
  keywords?: { id: string; keyword: string; whole_word: boolean }[]
  statuses?: { id: string; status_id: string }[]
}

/** https://docs.joinmastodon.org/entities/V1_Filter/ (servers without /api/v2/filters). */
export interface FilterV1 {
  id: string
  phrase: string
  context: string[]
  expires_at: string | null
  irreversible: boolean
  whole_word: boolean
}

/** https://docs.joinmastodon.org/entities/Tag/ (`GET /api/v1/followed_tags`). */
export interface Tag {
  id?: string
  name: string
  url?: string
}

/** https://docs.joinmastodon.org/methods/search/#v2 */
export interface SearchResults {
  accounts: Account[]
  statuses: Status[]
  hashtags: Tag[]
}

/** https://docs.joinmastodon.org/entities/V1_Instance/ — `uri` is the domain; `version` tells servers apart. */
export interface InstanceV1 {
  uri: string
  title?: string
  version: string
}

/** https://docs.joinmastodon.org/entities/Instance/ */
export interface InstanceV2 {
  domain: string
  title?: string
  version: string
}

/** http://nodeinfo.diaspora.software/schema.html (2.0/2.1): `software.name` is mastodon, gotosocial, akkoma … */
export interface NodeInfo {
  software?: { name?: string; version?: string }
}

/** An ActivityPub actor as served with `Accept: application/activity+json` (mastodon `actor_serializer.rb`). */
export interface Actor {
  id: string
  type?: string
  preferredUsername?: string
  name?: string | null
  summary?: string | null
  url?: string
  alsoKnownAs?: string[] | string
  movedTo?: string
  manuallyApprovesFollowers?: boolean
  icon?: { url?: string; mediaType?: string } | null
  image?: { url?: string; mediaType?: string } | null
  attachment?: { type?: string; name?: string; value?: string }[]
  followers?: string
  /** 4.5+: `user@domain`. */
  webfinger?: string
}

/** Akkoma / Pleroma `GET /api/pleroma/aliases` (pleroma `web/twitter_api/controllers/util_controller.ex`). */
export interface PleromaAliases {
  aliases: string[]
}

/** Akkoma / Pleroma answers of `PUT /api/pleroma/aliases` and `POST /api/pleroma/move_account` (200 either way). */
export interface PleromaStatus {
  status?: string
  error?: string
}
