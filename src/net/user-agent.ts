// The User-Agent every request carries unless the caller sets one: `lifeboat/<version>`, so that server admins
// can recognise (and rate-limit, or contact) the tool in their logs.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/** `lifeboat/<version>`, the version read once from Lifeboat's package.json (found from src/ and dist/ alike). */
export function defaultUserAgent(): string {
  cached ??= `lifeboat/${readVersion()}`
  return cached
}

function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (pkg.name === 'lifeboat' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json at this level
    }
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return '0.0.0'
}
