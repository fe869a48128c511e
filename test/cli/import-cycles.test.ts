// No import cycle at run time anywhere in src/ (issue 12): commands import their help helpers from cli/help.ts and
// the adapter registries from adapters/registry.ts, never the program that imports them. Type-only imports are
// erased by the compiler and do not count.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

interface MadgeGraph {
  circular(): string[][]
  obj(): Record<string, string[]>
}
// madge ships no type declarations; this is the part of its API used here.
const madge = createRequire(import.meta.url)('madge') as (path: string, config: object) => Promise<MadgeGraph>

test('src/ has no circular imports (madge)', { timeout: 300_000 }, async () => {
  const graph = await madge('src', {
    fileExtensions: ['ts'],
    tsConfig: 'tsconfig.json',
    detectiveOptions: { ts: { skipTypeImports: true }, tsx: { skipTypeImports: true } },
  })
  assert.deepEqual(graph.circular().map((cycle) => cycle.join(' > ')), [])
  assert.ok(Object.keys(graph.obj()).length > 100, 'madge saw the source tree')
})
