// Module resolution hooks for bench/_modules.mjs (they run on the loader thread).
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(process.env.LIFEBOAT_LIST_MODULES, `MODULE ${result.url}\n`)
  return result
}
