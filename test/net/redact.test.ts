import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'

import { clearRegisteredSecrets, redactHeaders, redactJson, redactText, redactUrl, registerSecret } from '../../src/net/redact.js'

afterEach(() => clearRegisteredSecrets())

describe('redactUrl', () => {
  it('masks credential query parameters and keeps the rest', () => {
    const out = redactUrl('https://matrix.example/_matrix/client/v3/sync?access_token=syt_abc&since=s1&i=mk1&sig=zz')
    assert.equal(out, 'https://matrix.example/_matrix/client/v3/sync?access_token=***&since=s1&i=***&sig=***')
  })

  it('masks any parameter whose name says token, secret or password, and userinfo', () => {
    const out = redactUrl(new URL('https://u:p@host.example/login?loginToken=abc&client_secret=x&keep=1'))
    assert.ok(!out.includes('abc') && !out.includes(':p@') && !out.includes('=x'), out)
    assert.ok(out.includes('keep=1'))
  })

  it('never throws on garbage and still scrubs registered secrets', () => {
    registerSecret('hunter2hunter2')
    assert.equal(redactUrl('not a url hunter2hunter2'), 'not a url ***')
  })
})

describe('redactHeaders', () => {
  it('masks Authorization, Cookie and the PDS bypass key', () => {
    const out = redactHeaders(new Headers({ Authorization: 'Bearer abc', cookie: 'a=b', 'x-ratelimit-bypass': 'k', accept: 'x' }))
    assert.deepEqual(out, { accept: 'x', authorization: '***', cookie: '***', 'x-ratelimit-bypass': '***' })
  })

  it('accepts plain objects and arrays', () => {
    assert.deepEqual(redactHeaders({ 'X-Auth-Token': 't', Accept: 'y' }), { 'X-Auth-Token': '***', Accept: 'y' })
    assert.deepEqual(redactHeaders([['authorization', 'z']]), { authorization: '***' })
  })
})

describe('redactJson', () => {
  it('masks secret keys at any depth, leaves error codes alone', () => {
    const input = {
      i: 'misskey-token',
      userId: 'u1',
      session: { accessJwt: 'a', refreshJwt: 'r', did: 'did:plc:x' },
      list: [{ access_token: 't', password: 'p', passphrase: 'pp' }],
      error: { code: 'RATE_LIMIT_EXCEEDED' },
    }
    const out = redactJson(input)
    assert.deepEqual(out, {
      i: '***',
      userId: 'u1',
      session: { accessJwt: '***', refreshJwt: '***', did: 'did:plc:x' },
      list: [{ access_token: '***', password: '***', passphrase: '***' }],
      error: { code: 'RATE_LIMIT_EXCEEDED' },
    })
    assert.equal(input.i, 'misskey-token', 'input is not modified')
  })
})

describe('registerSecret + redactText', () => {
  it('scrubs registered values and their URL-encoded form', () => {
    registerSecret('p@ss word/1')
    const text = 'login with p@ss word/1 failed; url ?x=p%40ss%20word%2F1'
    assert.equal(redactText(text), 'login with *** failed; url ?x=***')
  })

  it('scrubs bearer credentials even when not registered', () => {
    assert.equal(redactText('Authorization: Bearer abcdef.123'), 'Authorization: Bearer ***')
  })

  it('ignores empty values', () => {
    registerSecret('')
    registerSecret(undefined)
    assert.equal(redactText('plain'), 'plain')
  })
})

it('redactJson writes an object reached twice by different paths both times, and cuts only real cycles', () => {
  const shared = [{ cid: 'bafy1' }]
  const out = redactJson({ missing: shared, error: { missingBlobs: shared } })
  assert.deepEqual(out, { missing: [{ cid: 'bafy1' }], error: { missingBlobs: [{ cid: 'bafy1' }] } })
  const loop: Record<string, unknown> = { name: 'loop' }
  loop.self = loop
  assert.deepEqual(redactJson(loop), { name: 'loop', self: '[circular]' })
})
