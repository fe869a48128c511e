// Body parsing as Misskey's Fastify setup does it (packages/backend/src/server/api/ApiServerService.ts):
// application/json is parsed strictly (malformed → Fastify 400, whose body differs per version:
// users_show__error-malformed-json.json of each version); text/plain stays a string (so validation answers
// "must be object", users_show__error-text-plain.json); multipart/form-data becomes fields + `file`; a missing body
// is undefined; any other content type is Fastify's 415.
import type { IncomingMessage } from 'node:http'
import type { MisskeyVersion } from './state.js'

export type ParsedBody =
  | { ok: true; body: unknown; multipart: boolean }
  | { ok: false; status: number; body: Record<string, unknown> }

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function invalidJson(version: MisskeyVersion, err: unknown): ParsedBody {
  if (version === '2025.11.1') {
    return {
      ok: false,
      status: 400,
      body: {
        statusCode: 400,
        code: 'FST_ERR_CTP_INVALID_JSON_BODY',
        error: 'Bad Request',
        message: "Body is not valid JSON but content-type is set to 'application/json'",
      },
    }
  }
  return { ok: false, status: 400, body: { statusCode: 400, error: 'Bad Request', message: (err as Error).message } }
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<Record<string, unknown>> {
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData()
  const out: Record<string, unknown> = {}
  for (const [key, value] of form.entries()) {
    if (typeof value === 'string') out[key] = value
    else out[key] = { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) }
  }
  return out
}

export async function parseBody(req: IncomingMessage, raw: Buffer, version: MisskeyVersion): Promise<ParsedBody> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === '') return { ok: true, body: raw.length === 0 ? undefined : raw.toString('utf8'), multipart: false }
  if (type === 'application/json') {
    if (raw.length === 0) {
      return {
        ok: false,
        status: 400,
        body: {
          statusCode: 400,
          code: 'FST_ERR_CTP_EMPTY_JSON_BODY',
          error: 'Bad Request',
          message: "Body cannot be empty when content-type is set to 'application/json'",
        },
      }
    }
    try {
      return { ok: true, body: JSON.parse(raw.toString('utf8')), multipart: false }
    } catch (err) {
      return invalidJson(version, err)
    }
  }
  if (type === 'text/plain') return { ok: true, body: raw.toString('utf8'), multipart: false }
  if (type === 'multipart/form-data') {
    try {
      return { ok: true, body: await parseMultipart(raw, req.headers['content-type']!), multipart: true }
    } catch {
      return { ok: false, status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'Invalid multipart body' } }
    }
  }
  return {
    ok: false,
    status: 415,
    body: { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', error: 'Unsupported Media Type', message: `Unsupported Media Type: ${type}` },
  }
}

/** Multipart and query-string values arrive as strings; upstream casts boolean/number/integer params with JSON.parse. */
export function castStrings(body: Record<string, unknown>, types: Record<string, { type: string }>): Record<string, unknown> {
  const out = { ...body }
  for (const [key, schema] of Object.entries(types)) {
    const v = out[key]
    if (typeof v === 'string' && ['boolean', 'number', 'integer'].includes(schema.type)) {
      try {
        out[key] = JSON.parse(v)
      } catch {
        // left as a string: validation then reports the type error
      }
    }
  }
  return out
}
