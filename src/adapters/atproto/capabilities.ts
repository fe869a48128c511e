// What the AT Protocol adapter does, declared up front and checked before any network call (docs/adapters/atproto.md lists
// them). Its own file so that source.ts, target.ts and index.ts each read it without importing one another.
// The variables its secrets are read from live here too: the commands name them in their flags' help without
// loading the adapter (an export must not pay for its replay target or SDK at start).
import type { Capabilities } from '../adapter.js'

export const ATPROTO_CAPABILITIES: Capabilities = {
  network: 'atproto',
  exports: ['posts', 'likes', 'reposts', 'following', 'blocks', 'lists', 'media'],
  replays: ['follows', 'blocks', 'lists', 'likes'],
  alias: false,
  move: true,
}

/** The variable an app password is read from unless --password-env names another. */
export const DEFAULT_PASSWORD_ENV = 'LIFEBOAT_ATPROTO_PASSWORD'
