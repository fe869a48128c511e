// Lifeboat's own version, read once from its package.json (found by walking up from this file, so it works from
// src/ under tsx and from dist/ alike). Used by the User-Agent, `--version` and archive manifests.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

export function toolVersion(): string {
  cached ??= readVersion()
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
