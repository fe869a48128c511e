// Wire types of the Misskey API calls Lifeboat makes. The shapes are misskey-js's generated models
// (misskey-js `built/autogen/models.d.ts`, from the server's OpenAPI schema; API reference:
// https://misskey-hub.net/en/docs/for-developers/api/) and were checked against real recordings
// (/work/shared/fixtures/misskey/<version>/<endpoint>__<variant>.json, named per type below).
import type * as Misskey from 'misskey-js'

/** `i` (i__alice.json): `alsoKnownAs` and `movedTo` are user ids, not URIs; `policies.rateLimitFactor` scales limits. */
export type MeDetailed = Misskey.entities.MeDetailed
/** `users/show` (users_show__bob-as-alice.json): relation flags (`isFollowing` …) only when signed in. */
export type UserDetailed = Misskey.entities.UserDetailed
export type UserLite = Misskey.entities.UserLite
/** `users/notes`, `notes/show` (notes_show__*.json): `uri`/`url` only for remote notes; `mentions` are user ids. */
export type Note = Misskey.entities.Note
/** `drive/stream`, `drive/files` (drive_stream__limit100.json): absolute `url`, `md5` of the stored bytes. */
export type DriveFile = Misskey.entities.DriveFile
export type DriveFolder = Misskey.entities.DriveFolder
/** `users/following` / `users/followers` (users_following__limit100.json): the cursor is the relation id. */
export type Following = Misskey.entities.Following
export type Blocking = Misskey.entities.Blocking
export type Muting = Misskey.entities.Muting
export type RenoteMuting = Misskey.entities.RenoteMuting
/** `users/lists/list` (users_lists_list__*.json): `userIds` inside each list. */
export type UserList = Misskey.entities.UserList
export type Antenna = Misskey.entities.Antenna
export type Clip = Misskey.entities.Clip
/** `i/favorites` (i_favorites__limit100.json): the cursor is the favorite id. */
export type NoteFavorite = Misskey.entities.NoteFavorite
/** `users/reactions` (users_reactions__alice-self.json): `type` is the reaction, `note` the note reacted to. */
export type NoteReaction = Misskey.entities.NoteReaction & { note?: Note }
export type Endpoints = Misskey.Endpoints

/** The error object of every Misskey API error answer (README "Error bodies and status codes"). */
export interface ApiErrorBody {
  message: string
  code: string
  id: string
  kind: 'client' | 'server' | 'permission'
  info?: Record<string, unknown>
}

/** `ACCESS_DENIED` of a `secure: true` endpoint called with an app token (i_move__app-token-access-denied.json). */
export const SECURE_ACCESS_DENIED_ID = '56f35758-7dd5-468b-8439-5d6fb8ec9b8e'

/**
 * Where the archive's `native/misskey/cursor.json` says a later `--since` export starts: the newest ids of the
 * append-only histories (notes, drive files, favorites, reactions), which Misskey pages with `sinceId`.
 */
export interface MisskeyCursor {
  /** The account these ids belong to (user id on `server`). */
  userId: string
  server: string
  notes?: string
  files?: string
  favorites?: string
  reactions?: string
}

/**
 * The permission (MiAuth / access-token `kind`) each endpoint Lifeboat calls needs, from the upstream endpoint
 * metas (misskey packages/backend/src/server/api/endpoints/<name>.ts). Used to say which permission a 403 lacks.
 */
export const ENDPOINT_KINDS: Record<string, string> = {
  i: 'read:account',
  'i/update': 'write:account',
  'drive/stream': 'read:drive',
  'drive/folders': 'read:drive',
  'drive/files/show': 'read:drive',
  'blocking/list': 'read:blocks',
  'mute/list': 'read:mutes',
  'renote-mute/list': 'read:mutes',
  'users/lists/list': 'read:account',
  'antennas/list': 'read:account',
  'clips/list': 'read:account',
  'clips/notes': 'read:account',
  'i/favorites': 'read:favorites',
  'following/create': 'write:following',
  'blocking/create': 'write:blocks',
  'mute/create': 'write:mutes',
  'renote-mute/create': 'write:mutes',
  'users/lists/create': 'write:account',
  'users/lists/push': 'write:account',
  'ap/show': 'read:account',
}

/** Permissions an access token needs for each Lifeboat job (docs/adapters/misskey.md "Tokens"). */
export const EXPORT_PERMISSIONS = ['read:account', 'read:drive', 'read:blocks', 'read:mutes', 'read:favorites']
export const REPLAY_PERMISSIONS = ['read:account', 'write:account', 'write:following', 'write:blocks', 'write:mutes']
