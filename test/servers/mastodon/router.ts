// A tiny method + path-pattern router. Routes are tried in order, so literal routes such as
// `/api/v1/accounts/verify_credentials` are listed before `/api/v1/accounts/:id`.

import type { Ctx, Reply } from './context.js'
import type { Flavor } from './types.js'

export interface Route {
  method: string
  pattern: string
  handler: (ctx: Ctx) => Reply | Promise<Reply>
  /** Flavors that serve this route; all when absent. */
  flavors?: Flavor[]
}

export interface RouteMatch {
  route: Route
  path: Record<string, string>
}

export function matchRoute(routes: readonly Route[], flavor: Flavor, method: string, pathname: string): RouteMatch | null {
  const segments = pathname.split('/').filter((s) => s !== '')
  for (const route of routes) {
    if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue
    if (route.flavors && !route.flavors.includes(flavor)) continue
    const parts = route.pattern.split('/').filter((s) => s !== '')
    if (parts.length !== segments.length) continue
    const path: Record<string, string> = {}
    let matched = true
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      const segment = decodeURIComponent(segments[i]!)
      if (part.startsWith(':')) path[part.slice(1)] = segment
      else if (part !== segment) {
        matched = false
        break
      }
    }
    if (matched) return { route, path }
  }
  return null
}
