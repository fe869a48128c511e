// What the X adapter does, declared up front and checked before any network call (docs/adapters/x.md lists
// them). Its own file so that source.ts, target.ts and index.ts each read it without importing one another.
import type { Capabilities } from '../adapter.js'

export const X_CAPABILITIES: Capabilities = {
  network: 'x',
  exports: ['posts', 'likes', 'following', 'followers', 'blocks', 'mutes', 'lists', 'media'],
  replays: [],
  alias: false,
  move: false,
}
