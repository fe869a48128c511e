// User packing as misskey packages/backend/src/core/entities/UserEntityService.ts pack(), with the field order and
// values of the recordings: UserLite (following_create__success-erin.json), UserDetailedNotMe with relation flags
// (users_show__bob-as-alice.json), without them for anonymous callers (users_show__anonymous-by-username.json),
// MeDetailed (users_show__by-username.json) and MeDetailed with secrets (i__alice.json).
import type { Instance } from './instance.js'
import { idToIso } from './ids.js'
import { packNote } from './pack-note.js'
import type { UserRecord } from './state.js'
import { policies } from './templates.js'

export type Viewer = UserRecord | null

function fileUrl(inst: Instance, fileId: string | null): { url: string | null; blurhash: string | null } {
  const file = fileId == null ? undefined : inst.state.files.get(fileId)
  if (file == null) return { url: null, blurhash: null }
  return { url: `${inst.config.url}/files/${file.accessKey}`, blurhash: file.blurhash }
}

/** avatarUrl: the media proxy for an avatar file, else the identicon (both recorded in users_show__bob-as-alice). */
function avatarOf(inst: Instance, user: UserRecord): { url: string; blurhash: string | null } {
  const own = user.host == null ? fileUrl(inst, user.avatarId) : { url: user.remoteAvatarUrl, blurhash: null }
  if (own.url != null) {
    return { url: `${inst.config.url}/proxy/avatar.webp?url=${encodeURIComponent(own.url)}&avatar=1`, blurhash: own.blurhash }
  }
  return { url: `${inst.config.url}/identicon/${user.username.toLowerCase()}@${user.host ?? inst.config.host}`, blurhash: null }
}

export function packUserLite(inst: Instance, user: UserRecord): Record<string, unknown> {
  const avatar = avatarOf(inst, user)
  return {
    id: user.id,
    name: user.name,
    username: user.username,
    host: user.host,
    avatarUrl: avatar.url,
    avatarBlurhash: avatar.blurhash,
    avatarDecorations: [],
    isBot: user.isBot,
    isCat: user.isCat,
    ...(user.host != null
      ? {
          instance: {
            name: null,
            softwareName: 'misskey',
            softwareVersion: inst.config.version,
            iconUrl: null,
            faviconUrl: null,
            themeColor: null,
          },
        }
      : {}),
    emojis: {},
    onlineStatus: 'unknown',
    // upstream packs badgeRoles for local users only
    ...(user.host == null ? { badgeRoles: [] } : {}),
  }
}

/** A stored AP URI as the id of a user this instance knows, as upstream fetchPerson (database only, no fetch). */
export function userIdForUri(inst: Instance, uri: string): string | undefined {
  const prefix = `${inst.config.url}/users/`
  if (uri.startsWith(prefix)) {
    const id = uri.slice(prefix.length)
    return inst.state.users.get(id)?.host == null && inst.state.users.has(id) ? id : undefined
  }
  return inst.state.findUserByUri(uri)?.id
}

function relationOf(inst: Instance, me: UserRecord, user: UserRecord): Record<string, unknown> {
  const { state } = inst
  const following = state.getFollowing(me.id, user.id)
  const isFollowing = following != null
  return {
    isFollowing,
    isFollowed: state.isFollowing(user.id, me.id),
    hasPendingFollowRequestFromYou: false,
    hasPendingFollowRequestToYou: false,
    isBlocking: state.isBlocking(me.id, user.id),
    isBlocked: state.isBlocking(user.id, me.id),
    isMuted: state.isMuting(me.id, user.id),
    isRenoteMuted: state.isRenoteMuting(me.id, user.id),
    notify: following?.notify ?? 'none',
    withReplies: following?.withReplies ?? false,
    // recorded only when the viewer follows the user (users_show__bob-as-alice vs blocking_list__limit100)
    ...(isFollowing ? { followedMessage: user.followedMessage } : {}),
  }
}

export function packUserDetailed(
  inst: Instance,
  user: UserRecord,
  me: Viewer,
  opts: { includeSecrets?: boolean } = {},
): Record<string, unknown> {
  const { state } = inst
  const isMe = me != null && me.id === user.id
  const banner = user.host == null ? fileUrl(inst, user.bannerId) : { url: user.remoteBannerUrl, blurhash: null }
  const ffVisible = (v: string): boolean => v === 'public' || isMe || (v === 'followers' && me != null && state.isFollowing(me.id, user.id))
  const alsoKnownAs = user.alsoKnownAs == null ? null : user.alsoKnownAs.map((uri) => userIdForUri(inst, uri)).filter((x) => x != null)
  const pinned = user.pinnedNoteIds.map((id) => state.notes.get(id)).filter((n) => n != null)
  const detailed: Record<string, unknown> = {
    ...packUserLite(inst, user),
    url: user.url,
    uri: user.uri,
    movedTo: user.movedToUri == null ? null : (userIdForUri(inst, user.movedToUri) ?? null),
    alsoKnownAs: alsoKnownAs == null || alsoKnownAs.length === 0 ? null : alsoKnownAs,
    createdAt: idToIso(user.id),
    updatedAt: user.updatedAt == null ? null : new Date(user.updatedAt).toISOString(),
    lastFetchedAt: user.lastFetchedAt == null ? null : new Date(user.lastFetchedAt).toISOString(),
    bannerUrl: banner.url,
    bannerBlurhash: banner.blurhash,
    isLocked: user.isLocked,
    isSilenced: false,
    isSuspended: user.isSuspended,
    description: user.description,
    location: user.location,
    birthday: user.birthday,
    lang: user.lang,
    fields: user.fields,
    verifiedLinks: [],
    followersCount: ffVisible(user.followersVisibility) ? state.followersCount(user.id) : 0,
    followingCount: ffVisible(user.followingVisibility) ? state.followingCount(user.id) : 0,
    notesCount: user.notesCount,
    pinnedNoteIds: pinned.map((n) => n.id),
    pinnedNotes: pinned.map((n) => packNote(inst, n, me, { detail: true })),
    pinnedPageId: null,
    pinnedPage: null,
    publicReactions: user.publicReactions,
    followersVisibility: user.followersVisibility,
    followingVisibility: user.followingVisibility,
    chatScope: 'mutual',
    canChat: true,
    roles: [],
    memo: null,
  }
  if (!isMe) return me == null ? detailed : { ...detailed, ...relationOf(inst, me, user) }
  Object.assign(detailed, {
    twoFactorEnabled: false,
    usePasswordLessLogin: false,
    securityKeys: false,
    avatarId: user.avatarId,
    bannerId: user.bannerId,
    followedMessage: user.followedMessage,
    isModerator: false,
    isAdmin: user.isRoot,
    injectFeaturedNote: true,
    receiveAnnouncementEmail: true,
    alwaysMarkNsfw: false,
    autoSensitive: false,
    carefulBot: false,
    autoAcceptFollowed: true,
    noCrawle: false,
    preventAiLearning: true,
    isExplorable: true,
    isDeleted: false,
    twoFactorBackupCodesStock: 'none',
    hideOnlineStatus: false,
    hasUnreadSpecifiedNotes: false,
    hasUnreadMentions: false,
    hasUnreadChatMessages: false,
    hasUnreadAnnouncement: false,
    unreadAnnouncements: [],
    hasUnreadAntenna: false,
    hasUnreadChannel: false,
    hasUnreadNotification: false,
    hasPendingReceivedFollowRequest: false,
    unreadNotificationsCount: 0,
    mutedWords: [],
    hardMutedWords: [],
    mutedInstances: [],
    mutingNotificationTypes: [],
    notificationRecieveConfig: {},
    emailNotificationTypes: ['follow', 'receiveFollowRequest'],
    achievements: [],
    loggedInDays: 1,
    policies: policies(inst.config),
  })
  if (opts.includeSecrets) Object.assign(detailed, { email: null, emailVerified: false, securityKeysList: [] })
  return detailed
}
