/**
 * The end-to-end-encryption endpoints matrix-js-sdk's Rust crypto calls after `initRustCrypto()`
 * (spec: "End-to-End Encryption", `keys.yaml`, `key_backup.yaml`, `to_device.yaml`). Device keys are stored
 * and returned by `/keys/query`; there are no one-time keys to claim, no to-device delivery and no key
 * backup (`GET /room_keys/version` 404 `M_NOT_FOUND`, spec). Enough for a client to start and to decrypt
 * with keys imported from a key export file, which is what Lifeboat needs.
 */
import { notFound } from './errors.js'
import { CLIENT, json, jsonBody, type Router } from './router.js'
import type { ServerState } from './state.js'

export function registerE2eeRoutes(router: Router, state: ServerState): void {
  router.add('POST', CLIENT, '/keys/upload', (ctx) => {
    const body = jsonBody(ctx)
    const device = state.user(ctx.session.userId).devices.get(ctx.session.deviceId)
    if (device) {
      if (body.device_keys && typeof body.device_keys === 'object') device.deviceKeys = body.device_keys as Record<string, unknown>
      if (body.one_time_keys && typeof body.one_time_keys === 'object') device.oneTimeKeyCount += Object.keys(body.one_time_keys).length
    }
    return json({ one_time_key_counts: { signed_curve25519: device?.oneTimeKeyCount ?? 0 } })
  })

  router.add('POST', CLIENT, '/keys/query', (ctx) => {
    const wanted = (jsonBody(ctx).device_keys ?? {}) as Record<string, string[]>
    const deviceKeys: Record<string, Record<string, unknown>> = {}
    for (const [userId, only] of Object.entries(wanted)) {
      const user = state.users.get(userId)
      if (!user) continue
      const devices: Record<string, unknown> = {}
      for (const d of user.devices.values()) {
        if (d.deviceKeys && (only.length === 0 || only.includes(d.deviceId))) devices[d.deviceId] = d.deviceKeys
      }
      deviceKeys[userId] = devices
    }
    return json({ device_keys: deviceKeys, failures: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {} })
  })

  router.add('POST', CLIENT, '/keys/claim', () => json({ one_time_keys: {}, failures: {} }))
  router.add('GET', CLIENT, '/keys/changes', () => json({ changed: [], left: [] }))
  router.add('POST', CLIENT, '/keys/signatures/upload', () => json({ failures: {} }))
  router.add('PUT', CLIENT, '/sendToDevice/:type/:txnId', () => json({}))
  router.add('GET', CLIENT, '/room_keys/version', () => {
    throw notFound('No current backup version')
  })
  router.add('GET', CLIENT, '/devices', (ctx) => {
    const devices = [...state.user(ctx.session.userId).devices.values()].map((d) => ({ device_id: d.deviceId, display_name: d.displayName }))
    return json({ devices })
  })
}
