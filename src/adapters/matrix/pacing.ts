// What a Matrix homeserver says about its rate limits beyond the standard headers, read for the shared HTTP layer.
//
// A 429 `{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":N}` is the only hint old Synapse gives (fixture
// matrix/synapse-1.67.0/211-send-429-after-burst.json; spec client-server "Rate limiting"); Synapse ≥ 1.103 also
// sends Retry-After, which the HTTP layer reads itself.
import type { BodyReader } from '../../net/body-readers.js'

export const MATRIX_BODIES: BodyReader = {
  waitMs(body) {
    if (body === null || typeof body !== 'object') return undefined
    const wait = (body as { retry_after_ms?: unknown }).retry_after_ms
    return typeof wait === 'number' && wait >= 0 ? Math.ceil(wait) : undefined
  },
}
