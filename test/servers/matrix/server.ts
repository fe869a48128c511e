/**
 * An in-process Matrix homeserver for tests (node:http on 127.0.0.1, random port). It follows the Matrix
 * client-server API v1.11+ for what Lifeboat uses, or, with `compat: 'synapse167'`, the recorded Synapse
 * 1.67.0 (/work/shared/fixtures/matrix/). See README.md beside this file for behaviour -> source.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { MatrixError } from './errors.js'
import type { RateLimit, RateLimitName, RetryAfterStyle } from './rate-limit.js'
import { authenticate, Router, type Ctx, type Reply } from './router.js'
import { registerAccountRoutes } from './routes-account.js'
import { registerAuthRoutes } from './routes-auth.js'
import { registerE2eeRoutes } from './routes-e2ee.js'
import { registerMediaRoutes } from './routes-media.js'
import { registerMembershipRoutes } from './routes-membership.js'
import { registerMessageRoutes } from './routes-messages.js'
import { registerRoomRoutes } from './routes-rooms.js'
import { registerSyncRoutes } from './routes-sync.js'
import { Seed } from './seed.js'
import { ServerState, type Compat, type MatrixServerOptions } from './state.js'

export type { MatrixServerOptions } from './state.js'

export interface RequestLogEntry {
  method: string
  /** Path without the query, as sent. */
  path: string
  query: string
  status: number
  errcode?: string
  userId?: string
  at: number
}

export interface RequestMatch {
  method?: string
  path?: string | RegExp
  status?: number
  errcode?: string
}

export interface MatrixTestServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string
  serverName: string
  compat: Compat
  seed: Seed
  /** The store, for assertions the seed helpers do not cover. */
  state: ServerState
  /** Every request in arrival order. */
  requests: RequestLogEntry[]
  countRequests(match?: RequestMatch): number
  resetRequests(): void
  /** Changes (or with null removes) a rate limit; resets its buckets. */
  setRateLimit(name: RateLimitName, limit: RateLimit | null): void
  setRetryAfterStyle(style: RetryAfterStyle): void
  close(): Promise<void>
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization, Date',
}

export async function startMatrixServer(options: MatrixServerOptions = {}): Promise<MatrixTestServer> {
  const state = new ServerState(options)
  let url = ''
  const router = new Router()
  registerAuthRoutes(router, state, () => url)
  registerSyncRoutes(router, state)
  registerMessageRoutes(router, state)
  registerRoomRoutes(router, state)
  registerMembershipRoutes(router, state)
  registerAccountRoutes(router, state)
  registerMediaRoutes(router, state)
  registerE2eeRoutes(router, state)

  const requests: RequestLogEntry[] = []
  const server = createServer((req, res) => {
    handle(state, router, req, res, requests).catch((err: unknown) => {
      // Only a failure while writing the response gets here; the connection is gone or broken.
      res.destroy(err instanceof Error ? err : undefined)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    serverName: state.serverName,
    compat: state.compat,
    seed: new Seed(state),
    state,
    requests,
    countRequests(match = {}) {
      return requests.filter((r) => matches(r, match)).length
    },
    resetRequests() {
      requests.length = 0
    },
    setRateLimit(name, limit) {
      state.limiter.set(name, limit)
    },
    setRetryAfterStyle(style) {
      state.limiter.style = style
    },
    async close() {
      state.wakeAll()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function matches(r: RequestLogEntry, m: RequestMatch): boolean {
  if (m.method !== undefined && r.method !== m.method) return false
  if (m.status !== undefined && r.status !== m.status) return false
  if (m.errcode !== undefined && r.errcode !== m.errcode) return false
  if (typeof m.path === 'string' && r.path !== m.path) return false
  if (m.path instanceof RegExp && !m.path.test(r.path)) return false
  return true
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max) throw new MatrixError(413, 'M_TOO_LARGE', 'Request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * Unknown endpoints: spec ("Common error codes", M_UNRECOGNIZED) says 404, or 405 for a known path with
 * the wrong method; Synapse 1.67 answered 400 for both (fixture 159).
 */
function unrecognized(state: ServerState, wrongMethod: boolean): MatrixError {
  const status = state.synapse ? 400 : wrongMethod ? 405 : 404
  return new MatrixError(status, 'M_UNRECOGNIZED', 'Unrecognized request')
}

async function handle(state: ServerState, router: Router, req: IncomingMessage, res: ServerResponse, log: RequestLogEntry[]): Promise<void> {
  const method = req.method ?? 'GET'
  const raw = req.url ?? '/'
  const q = raw.indexOf('?')
  const path = q < 0 ? raw : raw.slice(0, q)
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))
  const entry: RequestLogEntry = { method, path, query: q < 0 ? '' : raw.slice(q + 1), status: 0, at: state.time.now() }
  log.push(entry)
  let reply: Reply
  try {
    const body = await readBody(req, state.maxUploadBytes + 1024)
    if (method === 'OPTIONS') {
      reply = { status: 200, json: {} }
    } else {
      const found = router.match(method, path)
      if (found === null || found === 'method') throw unrecognized(state, found === 'method')
      const session = found.route.auth === 'required' ? authenticate(state, req.headers, query) : { userId: '', deviceId: '' }
      if (session.userId) entry.userId = session.userId
      const ctx: Ctx = { state, method, path, params: found.params, query, headers: req.headers, body, session }
      reply = await found.route.handler(ctx)
    }
  } catch (err) {
    if (err instanceof MatrixError) {
      reply = { status: err.status, json: err.body(), headers: err.headers }
      entry.errcode = err.errcode
    } else {
      console.error('matrix test server: handler failed', err)
      reply = { status: 500, json: { errcode: 'M_UNKNOWN', error: 'Internal server error' } }
      entry.errcode = 'M_UNKNOWN'
    }
  }
  entry.status = reply.status ?? 200
  if ('bytes' in reply) {
    res.writeHead(entry.status, { ...CORS, ...reply.headers })
    res.end(method === 'HEAD' ? undefined : reply.bytes)
    return
  }
  const text = JSON.stringify(reply.json)
  res.writeHead(entry.status, {
    ...CORS,
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    'Content-Length': String(Buffer.byteLength(text)),
    ...reply.headers,
  })
  res.end(text)
}
