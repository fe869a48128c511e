// Server discovery and the ActivityPub actor.
// - `GET /api/v1/instance`, `/api/v2/instance` (mdocs: methods/instance.md; entities/V1_Instance.md, Instance.md):
//   the `version` string is what tells servers apart. Mastodon sends a bare semver; GoToSocial its own semver;
//   Akkoma/Pleroma "<mastodon compat> (compatible; Akkoma <version>)" (megalodon `detector`, masto.js docs).
// - `/.well-known/nodeinfo` + `/nodeinfo/2.0` (nodeinfo.diaspora.software schema 2.0; mastodon
//   `app/controllers/well_known/node_info_controller.rb`): `software.name` is mastodon | gotosocial | akkoma.
// - `/.well-known/webfinger?resource=acct:user@domain` (mastodon `app/controllers/well_known/webfinger_controller.rb`).
// - `GET /users/:username` with `Accept: application/activity+json` (mastodon `app/serializers/activitypub/actor_serializer.rb`):
//   carries `alsoKnownAs` and `movedTo`, so a move made in the web UI can be verified.

import { textToHtml } from '../account-entity.js'
import { ApiError, ok, type Ctx, type Reply, type ServerState } from '../context.js'
import { stringParam } from '../params.js'
import type { Route } from '../router.js'
import type { AccountRecord, Flavor } from '../types.js'

export function defaultVersion(flavor: Flavor): string {
  if (flavor === 'gotosocial') return '0.17.3'
  if (flavor === 'akkoma') return '2.7.2 (compatible; Akkoma 3.13.2)'
  if (flavor === 'sharkey') return '3.0.0 (compatible; Sharkey 2025.4.7; like Akkoma)'
  return '4.3.2'
}

function softwareVersion(state: ServerState): string {
  if (state.flavor !== 'akkoma' && state.flavor !== 'sharkey') return state.version
  const match = /(?:Akkoma|Sharkey) ([^);\s]+)/.exec(state.version)
  return match ? match[1]! : state.version
}

function localCounts(state: ServerState): { users: number; statuses: number } {
  let users = 0
  let statuses = 0
  for (const account of state.store.accounts.values()) {
    if (account.domain !== null) continue
    users++
    statuses += state.store.statusesOf(account.id).length
  }
  return { users, statuses }
}

const CONFIGURATION = {
  statuses: { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 },
  media_attachments: { supported_mime_types: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4', 'audio/mpeg'], image_size_limit: 16777216, image_matrix_limit: 33177600, video_size_limit: 103809024, video_frame_rate_limit: 120, video_matrix_limit: 8294400 },
  polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 },
}

function instanceV1(ctx: Ctx): Reply {
  const { state } = ctx
  const counts = localCounts(state)
  return ok({
    uri: state.domain,
    title: state.title,
    short_description: '',
    description: '',
    email: `admin@${state.domain}`,
    version: state.version,
    urls: { streaming_api: state.url.replace(/^http/, 'ws') },
    stats: { user_count: counts.users, status_count: counts.statuses, domain_count: 0 },
    thumbnail: null,
    languages: ['en'],
    registrations: false,
    approval_required: false,
    invites_enabled: false,
    configuration: { accounts: { max_featured_tags: 10, max_pinned_statuses: 5 }, ...CONFIGURATION },
    contact_account: null,
    rules: [],
  })
}

function instanceV2(ctx: Ctx): Reply {
  const { state } = ctx
  return ok({
    domain: state.domain,
    title: state.title,
    version: state.version,
    source_url: state.flavor === 'mastodon' ? 'https://github.com/mastodon/mastodon' : state.flavor === 'gotosocial' ? 'https://github.com/superseriousbusiness/gotosocial' : 'https://akkoma.dev/AkkomaGang/akkoma',
    description: '',
    usage: { users: { active_month: localCounts(state).users } },
    thumbnail: { url: `${state.url}/packs/media/images/preview.png` },
    languages: ['en'],
    configuration: { urls: { streaming: state.url.replace(/^http/, 'ws') }, accounts: { max_featured_tags: 10, max_pinned_statuses: 5 }, ...CONFIGURATION, translation: { enabled: false } },
    registrations: { enabled: false, approval_required: false, message: null },
    contact: { email: `admin@${state.domain}`, account: null },
    rules: [],
  })
}

function nodeinfoIndex(ctx: Ctx): Reply {
  return ok({ links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `${ctx.state.url}/nodeinfo/2.0` }] })
}

function nodeinfo(ctx: Ctx): Reply {
  const { state } = ctx
  const counts = localCounts(state)
  return ok({
    version: '2.0',
    software: { name: state.flavor, version: softwareVersion(state) },
    protocols: ['activitypub'],
    services: { outbound: [], inbound: [] },
    usage: { users: { total: counts.users, activeMonth: counts.users, activeHalfyear: counts.users }, localPosts: counts.statuses },
    openRegistrations: false,
    metadata: { nodeName: state.title },
  })
}

function localAccount(ctx: Ctx, username: string | undefined): AccountRecord {
  const account = username === undefined ? undefined : ctx.state.store.findByAcct(username)
  if (!account || account.domain !== null) throw new ApiError(404, { error: 'Not Found' })
  return account
}

function webfinger(ctx: Ctx): Reply {
  const resource = stringParam(ctx.params['resource']) ?? ''
  const match = /^(?:acct:)?@?([^@]+)@(.+)$/.exec(resource)
  if (!match || match[2]!.toLowerCase() !== ctx.state.domain.toLowerCase()) throw new ApiError(404, { error: 'Not Found' })
  const account = localAccount(ctx, match[1])
  return ok({
    subject: `acct:${account.username}@${ctx.state.domain}`,
    aliases: [account.url, account.uri],
    links: [
      { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: account.url },
      { rel: 'self', type: 'application/activity+json', href: account.uri },
    ],
  })
}

const AP_CONTEXT = [
  'https://www.w3.org/ns/activitystreams',
  'https://w3id.org/security/v1',
  {
    manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
    toot: 'http://joinmastodon.org/ns#',
    alsoKnownAs: { '@id': 'as:alsoKnownAs', '@type': '@id' },
    movedTo: { '@id': 'as:movedTo', '@type': '@id' },
    schema: 'http://schema.org#',
    PropertyValue: 'schema:PropertyValue',
    value: 'schema:value',
    discoverable: 'toot:discoverable',
    indexable: 'toot:indexable',
  },
]

export function actorDocument(state: ServerState, account: AccountRecord): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    '@context': AP_CONTEXT,
    id: account.uri,
    type: account.bot ? 'Service' : 'Person',
    following: `${account.uri}/following`,
    followers: `${account.uri}/followers`,
    inbox: `${account.uri}/inbox`,
    outbox: `${account.uri}/outbox`,
    featured: `${account.uri}/collections/featured`,
    featuredTags: `${account.uri}/collections/tags`,
    preferredUsername: account.username,
    name: account.displayName,
    summary: textToHtml(account.note),
    url: account.url,
    manuallyApprovesFollowers: account.locked,
    discoverable: account.discoverable,
    indexable: account.indexable,
    published: `${account.createdAt.slice(0, 10)}T00:00:00Z`,
    publicKey: { id: `${account.uri}#main-key`, owner: account.uri, publicKeyPem: PLACEHOLDER_PEM },
    tag: [],
    attachment: account.fields.map((f) => ({ type: 'PropertyValue', name: f.name, value: f.value })),
    endpoints: { sharedInbox: `${state.url}/inbox` },
  }
  if (account.alsoKnownAs.length > 0) doc['alsoKnownAs'] = [...account.alsoKnownAs]
  const moved = account.movedToId === null ? undefined : state.store.accounts.get(account.movedToId)
  if (moved) doc['movedTo'] = moved.uri
  if (account.avatarPath) doc['icon'] = { type: 'Image', mediaType: state.store.files.get(account.avatarPath)?.contentType, url: `${state.url}${account.avatarPath}` }
  if (account.headerPath) doc['image'] = { type: 'Image', mediaType: state.store.files.get(account.headerPath)?.contentType, url: `${state.url}${account.headerPath}` }
  return doc
}

/** Not a real key: this server never signs anything. */
const PLACEHOLDER_PEM = '-----BEGIN PUBLIC KEY-----\nTEST-SERVER-PLACEHOLDER\n-----END PUBLIC KEY-----\n'

function actor(ctx: Ctx): Reply {
  const account = localAccount(ctx, ctx.path['username'])
  const accept = String(ctx.req.headers['accept'] ?? '')
  if (/application\/(activity\+json|ld\+json)/.test(accept)) {
    return { status: 200, bytes: Buffer.from(JSON.stringify(actorDocument(ctx.state, account))), contentType: 'application/activity+json; charset=utf-8' }
  }
  const html = `<!DOCTYPE html><html><head><title>${account.displayName}</title></head><body><h1>@${account.username}</h1></body></html>`
  return { status: 200, bytes: Buffer.from(html), contentType: 'text/html; charset=utf-8' }
}

export function instanceRoutes(): Route[] {
  return [
    { method: 'GET', pattern: '/api/v1/instance', handler: instanceV1 },
    { method: 'GET', pattern: '/api/v2/instance', handler: instanceV2 },
    { method: 'GET', pattern: '/.well-known/nodeinfo', handler: nodeinfoIndex },
    { method: 'GET', pattern: '/nodeinfo/2.0', handler: nodeinfo },
    { method: 'GET', pattern: '/.well-known/webfinger', handler: webfinger },
    { method: 'GET', pattern: '/users/:username', handler: actor },
  ]
}
