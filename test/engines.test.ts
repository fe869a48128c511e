// Every installed package must run on Node 20.19 (docs/dependencies.md): a dependency that declares a range
// excluding it would break a fresh install on the machines Lifeboat supports.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import semver from 'semver'

test('every package in the lockfile admits Node 20.19', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> }
  const refusing: string[] = []
  for (const [path, info] of Object.entries(lock.packages)) {
    const range = !Array.isArray(info.engines) ? info.engines?.node : undefined
    if (path && range && !semver.satisfies('20.19.0', range)) refusing.push(`${path} (${range})`)
  }
  assert.deepEqual(refusing, [])
})

test('package.json itself promises Node >= 20.19', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }
  assert.ok(semver.satisfies('20.19.0', pkg.engines.node))
})
