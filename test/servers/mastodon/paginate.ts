// Id-window pagination and `Link` headers as Mastodon's API controllers do them.
//
// - `paginate_by_max_id(limit, max_id, since_id)` (mastodon `app/models/concerns/paginable.rb`): newest first,
//   id < max_id, id > since_id. `min_id` is ignored by controllers that use it (follows, blocks, mutes …).
// - `paginate_by_id` / `to_a_paginated_by_id` with `min_id`: the `limit` rows immediately above min_id, still
//   returned newest first (mdocs: api/guidelines.md#pagination).
// - `limit_param(default)`: absent → default; otherwise `[limit.to_i.abs, default * 2].min`
//   (`app/controllers/api/base_controller.rb`).
// - `Link: <url?…max_id=…>; rel="next", <url?…min_id|since_id=…>; rel="prev"`; next only when the page is full
//   (`records_continue?`), prev unless the page is empty. Rails `Hash#to_query` sorts the query keys.

import { lowerBound, parseId, upperBound } from './ids.js'
import type { Params } from './params.js'

export interface PageWindow {
  limit: number
  maxId: bigint | null
  sinceId: bigint | null
  minId: bigint | null
}

export function limitParam(params: Params, defaultLimit: number): number {
  const raw = params['limit']
  if (raw === undefined) return defaultLimit
  const parsed = Math.abs(rubyToI(raw))
  return Math.min(parsed, defaultLimit * 2)
}

/** Ruby `String#to_i`: leading integer, else 0. */
export function rubyToI(value: unknown): number {
  const match = /^\s*[-+]?\d+/.exec(typeof value === 'string' ? value : String(value))
  return match ? Number.parseInt(match[0], 10) : 0
}

export function pageWindow(params: Params, defaultLimit: number, honourMinId: boolean): PageWindow {
  return {
    limit: limitParam(params, defaultLimit),
    maxId: parseId(params['max_id']),
    sinceId: parseId(params['since_id']),
    minId: honourMinId ? parseId(params['min_id']) : null,
  }
}

/**
 * Selects one page from rows sorted by ascending id, skipping rows `keep` rejects, and returns it newest
 * first. Costs O(page + skipped), so a 20,000-row timeline pages cheaply.
 */
export function selectPage<T extends { id: bigint }>(
  rows: readonly T[],
  window: PageWindow,
  keep: (row: T) => boolean = () => true,
): T[] {
  const end = window.maxId === null ? rows.length : lowerBound(rows, window.maxId)
  const floorId = window.minId ?? window.sinceId
  const start = floorId === null ? 0 : upperBound(rows, floorId)
  const page: T[] = []
  if (window.limit <= 0) return page
  if (window.minId !== null) {
    // Rows immediately above min_id (and above since_id too, when both are given).
    const sinceStart = window.sinceId === null ? start : Math.max(start, upperBound(rows, window.sinceId))
    for (let i = sinceStart; i < end && page.length < window.limit; i++) if (keep(rows[i]!)) page.push(rows[i]!)
    return page.reverse()
  }
  for (let i = end - 1; i >= start && page.length < window.limit; i--) if (keep(rows[i]!)) page.push(rows[i]!)
  return page
}

export interface LinkSpec {
  baseUrl: string
  path: string
  /** Parameters carried over (limit, filters); cursor parameters are added per link. */
  carry: Record<string, string>
  nextMaxId: bigint | null
  prev: { key: 'min_id' | 'since_id'; id: bigint } | null
}

export function linkHeader(spec: LinkSpec): string | null {
  const links: string[] = []
  if (spec.nextMaxId !== null) links.push(`<${pageUrl(spec, 'max_id', spec.nextMaxId)}>; rel="next"`)
  if (spec.prev !== null) links.push(`<${pageUrl(spec, spec.prev.key, spec.prev.id)}>; rel="prev"`)
  return links.length === 0 ? null : links.join(', ')
}

function pageUrl(spec: LinkSpec, key: string, id: bigint): string {
  const query = { ...spec.carry, [key]: id.toString() }
  const pairs = Object.keys(query)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k]!)}`)
  return `${spec.baseUrl}${spec.path}?${pairs.join('&')}`
}

/** Picks the carried-over parameters a controller's `pagination_params` permits. */
export function carried(params: Params, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of keys) {
    const value = params[key]
    if (typeof value === 'string') out[key] = value
  }
  return out
}
