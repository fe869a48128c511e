// Request parameters merged the way Rails builds `params`: query string, then a JSON or
// application/x-www-form-urlencoded body; `key[]` collects arrays. Multipart bodies are not parsed
// (Lifeboat sends JSON); such a request sees only its query parameters.

import type { IncomingMessage } from 'node:http'

export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue }
export type Params = Record<string, ParamValue | undefined>

export async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = {}
  mergeSearch(params, url.searchParams)
  if (req.method === 'GET' || req.method === 'HEAD') {
    req.resume()
    return params
  }
  const body = await readBody(req)
  if (body.length === 0) return params
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  if (type.includes('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      Object.assign(params, parsed as Params)
    }
  } else if (type.includes('application/x-www-form-urlencoded')) {
    mergeSearch(params, new URLSearchParams(body.toString('utf8')))
  }
  return params
}

function mergeSearch(params: Params, search: URLSearchParams): void {
  for (const [rawKey, value] of search) {
    if (rawKey.endsWith('[]')) {
      const key = rawKey.slice(0, -2)
      const existing = params[key]
      params[key] = Array.isArray(existing) ? [...existing, value] : [value]
    } else {
      params[rawKey] = value
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * `truthy_param?`: ActiveModel::Type::Boolean, where false, 0, "0", "f", "F", "false", "FALSE", "off", "OFF"
 * are false, "" and absence are nil (falsy), and anything else is true.
 */
export function truthy(value: ParamValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return false
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'string') return !['0', 'f', 'F', 'false', 'FALSE', 'off', 'OFF'].includes(value)
  return true
}

export function stringParam(value: ParamValue | undefined): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return null
}

/** A string array parameter (`ids[]=1&ids[]=2`, a JSON array, or a single value). */
export function stringList(value: ParamValue | undefined): string[] {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) return value.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String)
  if (typeof value === 'object') return Object.values(value).filter((v): v is string => typeof v === 'string')
  return [String(value)]
}
