// bin/lifeboat.js must start under any `env`: Linux passes everything after the interpreter on a `#!` line as one
// argument, and BusyBox `env` (Alpine) cannot split `-S node --flag`, so the line names node and nothing else. The
// heap settings it used to carry are set at run time (src/cli/heap.ts), which also covers `node bin/lifeboat.js`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'

test('bin/lifeboat.js starts with a shebang any env understands, and sets the heap flags before main loads', async () => {
  const source = await readFile(new URL('../../bin/lifeboat.js', import.meta.url), 'utf8')
  assert.equal(source.split('\n')[0], '#!/usr/bin/env node')
  const tune = source.indexOf('tuneHeap()')
  const main = source.indexOf("import('../dist/cli/main.js')")
  assert.ok(tune > 0 && main > tune, 'tuneHeap() runs before main.js is imported')
  assert.ok(!/^import .*main\.js/m.test(source), 'main.js is not a static import (static imports run before the body)')
})
