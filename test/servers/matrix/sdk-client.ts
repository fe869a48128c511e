/**
 * matrix-js-sdk clients pointed at a test server, with the SDK's logging silenced.
 */
import { createClient, type MatrixClient } from 'matrix-js-sdk'
import { logger } from 'matrix-js-sdk/lib/logger.js'
import type { MatrixTestServer } from './server.js'

// The SDK's logger is a loglevel logger; tests only want their own output.
;(logger as unknown as { setLevel?: (level: string) => void }).setLevel?.('silent')

export function sdkClient(server: MatrixTestServer, user?: { userId: string; accessToken: string; deviceId: string }): MatrixClient {
  return createClient({
    baseUrl: server.url,
    userId: user?.userId,
    accessToken: user?.accessToken,
    deviceId: user?.deviceId,
  })
}
