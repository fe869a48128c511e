// Which networks can be replayed onto, and which server flavours support aliases and moves. Adapters are loaded
// only when a command needs them: each costs memory and start-up time that other commands should not pay.
import { registerMigrationFactory, registerTargetFactory } from '../adapters/registry.js'

export function registerNetworks(): void {
  registerTargetFactory('atproto', () => import('../adapters/atproto/index.js').then((m) => m.replayTarget))
  registerTargetFactory('misskey', () => import('../adapters/misskey/index.js').then((m) => m.replayTarget))
  registerTargetFactory('mastodon', () => import('../adapters/mastodon/index.js').then((m) => m.replayTarget))
  registerTargetFactory('matrix', () => import('../adapters/matrix/index.js').then((m) => m.replayTarget))
  registerMigrationFactory(['misskey', 'sharkey', 'cherrypick'], () => import('../adapters/misskey/index.js').then((m) => m.migration))
  registerMigrationFactory(['mastodon', 'gotosocial', 'akkoma', 'pleroma'], () => import('../adapters/mastodon/index.js').then((m) => m.migration))
}
