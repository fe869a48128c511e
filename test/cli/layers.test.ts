// Layers point one way (issue 12, docs/architecture.md "Layers"): the command line (src/cli/, src/commands/, and
// src/schedule/, which parses command lines) sits on top; nothing beneath it imports it, type imports included, so an
// adapter, a backup or the replay driver can run under any caller that gives it a RunContext (src/run-context.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const TOP = ['src/cli/', 'src/commands/', 'src/schedule/']

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** Every relative module a file imports or re-exports, statically or dynamically, as a path from the project root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.[^'"]+)['"]/gm)].map((m) => m[1]!)
  return specifiers.map((s) => relative('.', resolve(dirname(file), s)))
}

test('nothing beneath the command line imports src/cli/, src/commands/ or src/schedule/', () => {
  const files = sources('src').filter((f) => !TOP.some((top) => f.startsWith(top)))
  assert.ok(files.length > 100, 'the scan saw the source tree')
  const wrong = files.flatMap((file) => importsOf(file).filter((target) => TOP.some((top) => target.startsWith(top))).map((target) => `${file} imports ${target}`))
  assert.deepEqual(wrong, [])
})

test('the layer scan finds an upward import when there is one', () => {
  // The scan itself: the CLI's entry point imports the program, so a scan of src/cli/main.ts must see src/cli/.
  assert.ok(importsOf('src/cli/main.ts').some((target) => target.startsWith('src/cli/')))
})
