// What the Misskey adapter does, declared up front and checked before any network call (docs/adapters/misskey.md lists
// them). Its own file so that source.ts, target.ts and index.ts each read it without importing one another.
import type { Capabilities } from '../adapter.js'

export const MISSKEY_CAPABILITIES: Capabilities = {
  network: 'misskey',
  exports: ['posts', 'following', 'followers', 'blocks', 'mutes', 'renote-mutes', 'lists', 'antennas', 'clips', 'bookmarks', 'likes', 'media'],
  replays: ['follows', 'lists', 'mutes', 'blocks', 'domain-blocks'],
  alias: true,
  move: true,
}
