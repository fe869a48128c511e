// What the Matrix adapter does, declared up front and checked before any network call (docs/adapters/matrix.md lists
// them). Its own file so that source.ts, target.ts and index.ts each read it without importing one another.
// The variables its secrets are read from live here too: the commands name them in their flags' help without
// loading the adapter (an export must not pay for its replay target or SDK at start).
import type { Capabilities } from '../adapter.js'

export const MATRIX_CAPABILITIES: Capabilities = {
  network: 'matrix',
  exports: ['rooms', 'events', 'account-data', 'media'],
  replays: ['profile', 'rooms', 'direct', 'account-data'],
  replaysFrom: ['matrix'],
  alias: false,
  move: false,
}

/** The variable an access token is read from unless --token-env names another. */
export const DEFAULT_TOKEN_ENV = 'LIFEBOAT_MATRIX_TOKEN'

/** The variable the key file's passphrase is read from unless --passphrase-env names another. */
export const DEFAULT_PASSPHRASE_ENV = 'LIFEBOAT_MATRIX_KEYS_PASSPHRASE'
