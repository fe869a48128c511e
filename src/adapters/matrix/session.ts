// Finding the homeserver and logging in. Discovery follows the spec's "Server discovery" (the well-known file on
// the server name, then `/versions` as the check that this is a Matrix client API); login is an access token
// checked with `/account/whoami`, or `m.login.password`, whose new device is logged out again when the run ends.
// https://spec.matrix.org/v1.11/client-server-api/#server-discovery, #login, #get_matrixclientv3accountwhoami
import type { HttpClient } from '../../net/http-client.js'
import { registerSecret } from '../../net/redact.js'
import { AuthError, UnsupportedError, UsageError } from '../../errors.js'
import type { LoginResponse, VersionsResponse, WellKnownClient } from './api.js'
import { MatrixClient, CLIENT_V3 } from './client.js'
import { isMatrixError, NotJsonError } from './errors.js'

export interface MatrixSession {
  client: MatrixClient
  userId: string
  baseUrl: string
  /** The server advertises Matrix ≥ 1.11 (or MSC3916 as stable): media is downloaded with a token first. */
  authenticatedMedia: boolean
  /** Ends the session when it was opened with a password (the device it made is ours to remove). */
  close(): Promise<void>
}

export interface SessionOptions {
  homeserver: string
  /** `@me:server`; optional with a token (whoami names the account). */
  user?: string
  token?: string
  password?: string
  /** Device name shown in the account's session list while a password login lasts. */
  deviceName: string
}

const MXID_RE = /^@[^:\s]+:[^\s]+$/

export function checkUserId(user: string, flag = '--user'): string {
  if (!MXID_RE.test(user)) throw new UsageError(`${flag} ${user} is not a Matrix user ID.`, { hint: 'Write it in full, e.g. @alice:example.org.' })
  return user
}

/** The part after the first colon of a user or room ID (room IDs of v12 rooms have none). */
export function serverOf(id: string): string | null {
  const colon = id.indexOf(':')
  return colon < 0 ? null : id.slice(colon + 1)
}

function parseHomeserver(input: string): { url: URL; bareName: boolean } {
  const bareName = !/^[a-z][a-z0-9+.-]*:\/\//i.test(input)
  try {
    return { url: new URL(bareName ? `https://${input}` : input), bareName }
  } catch {
    throw new UsageError(`--homeserver ${input} is not a URL.`, { hint: 'Give the homeserver URL, e.g. https://matrix.example.org.' })
  }
}

async function versionsAt(http: HttpClient, base: string): Promise<VersionsResponse | null> {
  try {
    const versions = await new MatrixClient(http, base).call<VersionsResponse>('GET', '/_matrix/client/versions', { auth: false })
    return Array.isArray(versions.versions) ? versions : null
  } catch (error) {
    if (isMatrixError(error) || error instanceof NotJsonError) return null
    throw error
  }
}

async function wellKnownBase(http: HttpClient, origin: string): Promise<string | null> {
  const found = await new MatrixClient(http, origin)
    .call<WellKnownClient>('GET', '/.well-known/matrix/client', { auth: false })
    .then((w) => w['m.homeserver']?.base_url)
    .catch(() => undefined)
  return typeof found === 'string' && /^https?:\/\//.test(found) ? found.replace(/\/+$/, '') : null
}

/**
 * Resolves `--homeserver` to a client API base URL and its `/versions`. A bare server name (`example.org`) goes
 * through the spec's discovery (`/.well-known/matrix/client` first); a URL is taken as the base URL, and only
 * when no Matrix API answers there is its well-known file asked where the API really is.
 */
export async function discoverHomeserver(http: HttpClient, input: string): Promise<{ baseUrl: string; versions: VersionsResponse }> {
  const { url, bareName } = parseHomeserver(input)
  const given = url.href.replace(/\/+$/, '')
  const candidates = bareName ? [await wellKnownBase(http, url.origin), given] : [given]
  for (const base of candidates) {
    if (!base) continue
    const versions = await versionsAt(http, base)
    if (versions) return { baseUrl: base, versions }
  }
  if (!bareName) {
    const found = await wellKnownBase(http, url.origin)
    const versions = found && found !== given ? await versionsAt(http, found) : null
    if (found && versions) return { baseUrl: found, versions }
  }
  throw new UnsupportedError(`${url.host} does not answer as a Matrix homeserver (no /_matrix/client/versions).`, {
    hint: 'Give the homeserver URL your client uses (Element: Settings > Help & About > Homeserver).',
  })
}

/** Matrix 1.11 brought authenticated media (MSC3916); some servers announce it early as an unstable feature. */
export function supportsAuthenticatedMedia(versions: VersionsResponse): boolean {
  if (versions.unstable_features?.['org.matrix.msc3916.stable'] === true) return true
  return versions.versions.some((v) => {
    const m = /^v(\d+)\.(\d+)$/.exec(v)
    return m !== null && (Number(m[1]) > 1 || Number(m[2]) >= 11)
  })
}

export async function openSession(http: HttpClient, options: SessionOptions): Promise<MatrixSession> {
  if (options.user !== undefined) checkUserId(options.user)
  const { baseUrl, versions } = await discoverHomeserver(http, options.homeserver)
  const client = new MatrixClient(http, baseUrl)
  let ownsDevice = false
  if (options.password !== undefined) {
    if (options.user === undefined) throw new UsageError('A password login needs --user.', { hint: 'Add --user @me:server.' })
    registerSecret(options.password)
    let login: LoginResponse
    try {
      login = await client.call<LoginResponse>('POST', `${CLIENT_V3}/login`, {
        auth: false,
        body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: options.user }, password: options.password, initial_device_display_name: options.deviceName },
      })
    } catch (error) {
      if (isMatrixError(error, 403)) {
        throw new AuthError(`${client.host} refused the password for ${options.user}.`, { hint: 'Check the password in the environment variable you named.', cause: error })
      }
      throw error
    }
    client.accessToken = login.access_token
    ownsDevice = true
  } else {
    client.accessToken = options.token
  }
  const me = await client.whoami()
  if (options.user !== undefined && me.user_id !== options.user) {
    if (ownsDevice) await client.logout().catch(() => undefined)
    throw new AuthError(`The access token belongs to ${me.user_id}, not ${options.user}.`, { hint: 'Use the token of the account named by --user.' })
  }
  let closed = false
  return {
    client,
    userId: me.user_id,
    baseUrl,
    authenticatedMedia: supportsAuthenticatedMedia(versions),
    async close() {
      if (closed || !ownsDevice) return
      closed = true
      await client.logout().catch(() => undefined)
    },
  }
}
