// The only home of archive paths, names and the format version (docs/archive-format.md is normative).

export const ARCHIVE_FORMAT = 'lifeboat-archive'
export const ARCHIVE_VERSION = 1
export const SUPPORTED_VERSIONS: readonly number[] = [1]

export const MANIFEST_NAME = 'manifest.json'
export const PROFILE_NAME = 'profile.json'
export const MEDIA_INDEX_KIND = 'media'
/** Largest manifest a reader will parse (docs/archive-format.md §8). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024
/** Longest line of a `<kind>.jsonl` member, so the largest record, a reader accepts (docs/archive-format.md §8). */
export const MAX_RECORD_LINE_BYTES = 16 * 1024 * 1024
/** Largest other JSON member (profile.json, native/…/*.json) a reader parses (docs/archive-format.md §8). */
export const MAX_JSON_MEMBER_BYTES = 64 * 1024 * 1024

/** Every record kind of version 1, in the order their members are written. */
export const RECORD_KINDS = [
  'posts',
  'following',
  'followers',
  'blocks',
  'mutes',
  'renote-mutes',
  'domain-blocks',
  'lists',
  'bookmarks',
  'likes',
  'reposts',
  'antennas',
  'clips',
  'filters',
  'featured-tags',
  'endorsements',
  'rooms',
  'events',
  'account-data',
  'media',
] as const

export type RecordKind = (typeof RECORD_KINDS)[number]

export const NETWORKS = ['atproto', 'misskey', 'mastodon', 'matrix', 'x'] as const
export type Network = (typeof NETWORKS)[number]

export function kindMember(kind: RecordKind): string {
  return `${kind}.jsonl`
}

export function mediaMember(sha256: string): string {
  return `media/${sha256.slice(0, 2)}/${sha256}`
}

export function nativeMember(network: Network, name: string): string {
  return `native/${network}/${name}`
}

export function compatMember(name: string): string {
  return `compat/${name}`
}

/** Is this MIME type already compressed, so that deflating it again only costs time? */
export function isCompressedMime(mime: string | undefined): boolean {
  if (!mime) return false
  const type = mime.toLowerCase().split(';')[0]!.trim()
  if (type === 'image/svg+xml' || type === 'image/bmp' || type === 'image/x-ms-bmp') return false
  if (type.startsWith('image/') || type.startsWith('video/') || type.startsWith('audio/')) return true
  return ['application/zip', 'application/gzip', 'application/x-gzip', 'application/zstd', 'application/x-7z-compressed'].includes(type)
}

/** Checks a member name against docs/archive-format.md §1 and §8; returns the problem or null. */
export function memberNameProblem(name: string): string | null {
  if (name.length === 0) return 'empty member name'
  if (name.includes('\0')) return `member name contains NUL: ${JSON.stringify(name)}`
  if (name.includes('\\')) return `member name contains a backslash: ${JSON.stringify(name)}`
  if (name.startsWith('/')) return `member name is absolute: ${JSON.stringify(name)}`
  if (/^[a-zA-Z]:/.test(name)) return `member name has a drive letter: ${JSON.stringify(name)}`
  if (name.split('/').some((segment) => segment === '..')) return `member name escapes the archive: ${JSON.stringify(name)}`
  return null
}
