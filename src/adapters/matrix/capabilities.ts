// What the Matrix adapter does, declared up front and checked before any network call (docs/adapters/matrix.md lists
// them). Its own file so that source.ts, target.ts and index.ts each read it without importing one another.
import type { Capabilities } from '../adapter.js'

export const MATRIX_CAPABILITIES: Capabilities = {
  network: 'matrix',
  exports: ['rooms', 'events', 'account-data', 'media'],
  replays: ['profile', 'rooms', 'direct', 'account-data'],
  replaysFrom: ['matrix'],
  alias: false,
  move: false,
}
