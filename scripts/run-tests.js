#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner (through tsx), after building dist/ so
// that tests spawning bin/lifeboat.js exercise the current source. Node 20 has no --test glob.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function findTests(dir) {
  const found = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) found.push(...findTests(full))
    else if (name.endsWith('.test.ts')) found.push(full)
  }
  return found
}

const filter = process.argv.slice(2)
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

let files = findTests('test').sort()
if (filter.length > 0) files = files.filter((f) => filter.some((pattern) => f.includes(pattern)))
// Every test is bounded: a test that waits for an event that never comes fails after 10 minutes (the slowest, on a busy
// machine, take about 3), instead of holding CI until its own limit; --test-force-exit ends a file whose tests are done
// even when a failed test leaked a handle (a timer, an open client).
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', '--test-force-exit', ...files],
  { stdio: 'inherit', env: { ...process.env, LIFEBOAT_TEST: '1' } },
)
process.exit(run.status ?? 1)
