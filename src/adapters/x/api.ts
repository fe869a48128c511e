// Wire types of X's own data archive ("Download an archive of your data"), as the real files in fixtures/x/ show
// them (fixtures/x/README.md, "Format quirks"). X documents them only in the README.txt inside each archive. Every
// number is a JSON string from 2019 on; Grailbird (≤ 2018) writes `id` as a JSON number above 2^53, so only `id_str`
// is ever read.

export interface UrlEntity {
  url: string
  expanded_url?: string
  display_url?: string
  indices?: [string, string]
}

export interface MentionEntity {
  screen_name: string
  name?: string
  id_str?: string
  indices?: [string, string]
}

export interface VideoVariant {
  bitrate?: string | number
  content_type?: string
  url: string
}

export interface MediaEntity {
  id_str?: string
  url?: string
  expanded_url?: string
  media_url?: string
  media_url_https?: string
  /** `photo`, `video` or `animated_gif`; absent in Grailbird. */
  type?: string
  video_info?: { variants?: VideoVariant[] }
  ext_alt_text?: string
  source_status_id_str?: string
  source_user_id_str?: string
}

export interface Entities {
  hashtags?: { text: string }[]
  user_mentions?: MentionEntity[]
  urls?: UrlEntity[]
  media?: MediaEntity[]
}

/** One tweet of tweet.js / tweets.js / deleted-tweets.js (inside `{ "tweet": … }`) or of a Grailbird month file. */
export interface Tweet {
  id_str: string
  /** tweet.js era: `Wed Mar 22 07:41:49 +0000 2017`; Grailbird: `2014-05-27 12:24:35 +0000`. */
  created_at: string
  full_text?: string
  /** Grailbird's text field. */
  text?: string
  lang?: string
  source?: string
  entities?: Entities
  extended_entities?: { media?: MediaEntity[] }
  in_reply_to_status_id_str?: string
  in_reply_to_user_id_str?: string
  in_reply_to_screen_name?: string
  /** Grailbird only: tweet.js-era retweets carry no original (recognised by `RT @user: `). */
  retweeted_status?: Tweet & { user?: GrailbirdUser }
  /** Grailbird only. */
  user?: GrailbirdUser
  /** Seen in some later archives. */
  quoted_status_id_str?: string
  possibly_sensitive?: boolean | string
  /** deleted-tweets.js only. */
  deleted_at?: string
}

export interface GrailbirdUser {
  id_str?: string
  screen_name?: string
  name?: string
}

/** note-tweet.js (`{ "noteTweet": … }`): the full text of a long post whose tweets.js entry is a stub. */
export interface NoteTweet {
  noteTweetId: string
  createdAt: string
  core: {
    text: string
    urls?: { shortUrl?: string; expandedUrl?: string; fromIndex?: string; toIndex?: string }[]
    mentions?: { screenName?: string; fromIndex?: string; toIndex?: string }[]
    hashtags?: { text: string }[]
  }
}

/** like.js (`{ "like": … }`). */
export interface Like {
  tweetId: string
  fullText?: string
  expandedUrl?: string
}

/** following.js, follower.js, block.js, mute.js (`{ "following" | "follower" | "blocking" | "muting": … }`). */
export interface Relation {
  accountId: string
  userLink?: string
}

/** lists-created.js, lists-subscribed.js, lists-member.js (`{ "userListInfo": … }`). */
export interface UserListInfo {
  url: string
}

/** account.js (`{ "account": … }`). The e-mail address is never copied. */
export interface Account {
  username: string
  accountId: string
  accountDisplayName?: string
  createdAt?: string
  email?: string
}

/** profile.js (`{ "profile": … }`). */
export interface Profile {
  description?: { bio?: string; website?: string; location?: string }
  avatarMediaUrl?: string
  headerMediaUrl?: string
}

/** Grailbird `data/js/user_details.js` (`var user_details = {…}`). */
export interface UserDetails {
  screen_name: string
  id: string
  full_name?: string
  bio?: string
  location?: string
  expanded_url?: string
  created_at?: string
}

/** manifest.js (`window.__THAR_CONFIG = {…}`). */
export interface ArchiveManifest {
  userInfo?: { accountId?: string; userName?: string; displayName?: string }
  archiveInfo?: { generationDate?: string; isPartialArchive?: boolean }
}

/** direct-messages.js and direct-messages-group.js (`{ "dmConversation": … }`). */
export interface DmConversation {
  conversationId: string
  messages: { messageCreate?: DmMessage; [event: string]: unknown }[]
}

export interface DmMessage {
  id: string
  senderId: string
  recipientId?: string
  text: string
  createdAt: string
  urls?: { url: string; expanded?: string; display?: string }[]
  mediaUrls?: string[]
}
