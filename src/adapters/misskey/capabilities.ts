// What the Misskey adapter does, declared up front and checked before any network call (docs/adapters/misskey.md lists
// them). Its own file so that source.ts, target.ts and index.ts each read it without importing one another.
// The variables its secrets are read from live here too: the commands name them in their flags' help without
// loading the adapter (an export must not pay for its replay target or SDK at start).
import type { Capabilities } from '../adapter.js'

export const MISSKEY_CAPABILITIES: Capabilities = {
  network: 'misskey',
  exports: ['posts', 'following', 'followers', 'blocks', 'mutes', 'renote-mutes', 'lists', 'antennas', 'clips', 'bookmarks', 'likes', 'media'],
  replays: ['follows', 'lists', 'mutes', 'blocks', 'domain-blocks'],
  alias: true,
  move: true,
}

/** The variable an access token is read from unless --token-env names another. */
export const DEFAULT_TOKEN_ENV = 'LIFEBOAT_MISSKEY_TOKEN'
