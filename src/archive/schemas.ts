// JSON Schemas (draft-07) of archive format v1: one per record kind, and the manifest's (docs/archive-format.md §4,
// §5, §8). They state what a reader relies on: the fields it reads, with their types. Optional fields may also be
// null, and every object admits fields it does not name (§4: unknown fields are preserved or ignored, never refused).
// The TypeScript shapes in records.ts are the writer's side of the same contract. The checks that run are these
// schemas compiled ahead of time: after changing one, run `npm run generate:schema-checks` (a test fails until then).
import { NETWORKS, RECORD_KINDS, type RecordKind } from './format.js'

type Schema = Record<string, unknown>

const string: Schema = { type: 'string' }
const optString: Schema = { type: ['string', 'null'] }
const optBoolean: Schema = { type: ['boolean', 'null'] }
const count: Schema = { type: 'integer', minimum: 0 }
const strings: Schema = { type: 'array', items: string }
const optStrings: Schema = { type: ['array', 'null'], items: string }

function object(required: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema {
  return { type: 'object', required: Object.keys(required), properties: { ...required, ...optional } }
}

const accountRef = object({ id: string }, { handle: optString, url: optString, displayName: optString })
const mediaRef = object({ sha256: string }, { mime: optString, alt: optString })
const relation = object(
  { account: accountRef },
  { createdAt: optString, showReposts: optBoolean, notify: optBoolean, languages: optStrings, hideNotifications: optBoolean, expiresAt: optString },
)
const subject = object({ subject: string }, { url: optString, createdAt: optString })
const named = object({ id: string, name: string }, { notes: strings })

const post = object(
  { id: string, createdAt: string, text: string },
  {
    cid: optString,
    uri: optString,
    url: optString,
    html: optString,
    contentWarning: optString,
    visibility: { enum: ['public', 'unlisted', 'followers', 'direct', 'specified', null] },
    localOnly: optBoolean,
    langs: optStrings,
    replyTo: { anyOf: [{ type: 'null' }, object({ id: string }, { root: optString })] },
    quoteOf: optString,
    repostOf: optString,
    mentions: { type: 'array', items: accountRef },
    tags: strings,
    links: strings,
    media: { type: 'array', items: mediaRef },
    external: { anyOf: [{ type: 'null' }, object({ uri: string }, { title: optString, description: optString })] },
    poll: {
      anyOf: [
        { type: 'null' },
        object({ options: { type: 'array', items: object({ text: string }, { votes: { type: ['number', 'null'] } }) } }, { multiple: optBoolean, expiresAt: optString }),
      ],
    },
    reactions: { type: ['object', 'null'], additionalProperties: { type: 'number' } },
    pinned: optBoolean,
    edits: { type: 'array', items: object({ createdAt: string, text: string }, { contentWarning: optString }) },
  },
)

const media = object(
  { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, size: count, source: object({}, { url: optString, cid: optString, id: optString, mxc: optString }) },
  { mime: optString, name: optString, alt: optString, sensitive: optBoolean, folder: optString, attachedTo: strings },
)

const room = object(
  {
    id: string,
    membership: string,
    encrypted: { type: 'boolean' },
    isDirect: { type: 'boolean' },
    directWith: strings,
    via: strings,
    tags: { type: 'object' },
    state: { type: 'array' },
    counts: object({ events: count, undecryptable: count, media: count }),
    error: optString,
  },
  { name: optString, topic: optString, canonicalAlias: optString },
)

const event = object({
  roomId: string,
  event: { type: 'object' },
  decrypted: { type: ['object', 'null'] },
  media: { type: 'array', items: object({ sha256: string, mxc: string }) },
})

export const RECORD_SCHEMAS: Record<RecordKind, Schema> = {
  posts: post,
  following: relation,
  followers: relation,
  blocks: relation,
  mutes: relation,
  'renote-mutes': relation,
  'domain-blocks': object({ domain: string }),
  lists: object({ id: string, name: string, members: { type: 'array', items: accountRef } }, { description: optString, purpose: optString }),
  bookmarks: subject,
  likes: subject,
  reposts: subject,
  antennas: named,
  clips: named,
  filters: named,
  'featured-tags': named,
  endorsements: accountRef,
  rooms: room,
  events: event,
  'account-data': object({ type: string, roomId: optString, content: {} }),
  media,
}

export const MANIFEST_SCHEMA: Schema = object(
  {
    format: string,
    version: { type: 'integer' },
    tool: object({ name: string, version: string }),
    createdAt: string,
    source: object({ network: { enum: [...NETWORKS] }, server: optString, account: accountRef }),
    since: { anyOf: [{ type: 'null' }, object({ archive: string })] },
    counts: { type: 'object', additionalProperties: count },
    members: { type: 'object', additionalProperties: object({ sha256: string, size: count }) },
  },
  { notes: strings },
)

/** The kinds as one JSON document, as docs/archive-format.md §4.11 prints it. */
export function schemaDocument(): Schema {
  return { manifest: MANIFEST_SCHEMA, records: Object.fromEntries(RECORD_KINDS.map((kind) => [kind, RECORD_SCHEMAS[kind]])) }
}
