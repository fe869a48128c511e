// The package ships exactly what runs: a fresh checkout (no dist/) packs into a tarball that holds the compiled CLI
// and no tests or sources, installs globally into a temporary prefix, and the installed `lifeboat` works from
// anywhere. Dependencies come from npm's cache (--prefer-offline); install scripts are skipped because no command run
// here loads a native module (better-sqlite3 is loaded only by `backup pds-dir`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

test('npm pack ships dist/ and bin/, and the tarball installs globally and runs', { timeout: 900_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-install-'))
  try {
    // A checkout as a clone has it: no dist/, the dependencies installed.
    const checkout = join(dir, 'checkout')
    await cp(root, checkout, { recursive: true, filter: (path) => !/[/\\](node_modules|dist|\.git)$/.test(path) })
    await symlink(join(root, 'node_modules'), join(checkout, 'node_modules'), 'dir')
    const { stdout: packed } = await run(npm, ['pack', '--pack-destination', dir], { cwd: checkout, maxBuffer: 1 << 24 })
    const tarball = join(dir, packed.trim().split('\n').at(-1)!)

    const { stdout: listing } = await run('tar', ['tzf', tarball])
    const files = listing.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''))
    for (const needed of ['package.json', 'README.md', 'bin/lifeboat.js', 'dist/cli/main.js', 'dist/commands/verify.js', 'docs/cli.md']) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`)
    }
    const stray = files.filter((f) => /^(src|test|bench|fixtures|scripts)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts'))
    assert.deepEqual(stray, [], 'no sources, tests, benchmarks or source maps')

    const prefix = join(dir, 'prefix')
    await run(npm, ['install', '--global', '--prefix', prefix, '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: dir, maxBuffer: 1 << 24 })
    const bin = join(prefix, 'bin', 'lifeboat')
    const elsewhere = { cwd: dir, env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: dir } }

    const version = await run(bin, ['--version'], elsewhere)
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/)
    const help = await run(bin, ['--help'], elsewhere)
    assert.match(help.stdout, /Usage: lifeboat/)
    for (const command of ['export', 'backup', 'restore', 'verify', 'inspect']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`))

    const archive = join(dir, 'good.zip')
    await cp(join(root, 'fixtures/archives/good.zip'), archive)
    const verified = await run(bin, ['verify', archive], elsewhere)
    assert.match(verified.stderr, /good\.zip: sound/)
    assert.deepEqual((await readdir(join(prefix, 'lib', 'node_modules'))).sort(), ['lifeboat'])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
