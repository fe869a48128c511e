import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { UsageError } from '../../src/errors.js'
import { assertSecureUrl, isLoopbackHost } from '../../src/net/secure-url.js'

describe('isLoopbackHost', () => {
  it('accepts localhost, 127.0.0.0/8, ::1 and mapped loopback', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.9.8.7', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost:3000', '127.0.0.1:80', '[::ffff:7f00:1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(host), true, host)
    }
  })

  it('rejects everything else', () => {
    for (const host of ['example.com', '128.0.0.1', '10.0.0.1', '::2', '[::]', 'localhost.example.com', '127.0.0.1.nip.io', '::ffff:10.0.0.1']) {
      assert.equal(isLoopbackHost(host), false, host)
    }
  })
})

describe('assertSecureUrl', () => {
  it('passes https and loopback http', () => {
    assert.equal(assertSecureUrl('https://misskey.example/api', 'server URL').host, 'misskey.example')
    assert.equal(assertSecureUrl('http://127.0.0.1:3000/', 'server URL').port, '3000')
    assert.equal(assertSecureUrl(new URL('http://[::1]:8080/x'), 'server URL').hostname, '[::1]')
    assert.equal(assertSecureUrl('http://localhost/', 'server URL').hostname, 'localhost')
  })

  it('refuses plain http to other hosts with a hint to use https', () => {
    assert.throws(
      () => assertSecureUrl('http://mastodon.example/api/v1/accounts', 'server URL'),
      (error: unknown) => error instanceof UsageError && /plain http/.test(error.message) && /https:\/\/mastodon\.example/.test(error.hint ?? ''),
    )
  })

  it('refuses malformed URLs, other schemes and credentials in the URL', () => {
    assert.throws(() => assertSecureUrl('misskey.example', 'server URL'), UsageError)
    assert.throws(() => assertSecureUrl('ftp://x.example/', 'server URL'), UsageError)
    assert.throws(
      () => assertSecureUrl('https://alice:secretpw@x.example/', 'server URL'),
      (error: unknown) => error instanceof UsageError && !error.message.includes('secretpw'),
    )
  })
})
