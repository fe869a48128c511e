// What the AT Protocol adapter does, declared up front and checked before any network call (docs/adapters/atproto.md lists
// them). Its own file so that source.ts, target.ts and index.ts each read it without importing one another.
import type { Capabilities } from '../adapter.js'

export const ATPROTO_CAPABILITIES: Capabilities = {
  network: 'atproto',
  exports: ['posts', 'likes', 'reposts', 'following', 'blocks', 'lists', 'media'],
  replays: ['follows', 'blocks', 'lists', 'likes'],
  alias: false,
  move: true,
}
