// The one gate every outgoing URL passes: https everywhere, plain http only to this machine (test servers,
// a PDS behind a local reverse proxy). Tokens travel in headers and bodies, so plain http to another host
// would hand them to anyone on the path.
import { isIP } from 'node:net'

import { UsageError } from '../errors.js'
import { redactText } from './redact.js'

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped loopback; accepts `[v6]` brackets and a `:port`. */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    if (end < 0) return false
    h = h.slice(1, end)
  } else if (isIP(h) === 0) {
    const colon = h.lastIndexOf(':')
    if (colon > 0 && h.indexOf(':') === colon && /^\d+$/.test(h.slice(colon + 1))) h = h.slice(0, colon)
  }
  if (h.endsWith('.')) h = h.slice(0, -1)
  if (h === 'localhost') return true
  const kind = isIP(h)
  if (kind === 4) return isLoopbackV4(h)
  if (kind === 6) return isLoopbackV6(h)
  return false
}

function isLoopbackV4(address: string): boolean {
  return address.split('.')[0] === '127'
}

function isLoopbackV6(address: string): boolean {
  const groups = expandV6(address)
  if (groups === undefined) return false
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true
  // ::ffff:127.x.y.z (the URL parser writes it as ::ffff:7fxx:xxxx)
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff
  return mapped && groups[6]! >> 8 === 127
}

function expandV6(address: string): number[] | undefined {
  let text = address
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const parts = v4[1]!.split('.').map(Number)
    text = text.slice(0, v4.index) + ((parts[0]! << 8) | parts[1]!).toString(16) + ':' + ((parts[2]! << 8) | parts[3]!).toString(16)
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const headGroups = head ? head.split(':') : []
  const tailGroups = tail ? tail.split(':') : []
  const missing = 8 - headGroups.length - tailGroups.length
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined
  const all = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups]
  return all.map((g) => parseInt(g, 16))
}

/**
 * Parses `url` and refuses what Lifeboat must not talk to: malformed URLs, schemes other than http(s),
 * URLs with a user name or password in them, and plain `http://` to anything but loopback.
 * `what` names the URL in the message ("server URL", "PDS address" …). Throws UsageError.
 */
export function assertSecureUrl(url: string | URL, what: string): URL {
  let parsed: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : new URL(url.href)
  } catch (cause) {
    throw new UsageError(`The ${what} is not a valid URL: "${redactText(String(url))}".`, {
      hint: 'Give a full address such as https://example.social.',
      cause,
    })
  }
  const shown = `${parsed.protocol}//${parsed.host}`
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`The ${what} must be an https:// address, not ${parsed.protocol}.`, {
      hint: 'Give an address such as https://example.social.',
    })
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new UsageError(`The ${what} must not contain a user name or password (${shown}).`, {
      hint: 'Remove the user:password@ part; credentials are passed with their own options.',
    })
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new UsageError(`Refusing plain http for the ${what} (${shown}): tokens would travel unencrypted.`, {
      hint: `Use https://${parsed.host} instead; plain http is only allowed for localhost.`,
    })
  }
  return parsed
}
