// `lifeboat demo` (`npm run demo`): the whole AT Protocol job on real PDSes started in-process on loopback with
// @atproto/dev-env — seed an account, export it, back it up twice (the second incremental, after a post and a
// deletion), restore onto a second PDS, verify, and compare. No account and no network needed.
import type { Command } from 'commander'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { run as exportAtproto } from './export-atproto.js'
import { runOnce as backupAtproto } from './backup-atproto.js'
import { run as restore } from './restore-atproto.js'
import { verifyArchive } from '../archive/verify.js'
import { openStore } from '../store/store.js'
import { LifeboatError, UnsupportedError } from '../errors.js'

export interface DemoResult {
  dir: string
  archive: string
  store: string
  snapshots: string[]
  sameRecords: boolean
  restoredRecords: number
}

interface DevEnv {
  TestNetworkNoAppView: { create(params: object): Promise<{ pds: { url: string }; plc: { url: string }; close(): Promise<void> }> }
  TestPds: { create(config: object): Promise<{ url: string; close(): Promise<void> }> }
}

async function loadDevEnv(): Promise<DevEnv> {
  try {
    return (await import('@atproto/dev-env')) as unknown as DevEnv
  } catch (error) {
    throw new UnsupportedError('The demo needs @atproto/dev-env, which is installed with the development dependencies.', {
      hint: 'Run `npm install` in the Lifeboat checkout (not `npm install --omit=dev`), then `npm run demo`.',
      cause: error,
    })
  }
}

async function recordCids(pds: string, did: string): Promise<string[]> {
  const { AtpAgent } = await import('@atproto/api')
  const agent = new AtpAgent({ service: pds })
  const described = await agent.com.atproto.repo.describeRepo({ repo: did })
  const out: string[] = []
  for (const collection of described.data.collections) {
    let cursor: string | undefined
    do {
      const page = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100, cursor })
      for (const r of page.data.records) out.push(`${collection}/${r.uri.split('/').pop()} ${r.cid}`)
      cursor = page.data.records.length ? page.data.cursor : undefined
    } while (cursor)
  }
  return out.sort()
}

export async function run(options: { dir?: string }, cli: CliContext): Promise<DemoResult> {
  const { out } = cli
  const dir = options.dir ? resolve(options.dir) : await mkdtemp(join(tmpdir(), 'lifeboat-demo-'))
  const step = (n: number, text: string) => out.info(`\n== ${n}. ${text}`)
  const devEnv = await loadDevEnv()
  const { seedSampleWorld, createAccount } = await import('../demo/sample-account.js')
  step(1, 'Starting a PLC directory and a PDS on 127.0.0.1, and seeding alice.test')
  const network = await devEnv.TestNetworkNoAppView.create({})
  let pds2: { url: string; close(): Promise<void> } | undefined
  try {
    const world = await seedSampleWorld(network.pds.url)
    const alice = world.alice
    out.info(`PDS ${network.pds.url}; alice.test is ${alice.did} with ${world.created.posts.length} posts, ${world.created.images} images, 2 follows, a block and a list.`)
    const env = { ...cli.env, LIFEBOAT_DEMO_PASSWORD: alice.password }
    const demoCli: CliContext = { ...cli, env }

    step(2, 'Exporting alice.test into a portable archive')
    const archive = join(dir, 'alice.zip')
    await exportAtproto(alice.handle, { output: archive, pds: network.pds.url, plc: network.plc.url, passwordEnv: 'LIFEBOAT_DEMO_PASSWORD', force: true }, demoCli)
    const verified = await verifyArchive(archive)
    out.info(`verify: ${verified.ok ? 'sound' : verified.problems.join('; ')} (${verified.checkedMembers} members re-hashed)`)

    step(3, 'First backup into a backup store (full)')
    const store = join(dir, 'store')
    const backupOptions = { store, pds: network.pds.url, passwordEnv: 'LIFEBOAT_DEMO_PASSWORD' }
    const first = await backupAtproto(alice.handle, backupOptions, demoCli)

    step(4, 'alice posts once and deletes a post; the second backup fetches only the difference')
    await alice.agent.post({ text: 'Posted between the two backups', createdAt: new Date().toISOString() })
    await alice.agent.deletePost(world.created.posts[world.created.posts.length - 1]!)
    const second = await backupAtproto(alice.handle, backupOptions, demoCli)
    const third = await backupAtproto(alice.handle, backupOptions, demoCli)
    out.info(`a third run with nothing new: ${third[0]!.status}`)

    step(5, 'Restoring the latest snapshot onto a second, empty PDS')
    pds2 = await devEnv.TestPds.create({ didPlcUrl: network.plc.url })
    const target = await createAccount(pds2.url, 'alice-restored')
    await restore(
      { store, snapshot: 'latest', toPds: pds2.url, did: target.did, passwordEnv: 'LIFEBOAT_DEMO_TARGET_PASSWORD' },
      { ...demoCli, env: { ...env, LIFEBOAT_DEMO_TARGET_PASSWORD: target.password } },
    )
    const [sourceCids, restoredCids] = await Promise.all([recordCids(network.pds.url, alice.did), recordCids(pds2.url, target.did)])
    const sameRecords = JSON.stringify(sourceCids) === JSON.stringify(restoredCids)
    out.info(`records on the new PDS: ${restoredCids.length}; identical CIDs to alice's: ${sameRecords ? 'yes' : 'NO'}`)

    step(6, 'Verifying the store')
    const storeReport = await (await openStore(store)).verify()
    out.info(`store: ${storeReport.ok ? 'sound' : 'PROBLEMS: ' + storeReport.problems.join('; ')}`)

    const snapshots = [first[0]!.snapshot, second[0]!.snapshot, third[0]!.snapshot].filter((s): s is string => Boolean(s))
    out.result(
      { ok: sameRecords && verified.ok && storeReport.ok, dir, archive, store, snapshots, sameRecords, restoredRecords: restoredCids.length },
      [
        '',
        'Done. Everything ran on this machine; the PDSes are gone, the files stay:',
        `  archive   ${archive}   (try: lifeboat inspect ${archive})`,
        `  store     ${store}     (try: lifeboat snapshots --store ${store})`,
        `  read it   lifeboat view ${archive} -o ${join(dir, 'site')}   (then open ${join(dir, 'site', 'index.html')})`,
      ].join('\n'),
    )
    if (!sameRecords || !verified.ok || !storeReport.ok) throw new LifeboatError('The demo finished, but a check failed (see above).')
    return { dir, archive, store, snapshots, sameRecords, restoredRecords: restoredCids.length }
  } finally {
    await pds2?.close()
    await network.close()
  }
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    program
      .command('demo')
      .description('run export, backup, incremental backup and restore against PDSes started on this machine')
      .option('--dir <dir>', 'where to leave the archive and the store (default: a new temporary directory)')
      .action(async (options: { dir?: string }) => {
        await run(options, cli)
      }),
    'lifeboat demo',
    'npm run demo',
  )
}
