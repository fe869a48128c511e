import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { HostPacing, parseResetValue, parseRetryAfter, readRateLimitHeaders, serverWait } from '../../src/net/rate-limit.js'
import { MATRIX_BODIES } from '../../src/adapters/matrix/pacing.js'
import { MISSKEY_BODIES } from '../../src/adapters/misskey/pacing.js'

const NOW = Date.parse('2026-11-22T09:42:15.000Z')

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP-dates', () => {
    assert.equal(parseRetryAfter('3599', NOW), 3_599_000)
    assert.equal(parseRetryAfter('0', NOW), 0)
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 09:42:45 GMT', NOW), 30_000)
    assert.equal(parseRetryAfter('garbage', NOW), undefined)
    assert.equal(parseRetryAfter(null, NOW), undefined)
  })

  it('never waits less than the server clock says when the clocks differ a little', () => {
    // Our clock is 5 s ahead of the server's Date: the server still means "30 s from its now".
    assert.equal(parseRetryAfter('Sun, 22 Nov 2026 09:42:45 GMT', NOW + 5000, NOW), 30_000)
  })
})

describe('parseResetValue heuristic', () => {
  it('ISO-8601 (Mastodon, GoToSocial) is absolute', () => {
    assert.equal(parseResetValue('2026-11-22T09:45:00.000000Z', NOW), 165_000)
  })
  it('fractional seconds (Sharkey) are a delta', () => {
    assert.equal(parseResetValue('1.5', NOW), 1500)
  })
  it('numbers above 1e9 (AT Protocol PDS) are epoch seconds, above 1e12 epoch ms', () => {
    assert.equal(parseResetValue(String(NOW / 1000 + 42), NOW), 42_000)
    assert.equal(parseResetValue(String(NOW + 1234), NOW), 1234)
  })
  it('a reset in the past is no wait', () => {
    assert.equal(parseResetValue('2020-01-01T00:00:00Z', NOW), 0)
  })
})

describe('readRateLimitHeaders + serverWait', () => {
  it('reads X-RateLimit-* and RateLimit-* in any case, taking the longest wait', () => {
    const info = readRateLimitHeaders(new Headers({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '2026-11-22T09:43:15Z', 'Retry-After': '10' }), NOW)
    assert.deepEqual(info, { retryAfterMs: 10_000, limit: undefined, remaining: 0, resetInMs: 60_000 })
    assert.equal(serverWait(info, undefined, 429), 60_000)
    const atproto = readRateLimitHeaders(new Headers({ 'ratelimit-limit': '3000', 'ratelimit-remaining': '5', 'ratelimit-reset': String(NOW / 1000 + 300) }), NOW)
    assert.deepEqual(atproto, { retryAfterMs: undefined, limit: 3000, remaining: 5, resetInMs: 300_000 })
    assert.equal(serverWait(atproto, undefined, 503), undefined, 'a window that is not used up is no wait on a 5xx')
    assert.equal(serverWait(atproto, undefined, 429), 300_000, 'on a 429 the reset counts')
  })

  it('body hints, read by the adapters: Matrix retry_after_ms and Misskey error.info.resetMs', () => {
    assert.equal(MATRIX_BODIES.waitMs!({ errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 4748 }, NOW), 4748)
    assert.equal(MISSKEY_BODIES.waitMs!({ error: { code: 'RATE_LIMIT_EXCEEDED', info: { remaining: 0, reset: NOW / 1000 + 2, resetMs: NOW + 2000, total: 100 } } }, NOW), 2000)
    assert.equal(MATRIX_BODIES.waitMs!('<html>', NOW), undefined)
    assert.equal(MISSKEY_BODIES.waitMs!({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 5 }, NOW), undefined, 'each reads only its own shape')
    assert.equal(MISSKEY_BODIES.permanent!(500, { error: { code: 'FAILED_TO_RESOLVE_REMOTE_USER', kind: 'server' } }), true)
    assert.equal(MISSKEY_BODIES.permanent!(500, { error: { code: 'INTERNAL_ERROR', kind: 'server' } }), false)
  })
})

describe('HostPacing', () => {
  it('holds on a used-up window and never shortens a hold', () => {
    const pacing = new HostPacing()
    assert.equal(pacing.observe({ retryAfterMs: undefined, remaining: 10, resetInMs: 5000 }, NOW), false)
    assert.equal(pacing.observe({ retryAfterMs: undefined, remaining: 1, resetInMs: 5000 }, NOW), true)
    assert.equal(pacing.heldUntil, NOW + 5000)
    pacing.hold(NOW + 1000, 'shorter')
    assert.equal(pacing.heldUntil, NOW + 5000)
  })

  it('refuses a hold longer than the accepted maximum', async () => {
    const pacing = new HostPacing()
    pacing.hold(NOW + 3_600_000, 'window used up')
    await assert.rejects(
      pacing.wait({ host: 'h.example', signal: undefined, sleep: async () => {}, now: () => NOW, maxWaitMs: 60_000 }),
      (error: Error) => error.name === 'RemoteError' && /h\.example asks to wait 60 min/.test(error.message),
    )
  })
})
