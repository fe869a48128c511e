// Finds a tweet's media files in the archive. X names them `<tweetId>-<basename>` in `data/tweets_media/` (tweet.js
// era: `tweet_media/`; deleted tweets: `deleted_tweets_media/`): for a photo the basename of `media_url_https`, for a
// video or animated GIF the basename of one `video_info.variants[].url` mp4 (fixtures/x/README.md). The best variant
// (highest bitrate) is tried first, then the others, then any not yet used file with the tweet's id prefix and the
// right kind (the glob fallback, for archives whose names drifted). Names from the tweet are only ever looked up in the
// archive's own listing, never joined into a path, so a name built to escape the folder finds nothing.
import type { MediaEntity } from './api.js'

const TWEET_MEDIA_FOLDERS = ['tweets_media', 'tweet_media', 'deleted_tweets_media', 'deleted_tweet_media', 'community_tweet_media']
const SAFE_BASENAME = /^[A-Za-z0-9_.-]+$/

const MIME: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', mp4: 'video/mp4', mov: 'video/quicktime' }

export function mimeOf(name: string): string | undefined {
  return MIME[/\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '']
}

export function urlBasename(url: string | undefined): string | null {
  if (!url) return null
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return null
  }
  const base = path.split('/').pop() ?? ''
  return SAFE_BASENAME.test(base) && base !== '.' && base !== '..' ? base : null
}

export function isVideo(entity: MediaEntity): boolean {
  return entity.type === 'video' || entity.type === 'animated_gif'
}

/** The mp4 variants, best (highest bitrate) first. */
export function videoVariants(entity: MediaEntity): string[] {
  return (entity.video_info?.variants ?? [])
    .filter((v) => (v.content_type ?? '').startsWith('video/') || /\.mp4(\?|$)/.test(v.url))
    .sort((a, b) => Number(b.bitrate ?? 0) - Number(a.bitrate ?? 0))
    .map((v) => v.url)
}

/** The URL a media item is known by: the best video variant, or the photo. */
export function mediaUrl(entity: MediaEntity): string | null {
  return (isVideo(entity) ? videoVariants(entity)[0] : undefined) ?? entity.media_url_https ?? entity.media_url ?? null
}

export class MediaIndex {
  /** File name (in any tweet media folder) → member name. */
  readonly #byName = new Map<string, string>()
  /** Id prefix (`<id>-…`) → member names, sorted. */
  readonly #byPrefix = new Map<string, string[]>()
  /** profile_media/ members. */
  readonly profile: string[] = []
  /** direct_messages_media/ (and group) file name → member name. */
  readonly #dm = new Map<string, string>()
  readonly size: number

  constructor(names: readonly string[], dataDir: string) {
    let n = 0
    for (const name of [...names].sort()) {
      if (!name.startsWith(dataDir)) continue
      const [folder, file, ...rest] = name.slice(dataDir.length).split('/')
      if (!file || rest.length > 0) continue
      if (TWEET_MEDIA_FOLDERS.includes(folder!)) {
        this.#byName.set(file, name)
        const id = /^(\d+)-/.exec(file)?.[1]
        if (id) this.#byPrefix.set(id, [...(this.#byPrefix.get(id) ?? []), name])
        n++
      } else if (folder === 'profile_media') this.profile.push(name)
      else if (folder === 'direct_messages_media' || folder === 'direct_messages_group_media') this.#dm.set(file, name)
    }
    this.size = n
  }

  /** The member holding this media item of tweet `id`, not one already in `used`; undefined when the archive lacks it. */
  find(id: string, entity: MediaEntity, used: ReadonlySet<string>): string | undefined {
    const video = isVideo(entity)
    const bases = video ? videoVariants(entity).map(urlBasename) : [urlBasename(entity.media_url_https ?? entity.media_url)]
    for (const base of bases) {
      const member = base ? this.#byName.get(`${id}-${base}`) : undefined
      if (member && !used.has(member)) return member
    }
    return (this.#byPrefix.get(id) ?? []).find((member) => !used.has(member) && (mimeOf(member) === 'video/mp4') === video)
  }

  /** Every tweet-media member with this id prefix (to report files no tweet claimed). */
  prefixed(id: string): string[] {
    return this.#byPrefix.get(id) ?? []
  }

  /** A DM's media file: `<messageId>-<basename>`. */
  findDm(messageId: string, url: string): string | undefined {
    const base = urlBasename(url)
    return base ? this.#dm.get(`${messageId}-${base}`) : undefined
  }

  /** The profile image file for an avatar/header URL: `<accountId>-<basename>`, else undefined. */
  findProfile(accountId: string, url: string | undefined): string | undefined {
    const base = urlBasename(url)
    if (!base) return undefined
    return this.profile.find((m) => m.endsWith(`/${accountId}-${base}`) || m.endsWith(`/${accountId}-${base}.jpg`) || m.endsWith(`/${accountId}-${base}.jpeg`) || m.endsWith(`/${accountId}-${base}.png`))
  }
}
