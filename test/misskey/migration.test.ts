// `lifeboat alias add --to misskey` and `lifeboat move --from misskey` (the generic commands with the Misskey
// AccountMigration) between fake instances: aliases are added without dropping existing ones and read back; the
// move is checked first (new account resolves and names the old one; follows recorded; token kind) and refused
// app tokens get the exact instructions for the web-session token (i_move__app-token-access-denied.json).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { run as aliasAdd } from '../../src/commands/alias.js'
import { registerMigrationFactory } from '../../src/adapters/registry.js'
import { run as move } from '../../src/commands/move.js'
import { run as exportMisskey } from '../../src/commands/export-misskey.js'
import { createMigrationFactory } from '../../src/adapters/misskey/index.js'
import { adapterContext } from '../../src/run-context.js'
import { captureCli } from '../_util/cli.js'
import { runCommand } from '../_util/cli.js'
import { FAST_HTTP, startWorld, type World } from './world.js'

const factory = createMigrationFactory({ http: FAST_HTTP })
registerMigrationFactory(factory.flavors, async () => factory)

describe('alias and move', () => {
  let world: World
  let archive: string
  let oldAcct: string
  let newAcct: string

  before(async () => {
    world = await startWorld()
    archive = join(world.dir, 'alice.zip')
    oldAcct = `@alice@${world.old.host}`
    newAcct = `@alice2@${world.fresh.host}`
    world.fresh.seed.profile(world.alice2, { alsoKnownAs: [`@frank@${world.far.host}`] })
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    await exportMisskey({ server: world.old.url, output: archive }, cli, { http: FAST_HTTP })
  })
  after(() => world.close())

  it('refuses the move while the new account does not name the old one', async () => {
    const run = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.alice }, (cli) => move({ from: 'misskey', server: world.old.url, to: newAcct, archive }, cli))
    assert.equal(run.code, 3, run.stderr)
    assert.match(run.stderr, /FAIL new account names the old one as alias: .*lifeboat alias add --to misskey/)
    assert.match(run.stderr, /ok {3}new account resolves/)
    assert.match(run.stderr, /ok {3}follows recorded: 3 follows/)
  })

  it('adds the old account to the aliases, keeping the existing one, and reads it back', async () => {
    const env = { LIFEBOAT_MISSKEY_TOKEN: world.freshToken }
    const first = await runCommand(env, (cli) => aliasAdd(oldAcct, { to: 'misskey', server: world.fresh.url }, cli))
    assert.equal(first.code, 0, first.stderr)
    assert.deepEqual(first.value, { aliases: [`@frank@${world.far.host}`, oldAcct], changed: true })
    assert.deepEqual(world.alice2.alsoKnownAs, [`${world.far.url}/users/${world.frank.id}`, `${world.old.url}/users/${world.alice.id}`])
    const again = await runCommand(env, (cli) => aliasAdd(oldAcct, { to: 'misskey', server: world.fresh.url }, cli))
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.value!.changed, false)
    const unknown = await runCommand(env, (cli) => aliasAdd(`@nobody@${world.old.host}`, { to: 'misskey', server: world.fresh.url }, cli))
    assert.equal(unknown.code, 10, unknown.stderr)
    assert.match(unknown.stderr, /cannot find @nobody@/)
  })

  it('with an access token, the preflight says which token i/move needs and where to get it', async () => {
    const run = await runCommand({ LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp }, (cli) => move({ from: 'misskey', server: world.old.url, to: newAcct, archive }, cli))
    assert.equal(run.code, 3, run.stderr)
    assert.match(run.stderr, /FAIL token accepted by i\/move: this is an access token \(32 characters\)\. i\/move accepts only the web-session token/)
    assert.match(run.stderr, /localStorage\.getItem\('account'\)\)\.token/)
    // and if the move is attempted anyway, the server's refusal is explained the same way (exit 4)
    const { cli } = captureCli({ env: { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.aliceApp } })
    const { migration } = await factory.create({ server: world.old.url, flavor: 'misskey' }, adapterContext(cli), cli.env)
    await assert.rejects(migration.move(newAcct), (error: Error & { exitCode?: number; hint?: string }) => {
      assert.equal(error.exitCode, 4)
      assert.match(error.message, /refused i\/move with this token/)
      assert.match(error.hint!, /16 characters/)
      return true
    })
    assert.equal(world.alice.movedToUri, null)
  })

  it('without --yes only checks and prints the plan; with --yes moves, and the followers follow the new account', async () => {
    const env = { LIFEBOAT_MISSKEY_TOKEN: world.sc.tokens.alice }
    const dry = await runCommand(env, (cli) => move({ from: 'misskey', server: world.old.url, to: newAcct, archive }, cli))
    assert.equal(dry.code, 0, dry.stderr)
    assert.deepEqual(dry.value!.moved, false)
    assert.ok(dry.value!.checks.every((c) => c.ok))
    assert.match(dry.stderr, /Dry run: every check passed/)
    assert.equal(world.alice.movedToUri, null)

    const moved = await runCommand(env, (cli) => move({ from: 'misskey', server: world.old.url, to: newAcct, archive, yes: true }, cli))
    assert.equal(moved.code, 0, moved.stderr)
    assert.equal(moved.value!.moved, true)
    assert.equal(world.alice.movedToUri, `${world.fresh.url}/users/${world.alice2.id}`)
    const followers = [...world.old.instance.state.followings.values()].filter((f) => f.followeeId === world.old.instance.state.findUserByUri(world.alice.movedToUri!)?.id)
    assert.deepEqual(followers.map((f) => world.old.instance.state.users.get(f.followerId)!.username).sort(), ['bob', 'carol'])
    const again = await runCommand(env, (cli) => move({ from: 'misskey', server: world.old.url, to: newAcct, archive }, cli))
    assert.equal(again.code, 3)
    assert.match(again.stderr, /FAIL old account not moved yet/)
  })
})
