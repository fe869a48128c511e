// An in-process fake Misskey (2025.7.0 / 2025.11.1) on 127.0.0.1 and a random port, for tests and benchmarks of the
// Misskey adapter. Behaviour and its sources are listed in README.md beside this file; HTTP-level rules here:
// POST /api/<endpoint> with JSON (or multipart for drive/files/create); JSON answers carry
// `access-control-allow-origin: *` and `cache-control: private, max-age=0, must-revalidate`; 204 has no body;
// GET on a POST-only endpoint → 405 empty (i__error-GET-method.json); GET /api/<unknown> → 404 UNKNOWN_API_ENDPOINT;
// POST /api/<unknown> → Fastify 404 (unknown-endpoint__POST.json); /files/* serves drive bytes (files.ts);
// /.well-known/nodeinfo and /nodeinfo/2.x describe the software as "misskey".
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { toClock, type Clock, type ClockInput } from '../common/clock.js'
import { callEndpoint } from './api-call.js'
import type { MisskeyDirectory } from './directory.js'
import { createFederation } from './directory.js'
import { endpointTable } from './endpoint.js'
import { ApiError, CALL_ERRORS } from './errors.js'
import { fileByUrl, serveFile } from './files.js'
import { createIdGenerator } from './ids.js'
import type { Instance } from './instance.js'
import { RateLimiter } from './rate-limit.js'
import type { RateLimitOptions } from './rate-limit.js'
import { castStrings, parseBody, readRaw } from './request-body.js'
import { accountEndpoints } from './routes/account.js'
import { collectionEndpoints } from './routes/collections.js'
import { driveEndpoints } from './routes/drive.js'
import { exportEndpoints } from './routes/export.js'
import { federationEndpoints } from './routes/federation.js'
import { noteEndpoints } from './routes/notes.js'
import { relationEndpoints } from './routes/relations.js'
import { userEndpoints } from './routes/users.js'
import { MisskeySeeder } from './seed.js'
import { MisskeyState } from './state.js'
import type { MisskeyVersion, TokenKind } from './state.js'
import { nodeinfoBody } from './templates.js'
import { miauthCheck, sendJson } from './server-misc.js'

const ENDPOINTS = endpointTable(
  accountEndpoints,
  userEndpoints,
  noteEndpoints,
  relationEndpoints,
  collectionEndpoints,
  driveEndpoints,
  federationEndpoints,
  exportEndpoints,
)

const API_HEADERS = { 'access-control-allow-origin': '*', 'cache-control': 'private, max-age=0, must-revalidate' }

export interface MisskeyServerOptions {
  /** Which recorded version to imitate where they differ (README "Differences between versions"). Default 2025.11.1. */
  version?: MisskeyVersion
  /** Share one directory between servers so they resolve each other's users and notes (directory.ts). */
  directory?: MisskeyDirectory
  /** Rate limiting; default: upstream limits with factor 1. `{ enabled: false }` turns it off. */
  rateLimits?: RateLimitOptions
  /**
   * Time source for ids, createdAt, expiries and rate-limit windows: a Clock (e.g. ../common/clock.ts ManualClock) or
   * `() => epochMs`. Default wall time; a benchmark may pass a compressed clock.
   */
  clock?: ClockInput
  /** Delay before an i/export-* file appears. Default 50 ms (recorded: ~500 ms). */
  exportDelayMs?: number
  /** Runs before the server answers its first request. */
  seed?: (seed: MisskeySeeder) => void | Promise<void>
}

export interface RequestLogEntry {
  at: number
  method: string
  path: string
  /** API endpoint name (e.g. 'users/notes'); null for non-API paths. */
  endpoint: string | null
  status: number
  userId: string | null
  tokenKind: TokenKind | null
}

export interface MisskeyTestServer {
  url: string
  /** `127.0.0.1:PORT`: the host other instances use in `username@host`. */
  host: string
  seed: MisskeySeeder
  /** The live records (escape hatch for assertions). */
  instance: Instance
  /** Every request answered so far, in order. */
  log: RequestLogEntry[]
  /** Requests per endpoint (API name or path) and the number of 429 answers. */
  counters(): { total: number; byEndpoint: Record<string, number>; rateLimited: number }
  rateLimiter: RateLimiter
  /** The clock the server reads. */
  clock: Clock
  close(): Promise<void>
}

export async function startMisskeyServer(options: MisskeyServerOptions = {}): Promise<MisskeyTestServer> {
  const clock = toClock(options.clock)
  const now = (): number => clock.now()
  const state = new MisskeyState(createIdGenerator(), now)
  const limiter = new RateLimiter(options.rateLimits ?? {}, clock)
  const timers = new Set<NodeJS.Timeout>()
  const log: RequestLogEntry[] = []
  let inst: Instance | undefined
  const getInst = (): Instance => inst!

  const server = createServer((req, res) => {
    handle(getInst(), limiter, req, res).then(
      (entry) => entry != null && log.push({ at: now(), method: req.method ?? '', ...entry }),
      (err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) })
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  inst = {
    state,
    config: {
      url,
      host: `127.0.0.1:${port}`,
      version: options.version ?? '2025.11.1',
      rateLimitFactor: options.rateLimits?.enabled === false ? 0 : (options.rateLimits?.factor ?? 1),
      exportDelayMs: options.exportDelayMs ?? 50,
    },
    federation: createFederation(getInst, options.directory),
    defer(fn, delayMs) {
      const t = setTimeout(() => {
        timers.delete(t)
        fn()
      }, delayMs)
      timers.add(t)
    },
  }
  options.directory?.instances.set(inst.config.host, inst)
  const seed = new MisskeySeeder(inst)
  await options.seed?.(seed)

  return {
    url,
    host: inst.config.host,
    seed,
    instance: inst,
    log,
    rateLimiter: limiter,
    clock,
    counters() {
      const byEndpoint: Record<string, number> = {}
      for (const e of log) byEndpoint[e.endpoint ?? e.path] = (byEndpoint[e.endpoint ?? e.path] ?? 0) + 1
      return { total: log.length, byEndpoint, rateLimited: log.filter((e) => e.status === 429).length }
    },
    async close() {
      options.directory?.instances.delete(inst!.config.host)
      for (const t of timers) clearTimeout(t)
      timers.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

type Logged = Omit<RequestLogEntry, 'at' | 'method'> | null

async function handle(inst: Instance, limiter: RateLimiter, req: IncomingMessage, res: ServerResponse): Promise<Logged> {
  const url = new URL(req.url ?? '/', inst.config.url)
  const path = url.pathname
  const plain = (status: number): Logged => ({ path, endpoint: null, status, userId: null, tokenKind: null })
  if (path.startsWith('/api/')) return handleApi(inst, limiter, req, res, url)
  if (path.startsWith('/files/') && (req.method === 'GET' || req.method === 'HEAD')) {
    serveFile(inst, req, res, url)
    return plain(res.statusCode)
  }
  if (path === '/.well-known/nodeinfo' && req.method === 'GET') {
    const links = ['2.1', '2.0'].map((v) => ({ rel: `http://nodeinfo.diaspora.software/ns/schema/${v}`, href: `${inst.config.url}/nodeinfo/${v}` }))
    sendJson(res, 200, { links })
    return plain(200)
  }
  if ((path === '/nodeinfo/2.1' || path === '/nodeinfo/2.0') && req.method === 'GET') {
    const local = [...inst.state.users.values()].filter((u) => u.host == null)
    const body = nodeinfoBody(inst.config, local.length, local.reduce((n, u) => n + u.notesCount, 0))
    sendJson(res, 200, path.endsWith('2.0') ? { ...body, version: '2.0' } : body)
    return plain(200)
  }
  if (path === '/proxy/avatar.webp' && req.method === 'GET') {
    const file = fileByUrl(inst, url.searchParams.get('url') ?? '')
    if (file != null) {
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.bytes.length, 'cache-control': 'max-age=300' })
      res.end(file.bytes)
      return plain(200)
    }
  }
  sendJson(res, 404, { message: `Route ${req.method}:${path} not found`, error: 'Not Found', statusCode: 404 })
  return plain(404)
}

async function handleApi(inst: Instance, limiter: RateLimiter, req: IncomingMessage, res: ServerResponse, url: URL): Promise<Logged> {
  const name = url.pathname.slice('/api/'.length)
  const entry = (status: number, userId: string | null = null, tokenKind: TokenKind | null = null): Logged => ({
    path: url.pathname,
    endpoint: name,
    status,
    userId,
    tokenKind,
  })
  const raw = await readRaw(req)
  const miauth = /^miauth\/([^/]+)\/check$/.exec(name)
  if (miauth != null && req.method === 'POST') {
    sendJson(res, 200, miauthCheck(inst, miauth[1]!), API_HEADERS)
    return entry(200)
  }
  const ep = ENDPOINTS.get(name)
  if (req.method === 'GET' && (ep == null || !ep.allowGet)) {
    if (ep != null) {
      res.writeHead(405, { ...API_HEADERS, 'content-length': 0 })
      res.end()
      return entry(405)
    }
    const err = new ApiError(CALL_ERRORS.unknownEndpoint)
    sendJson(res, 404, err.toBody(), API_HEADERS)
    return entry(404)
  }
  if (ep == null || (req.method !== 'POST' && req.method !== 'GET')) {
    sendJson(res, 404, { message: `Route ${req.method}:${url.pathname} not found`, error: 'Not Found', statusCode: 404 })
    return entry(404)
  }
  let body: unknown
  let multipart = req.method === 'GET'
  if (req.method === 'GET') {
    body = Object.fromEntries(url.searchParams)
  } else {
    const parsed = await parseBody(req, raw, inst.config.version)
    if (!parsed.ok) {
      sendJson(res, parsed.status, parsed.body, { ...API_HEADERS, connection: 'close' })
      return entry(parsed.status)
    }
    body = parsed.body
    multipart = parsed.multipart
  }
  if (multipart && body != null && typeof body === 'object') body = castStrings(body as Record<string, unknown>, ep.params.properties)
  const outcome = await callEndpoint(inst, limiter, ep, {
    body,
    authorization: req.headers.authorization,
    ip: req.socket.remoteAddress ?? '127.0.0.1',
  })
  if (outcome.hang) return null
  const userId = outcome.user?.id ?? null
  const tokenKind = outcome.token?.kind ?? null
  if (outcome.status === 204) {
    res.writeHead(204, API_HEADERS)
    res.end()
    return entry(204, userId, tokenKind)
  }
  sendJson(res, outcome.status, outcome.body, { ...API_HEADERS, ...outcome.headers })
  return entry(outcome.status, userId, tokenKind)
}
