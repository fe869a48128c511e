// Constant parts of responses, copied from the recordings: role policies (i__alice.json `policies`,
// meta__anonymous.json) and the `meta` body. Version differences are the recorded ones (fixture README
// "Differences between versions"): 2025.11.1 adds policies canSearchUsers and scheduledNoteLimit and meta
// clientOptions; the recorded 2025.7.0 server allowed imports in its base role.
import type { InstanceConfig } from './instance.js'

export function policies(config: InstanceConfig): Record<string, unknown> {
  const newer = config.version === '2025.11.1'
  return {
    gtlAvailable: true,
    ltlAvailable: true,
    canPublicNote: true,
    mentionLimit: 20,
    canInvite: false,
    inviteLimit: 0,
    inviteLimitCycle: 10080,
    inviteExpirationTime: 0,
    canManageCustomEmojis: false,
    canManageAvatarDecorations: false,
    canSearchNotes: false,
    ...(newer ? { canSearchUsers: true } : {}),
    canUseTranslator: true,
    canHideAds: false,
    driveCapacityMb: 100,
    maxFileSizeMb: 30,
    alwaysMarkNsfw: false,
    canUpdateBioMedia: true,
    pinLimit: 5,
    antennaLimit: 5,
    wordMuteLimit: 200,
    webhookLimit: 3,
    clipLimit: 10,
    noteEachClipsLimit: 200,
    userListLimit: 10,
    userEachUserListsLimit: 50,
    rateLimitFactor: config.rateLimitFactor,
    avatarDecorationLimit: 1,
    canImportAntennas: !newer,
    canImportBlocking: !newer,
    canImportFollowing: !newer,
    canImportMuting: !newer,
    canImportUserLists: !newer,
    chatAvailability: 'available',
    uploadableFileTypes: ['text/plain', 'text/csv', 'application/json', 'image/*', 'video/*', 'audio/*'],
    noteDraftLimit: 10,
    ...(newer ? { scheduledNoteLimit: 1 } : {}),
    watermarkAvailable: true,
  }
}

/** POST /api/meta (meta__anonymous.json); `uri` and `mediaProxy` follow the configured URL. */
export function metaBody(config: InstanceConfig): Record<string, unknown> {
  return {
    maintainerName: null,
    maintainerEmail: null,
    version: config.version,
    providesTarball: false,
    name: null,
    shortName: null,
    uri: config.url,
    description: null,
    langs: [],
    tosUrl: null,
    repositoryUrl: 'https://github.com/misskey-dev/misskey',
    feedbackUrl: 'https://github.com/misskey-dev/misskey/issues/new',
    impressumUrl: null,
    privacyPolicyUrl: null,
    inquiryUrl: null,
    disableRegistration: true,
    emailRequiredForSignup: false,
    enableHcaptcha: false,
    hcaptchaSiteKey: null,
    enableMcaptcha: false,
    mcaptchaSiteKey: null,
    mcaptchaInstanceUrl: null,
    enableRecaptcha: false,
    recaptchaSiteKey: null,
    enableTurnstile: false,
    turnstileSiteKey: null,
    enableTestcaptcha: false,
    googleAnalyticsMeasurementId: null,
    swPublickey: null,
    themeColor: null,
    mascotImageUrl: '/assets/ai.png',
    bannerUrl: null,
    infoImageUrl: null,
    serverErrorImageUrl: null,
    notFoundImageUrl: null,
    iconUrl: null,
    backgroundImageUrl: null,
    logoImageUrl: null,
    maxNoteTextLength: 3000,
    defaultLightTheme: null,
    defaultDarkTheme: null,
    ...(config.version === '2025.11.1' ? { clientOptions: {} } : {}),
    ads: [],
    notesPerOneAd: 0,
    enableEmail: false,
    enableServiceWorker: false,
    translatorAvailable: false,
    serverRules: [],
    policies: policies(config),
    sentryForFrontend: null,
    mediaProxy: `${config.url}/proxy`,
    enableUrlPreview: true,
    noteSearchableScope: 'global',
    maxFileSize: 262144000,
    federation: 'all',
  }
}

/**
 * NodeInfo 2.1 as misskey packages/backend/src/server/NodeinfoServerService.ts serves it (not recorded: the recordings
 * hold no nodeinfo). Trimmed to the fields a client uses to recognise the software.
 */
export function nodeinfoBody(config: InstanceConfig, usersTotal: number, localPosts: number): Record<string, unknown> {
  return {
    version: '2.1',
    software: { name: 'misskey', version: config.version, homepage: 'https://misskey-hub.net/', repository: 'https://github.com/misskey-dev/misskey' },
    protocols: ['activitypub'],
    services: { inbound: [], outbound: ['atom1.0', 'rss2.0'] },
    openRegistrations: false,
    usage: { users: { total: usersTotal, activeHalfyear: null, activeMonth: null }, localPosts, localComments: 0 },
    metadata: { nodeName: null, nodeDescription: null, maintainer: { name: null, email: null }, langs: [], disableRegistration: true },
  }
}
