// An in-process Mastodon REST API server (node:http on 127.0.0.1, random port) that behaves as the Mastodon
// documentation and source describe for what Lifeboat uses; flavors `gotosocial` and `akkoma` add their alias and
// move endpoints and report their own version strings; `sharkey` answers as Sharkey 2025.4.7 does (routes/sharkey.ts). Behaviour → source is listed in README.md beside this file.
//
// Every request: the Rack::Attack budgets are counted first (429 before routing), then stored files
// (media, avatars) are served, then the route table. /api responses carry X-RateLimit-* of the budget closest to
// exhaustion. Every request is logged with its route pattern for counters.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { toClock, type Clock } from '../common/clock.js'
import { ApiError, bearer, errors, type Ctx, type Reply, type ServerState } from './context.js'
import { registerPlaceholders } from './media.js'
import { readParams, type Params } from './params.js'
import { FollowLimiter, RackAttack, resolveLimits, type RateLimitHeaders } from './rate-limits.js'
import { matchRoute, type Route } from './router.js'
import { accountRoutes } from './routes/accounts.js'
import { collectionRoutes } from './routes/collections.js'
import { defaultVersion, instanceRoutes } from './routes/instance.js'
import { listRoutes } from './routes/lists.js'
import { migrationRoutes } from './routes/migration.js'
import { relationRoutes } from './routes/relations.js'
import { searchRoutes } from './routes/search.js'
import { sharkeyRoutes } from './routes/sharkey.js'
import { statusRoutes } from './routes/statuses.js'
import { MastodonSeeder } from './seeder.js'
import { directoryMember } from './services.js'
import { MastodonStore } from './store.js'
import type { Flavor, MastodonServerOptions, RequestLogEntry } from './types.js'

export interface MastodonTestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** The acct domain (LOCAL_DOMAIN). */
  readonly domain: string
  readonly flavor: Flavor
  readonly seed: MastodonSeeder
  /** Every request so far, oldest first. */
  readonly requests: readonly RequestLogEntry[]
  /** Requests per route pattern, e.g. `{"POST /api/v1/accounts/:id/follow": 3}`. */
  counters(): Record<string, number>
  /** Requests whose route pattern equals `route` (all requests when absent). */
  count(route?: string): number
  resetRequestLog(): void
  /** The clock the server reads. */
  readonly clock: Clock
  /** Clears every request budget and the follow cap. */
  resetRateLimits(): void
  /** Follows counted against the cap in the current window. */
  followsUsed(accountId: string): number
  /** The id of a known account by `user`, `user@domain` or ActivityPub id. */
  accountId(acctOrUri: string): string | undefined
  close(): Promise<void>
}

const ROUTES: Route[] = [
  ...sharkeyRoutes(),
  ...instanceRoutes(),
  ...searchRoutes(),
  ...migrationRoutes(),
  ...accountRoutes(),
  ...relationRoutes(),
  ...collectionRoutes(),
  ...listRoutes(),
  ...statusRoutes(),
]

const PAGING_KEYS = ['page', 'min_id', 'max_id', 'since_id']

export async function startMastodonServer(options: MastodonServerOptions = {}): Promise<MastodonTestServer> {
  const flavor = options.flavor ?? 'mastodon'
  const clock = toClock(options.clock ?? options.now)
  const now = (): number => clock.now()
  const log: RequestLogEntry[] = []
  let state: ServerState | undefined
  const server = createServer((req, res) => {
    if (!state) {
      res.writeHead(503).end()
      return
    }
    handle(state, log, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: String(error) }))
    })
  })
  await listen(server, options.port ?? 0)
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const domain = options.domain ?? `127.0.0.1:${port}`
  const limits = resolveLimits(options.rateLimits)
  const store = new MastodonStore(domain)
  registerPlaceholders(store)
  state = {
    store,
    flavor,
    version: options.version ?? defaultVersion(flavor),
    title: options.title ?? `${flavor} test server`,
    url,
    domain,
    now,
    rack: limits.enabled ? new RackAttack(limits, clock) : null,
    followLimiter: limits.enabled ? new FollowLimiter(limits.follows, clock) : null,
    directory: options.directory ?? null,
  }
  const live = state
  options.directory?.register(directoryMember(live))
  const seed = new MastodonSeeder(live)

  return {
    url,
    domain,
    flavor,
    seed,
    clock,
    requests: log,
    counters: () => {
      const out: Record<string, number> = {}
      for (const entry of log) out[entry.route] = (out[entry.route] ?? 0) + 1
      return out
    },
    count: (route) => (route === undefined ? log.length : log.filter((e) => e.route === route).length),
    resetRequestLog: () => {
      log.length = 0
    },
    resetRateLimits: () => {
      live.rack?.reset()
      live.followLimiter?.reset()
    },
    followsUsed: (accountId) => live.followLimiter?.used(BigInt(accountId)) ?? 0,
    accountId: (acctOrUri) => (store.findByUri(acctOrUri) ?? store.findByAcct(acctOrUri))?.id.toString(),
    close: async () => {
      options.directory?.unregister(domain)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
}

async function handle(state: ServerState, log: RequestLogEntry[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', state.url)
  const method = req.method ?? 'GET'
  const isApi = url.pathname.startsWith('/api')
  const entry: RequestLogEntry = { method, path: url.pathname, query: url.search, status: 0, route: 'unmatched', accountId: null, at: state.now() }
  log.push(entry)
  const headers: Record<string, string> = {}
  let reply: Reply
  let rate: RateLimitHeaders | null = null
  const ctx: Ctx = { req, url, params: {}, path: {}, state, token: null, tokenInvalid: false, viewer: null, headers }
  try {
    ctx.params = await readParamsOr400(req, url)
    const sent = bearer(req)
    if (sent !== null) {
      ctx.token = state.store.tokens.get(sent) ?? null
      ctx.tokenInvalid = ctx.token === null
      const accountId = ctx.token?.accountId ?? null
      ctx.viewer = accountId === null ? null : state.store.accounts.get(accountId) ?? null
      entry.accountId = ctx.viewer?.id.toString() ?? null
    }
    const file = method === 'GET' || method === 'HEAD' ? state.store.files.get(url.pathname) : undefined
    const match = file ? null : matchRoute(ROUTES, state.flavor, method, url.pathname)
    if (file) entry.route = 'GET /system/*'
    else if (match) entry.route = `${match.route.method} ${match.route.pattern}`
    if (state.rack) {
      const paging = PAGING_KEYS.some((k) => isPresent(ctx.params[k]))
      const { data, throttled } = state.rack.check({ path: url.pathname, tokenId: ctx.token?.id ?? null, userId: ctx.viewer?.id ?? null, ip: req.socket.remoteAddress ?? '', paging })
      if (throttled) {
        send(res, entry, { status: 429, json: { error: 'Too many requests' } }, { ...state.rack.throttledHeaders(throttled) }, method)
        return
      }
      rate = isApi ? state.rack.headers(data) : null
    }
    if (file) {
      reply = { status: 200, bytes: file.bytes, contentType: file.contentType }
    } else {
      if (!match) throw errors.noRoute()
      ctx.path = match.path
      reply = await match.route.handler(ctx)
    }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    reply = { status: error.status, json: error.body }
  }
  if (isApi) headers['Cache-Control'] = 'private, no-store'
  if (rate) Object.assign(headers, rate)
  // `override_rate_limit_headers`: the follows family wins unless Rack::Attack has fewer requests left.
  if (ctx.followHeaders && (!rate || Number(ctx.followHeaders['X-RateLimit-Remaining']) <= Number(rate['X-RateLimit-Remaining']))) {
    Object.assign(headers, ctx.followHeaders)
  }
  send(res, entry, reply, headers, method)
}

async function readParamsOr400(req: IncomingMessage, url: URL): Promise<Params> {
  try {
    return await readParams(req, url)
  } catch {
    // `ActionDispatch::Http::Parameters::ParseError` is rendered as 400.
    throw new ApiError(400, { error: 'Error occurred while parsing request parameters' })
  }
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== ''
}

function send(res: ServerResponse, entry: RequestLogEntry, reply: Reply, headers: Record<string, string>, method: string): void {
  entry.status = reply.status
  const body = 'json' in reply ? Buffer.from(JSON.stringify(reply.json)) : Buffer.from(reply.bytes)
  const contentType = 'json' in reply ? 'application/json; charset=utf-8' : reply.contentType
  res.writeHead(reply.status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(body.length) })
  res.end(method === 'HEAD' ? undefined : body)
}
