/**
 * Discovery and sessions: `/versions`, `/.well-known/matrix/client`, `/login`, `/logout`, `/account/whoami`,
 * `/capabilities`.
 */
import { MatrixError, forbidden } from './errors.js'
import { CLIENT, json, jsonBody, type Ctx, type Router } from './router.js'
import type { ServerState } from './state.js'

/** Synapse 1.67.0's `/versions` list (fixture 007); spec mode adds v1.3..v1.11. */
const SYNAPSE_VERSIONS = ['r0.0.1', 'r0.1.0', 'r0.2.0', 'r0.3.0', 'r0.4.0', 'r0.5.0', 'r0.6.0', 'r0.6.1', 'v1.1', 'v1.2']
const SPEC_VERSIONS = [...SYNAPSE_VERSIONS, 'v1.3', 'v1.4', 'v1.5', 'v1.6', 'v1.7', 'v1.8', 'v1.9', 'v1.10', 'v1.11']

export function registerAuthRoutes(router: Router, state: ServerState, baseUrl: () => string): void {
  // spec: "GET /_matrix/client/versions" (no auth).
  router.add(
    'GET',
    ['/_matrix/client'],
    '/versions',
    () => json({ versions: state.synapse ? SYNAPSE_VERSIONS : SPEC_VERSIONS, unstable_features: {} }),
    'none',
  )
  // spec: "Server Discovery" / `GET /.well-known/matrix/client`.
  router.add('GET', ['/.well-known/matrix'], '/client', () => json({ 'm.homeserver': { base_url: baseUrl() } }), 'none')

  // spec: `GET /login`; Synapse 1.67 lists password + application_service (fixture 003).
  router.add(
    'GET',
    CLIENT,
    '/login',
    () =>
      json({
        flows: state.synapse
          ? [{ type: 'm.login.password' }, { type: 'm.login.application_service' }]
          : [{ type: 'm.login.password' }, { type: 'm.login.token' }],
      }),
    'none',
  )
  router.add('POST', CLIENT, '/login', (ctx) => login(ctx, state), 'none')

  // spec: `POST /logout` invalidates the token.
  router.add('POST', CLIENT, '/logout', (ctx) => {
    for (const [token, s] of state.sessions) if (s === ctx.session) state.sessions.delete(token)
    return json({})
  })
  router.add('POST', CLIENT, '/logout/all', (ctx) => {
    for (const [token, s] of state.sessions) if (s.userId === ctx.session.userId) state.sessions.delete(token)
    return json({})
  })

  // spec: `GET /account/whoami` (fixture 006).
  router.add('GET', CLIENT, '/account/whoami', (ctx) =>
    json({ user_id: ctx.session.userId, is_guest: false, device_id: ctx.session.deviceId }),
  )

  // spec: `GET /capabilities`; room versions as Synapse 1.67 (fixture 135) trimmed to stable ones.
  router.add('GET', CLIENT, '/capabilities', () => {
    const available: Record<string, string> = {}
    for (const v of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']) available[v] = 'stable'
    if (!state.synapse) available['11'] = 'stable'
    return json({
      capabilities: {
        'm.room_versions': { default: defaultRoomVersion(state), available },
        'm.change_password': { enabled: true },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: true },
      },
    })
  })
}

/** Synapse 1.67's default room version is 9 (README); spec mode uses 10. */
export function defaultRoomVersion(state: ServerState): string {
  return state.synapse ? '9' : '10'
}

/**
 * spec: `POST /login` with `m.login.password` (identifier `m.id.user` or legacy `user`) or `m.login.token`.
 * Wrong credentials: 403 `M_FORBIDDEN` "Invalid username or password" (fixtures 160-162). Limits like
 * Synapse: `rc_login.account` on every attempt (`login`), `rc_login.failed_attempts` checked first and
 * counted only on failure (`loginFailed`; fixtures 163-164 show the 4th failure answered 429).
 */
function login(ctx: Ctx, state: ServerState): ReturnType<typeof json> {
  const body = jsonBody(ctx)
  let userId: string | undefined
  if (body.type === 'm.login.password') {
    const identifier = body.identifier as { type?: string; user?: string } | undefined
    const name = identifier?.type === 'm.id.user' ? identifier.user : (body.user as string | undefined)
    if (typeof name !== 'string') throw new MatrixError(400, 'M_UNKNOWN', 'Invalid login submission')
    const candidate = name.startsWith('@') ? name : state.userId(name)
    const wait = state.limiter.peek('loginFailed', candidate)
    if (wait > 0) throw state.limiter.error(wait)
    state.limiter.take('login', candidate)
    const user = state.users.get(candidate)
    if (!user || user.password === undefined || user.password !== body.password) {
      state.limiter.record('loginFailed', candidate)
      throw forbidden('Invalid username or password')
    }
    userId = candidate
  } else if (body.type === 'm.login.token') {
    userId = state.loginTokens.get(String(body.token))
    if (!userId) throw forbidden('Invalid login token')
    state.loginTokens.delete(String(body.token))
    state.limiter.take('login', userId)
  } else {
    throw new MatrixError(400, 'M_UNKNOWN', 'Unknown login type')
  }
  const deviceId = typeof body.device_id === 'string' ? body.device_id : undefined
  const session = state.newSession(userId, deviceId)
  const reply: Record<string, unknown> = { user_id: userId, access_token: session.accessToken, device_id: session.deviceId }
  // `home_server` is deprecated in the spec but Synapse 1.67 still sends it (fixture 004).
  if (state.synapse) reply.home_server = state.serverName
  return json(reply)
}
