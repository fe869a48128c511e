// An encrypted store through the built CLI, against a real PDS (docs/backup-store.md §9, docs/cli.md "Encrypted
// stores"): no stored file holds a post's text, a blob's sha256 or CID, the DID or the handle; a flipped bit in any
// object or manifest is exit 12 from verify-store; a restore gives the same records as one from a plain store; a wrong
// or missing passphrase is exit 4 in one line, and --encrypt refuses a plain store. The same for a store in S3 (s3rver).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNetworkNoAppView, TestPds } from '@atproto/dev-env'
import { CID } from 'multiformats/cid'
import { seedSampleWorld, createAccount, type SampleWorld } from '../../src/demo/sample-account.js'
import { runCli, type CliRun } from '../_util/cli.js'
import { startS3rver } from '../_util/s3rver.js'
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'

const PASSPHRASE = 'a long passphrase for the test store'

let network: TestNetworkNoAppView
let world: SampleWorld
let dir: string

before(async () => {
  network = await TestNetworkNoAppView.create({})
  world = await seedSampleWorld(network.pds.url)
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-encrypted-'))
})

after(async () => {
  await network?.close()
})

async function storeFiles(store: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(store, { withFileTypes: true, recursive: true })) if (entry.isFile()) out.push(join(entry.parentPath, entry.name))
  return out.sort()
}

function errorLines(run: CliRun): string[] {
  return run.stderr.split('\n').filter((line) => line.startsWith('error:'))
}

async function postTexts(): Promise<string[]> {
  const { data } = await world.alice.agent.com.atproto.repo.listRecords({ repo: world.alice.did, collection: 'app.bsky.feed.post', limit: 100 })
  return data.records.map((r) => (r.value as { text: string }).text)
}

async function blobCids(): Promise<string[]> {
  const { data } = await world.alice.agent.com.atproto.sync.listBlobs({ did: world.alice.did })
  return data.cids
}

async function records(agent: SampleWorld['alice']['agent'], did: string): Promise<string[]> {
  const out: string[] = []
  for (const collection of ['app.bsky.feed.post', 'app.bsky.feed.like', 'app.bsky.graph.follow', 'app.bsky.actor.profile']) {
    const { data } = await agent.com.atproto.repo.listRecords({ repo: did, collection, limit: 100 })
    out.push(...data.records.map((r) => `${collection}/${r.uri.split('/').pop()} ${r.cid}`))
  }
  return out.sort()
}

/** What must not appear anywhere in an encrypted store, in any encoding a reader could search for. */
async function secretsOfAlice(): Promise<[string, Buffer][]> {
  const texts = await postTexts()
  const cids = await blobCids()
  assert.ok(texts.length >= 5 && cids.length >= 3)
  const needles: [string, Buffer][] = []
  for (const text of texts) needles.push([`post text ${JSON.stringify(text)}`, Buffer.from(text)])
  for (const cid of cids) {
    const sha = Buffer.from(CID.parse(cid).multihash.digest)
    needles.push([`blob CID ${cid}`, Buffer.from(cid)], [`blob sha256 ${sha.toString('hex')}`, Buffer.from(sha.toString('hex'))], [`raw sha256 of ${cid}`, sha])
  }
  needles.push(['the DID', Buffer.from(world.alice.did)], ['the handle', Buffer.from(world.alice.handle)], ['the passphrase', Buffer.from(PASSPHRASE)])
  return needles
}

function assertNoSecrets(files: { name: string; bytes: Buffer }[], needles: [string, Buffer][]): void {
  for (const file of files) {
    for (const [label, needle] of needles) {
      assert.ok(!file.bytes.includes(needle), `${file.name} contains ${label}`)
      assert.ok(!file.name.includes(needle.toString('latin1')), `the name ${file.name} contains ${label}`)
    }
  }
}

test('an encrypted store: only ciphertext and keyed names on disk, damage caught, same restore as a plain store, passphrase checks', async () => {
  const plain = join(dir, 'plain')
  const encrypted = join(dir, 'encrypted')
  const env = { PW: world.alice.password, LIFEBOAT_STORE_PASSPHRASE: PASSPHRASE }
  const backup = (store: string, extra: string[] = [], runEnv: NodeJS.ProcessEnv = env) =>
    runCli(['backup', 'atproto', world.alice.did, '--server', network.pds.url, '--store', store, '--password-env', 'PW', ...extra], { env: runEnv })

  const plainRun = await backup(plain)
  assert.equal(plainRun.code, 0, plainRun.stderr)
  const encRun = await backup(encrypted, ['--encrypt'])
  assert.equal(encRun.code, 0, encRun.stderr)
  assert.ok(!encRun.stderr.includes(PASSPHRASE) && !encRun.stdout.includes(PASSPHRASE))

  const config = JSON.parse(await readFile(join(encrypted, 'config.json'), 'utf8'))
  assert.equal(config.version, 2)
  assert.equal(config.encryption.kdf.name, 'scrypt')
  assert.equal(JSON.parse(await readFile(join(plain, 'config.json'), 'utf8')).version, 1, 'plain stores stay version 1')

  // What must not appear anywhere in the encrypted store, in any encoding a reader could search for.
  const needles = await secretsOfAlice()
  const cids = await blobCids()
  // The same search finds them in the plain store, so the check below can fail (the handle is not always recorded).
  const plainBytes = Buffer.concat(await Promise.all((await storeFiles(plain)).map((f) => readFile(f))))
  for (const [label, needle] of needles.filter(([label]) => !/passphrase|handle/.test(label))) assert.ok(plainBytes.includes(needle), `the plain store holds ${label}`)

  const files = await storeFiles(encrypted)
  const objects = files.filter((f) => f.includes('/objects/'))
  const manifests = files.filter((f) => f.includes('/snapshots/'))
  assert.ok(objects.length >= cids.length + 1 && manifests.length === 1)
  assertNoSecrets(await Promise.all(files.map(async (file) => ({ name: file.slice(encrypted.length), bytes: await readFile(file) }))), needles)

  const verify = await runCli(['verify-store', '--store', encrypted], { env })
  assert.equal(verify.code, 0, verify.stderr)
  const listed = await runCli(['--json', 'snapshots', '--store', encrypted], { env })
  assert.equal(listed.code, 0, listed.stderr)
  assert.ok(listed.stdout.includes(world.alice.did), 'snapshots shows what the manifest holds once unlocked')

  // Passphrase: wrong and missing are exit 4 in one line; --store-passphrase-env names another variable.
  const wrong = await runCli(['snapshots', '--store', encrypted], { env: { LIFEBOAT_STORE_PASSPHRASE: 'not it' } })
  assert.equal(wrong.code, 4, wrong.stderr)
  assert.deepEqual(errorLines(wrong), [`error: The passphrase does not unlock ${encrypted}.`])
  assert.ok(!wrong.stderr.includes('not it'))
  const missing = await runCli(['verify-store', '--store', encrypted], { env: {} })
  assert.equal(missing.code, 4, missing.stderr)
  assert.equal(errorLines(missing).length, 1)
  const named = await runCli(['snapshots', '--store', encrypted, '--store-passphrase-env', 'MY_STORE_KEY'], { env: { MY_STORE_KEY: PASSPHRASE } })
  assert.equal(named.code, 0, named.stderr)
  const wrongBackup = await backup(encrypted, [], { ...env, LIFEBOAT_STORE_PASSPHRASE: 'not it' })
  assert.equal(wrongBackup.code, 4, wrongBackup.stderr)
  // A plain store given --encrypt is refused before anything is written; without it a plain store needs no passphrase.
  const refused = await backup(plain, ['--encrypt'])
  assert.equal(refused.code, 2, refused.stderr)
  assert.equal(errorLines(refused).length, 1)
  assert.equal((await runCli(['verify-store', '--store', plain], { env: {} })).code, 0)

  // A second, unchanged backup, then forget + prune, keep the encrypted store sound.
  assert.equal((await backup(encrypted)).code, 0)
  const forget = await runCli(['forget', '--store', encrypted, '--keep-last', '1', '--prune'], { env })
  assert.equal(forget.code, 0, forget.stderr)
  assert.equal((await runCli(['verify-store', '--store', encrypted], { env })).code, 0)

  // A flipped bit in any object or manifest: verify-store exits 12.
  for (const file of (await storeFiles(encrypted)).filter((f) => f.includes('/objects/') || f.includes('/snapshots/'))) {
    const original = await readFile(file)
    const bad = Buffer.from(original)
    bad[Math.floor(bad.length / 2)]! ^= 0x10
    await writeFile(file, bad)
    const damaged = await runCli(['verify-store', '--store', encrypted], { env })
    await writeFile(file, original)
    assert.equal(damaged.code, 12, `a flipped bit in ${file.slice(encrypted.length)} was not caught:\n${damaged.stderr}`)
    assert.match(damaged.stderr, /^problem: /m)
  }
  assert.equal((await runCli(['verify-store', '--store', encrypted], { env })).code, 0)

  // Restore from each store onto a fresh account of a second PDS: the same records arrive.
  const pds2 = await TestPds.create({ didPlcUrl: network.plc.url })
  try {
    const results: string[][] = []
    for (const [name, store] of [['from-plain', plain], ['from-enc', encrypted]] as const) {
      const target = await createAccount(pds2.url, name)
      const restored = await runCli(['restore', '--store', store, '--snapshot', 'latest', '--to-server', pds2.url, '--did', target.did, '--password-env', 'TPW'], { env: { TPW: target.password, LIFEBOAT_STORE_PASSPHRASE: PASSPHRASE } })
      assert.equal(restored.code, 0, restored.stderr)
      results.push(await records(target.agent, target.did))
    }
    assert.ok(results[0]!.length > 5)
    assert.deepEqual(results[1], results[0])
    assert.deepEqual(results[0], await records(world.alice.agent, world.alice.did))
  } finally {
    await pds2.close()
  }
})

test('an encrypted store in S3 (s3rver): nothing in the bucket in the clear, verify-store sound, a flipped bit is exit 12', async () => {
  const server = await startS3rver()
  try {
    const location = `s3://${server.bucket}/encrypted`
    const env = { ...server.env, LIFEBOAT_TEST: '1', PW: world.alice.password, LIFEBOAT_STORE_PASSPHRASE: PASSPHRASE }
    const run = await runCli(['backup', 'atproto', world.alice.did, '--server', network.pds.url, '--store', location, '--password-env', 'PW', '--encrypt'], { env })
    assert.equal(run.code, 0, run.stderr)
    // Every file s3rver keeps for the bucket: object bodies, and its metadata files with the keys.
    const files = await storeFiles(server.dir)
    const objects = files.filter((f) => f.includes('/encrypted/objects/'))
    assert.ok(objects.length >= (await blobCids()).length, `the objects are in the bucket: ${files.join(', ')}`)
    assertNoSecrets(await Promise.all(files.map(async (file) => ({ name: file.slice(server.dir.length), bytes: await readFile(file) }))), await secretsOfAlice())
    assert.equal((await runCli(['verify-store', '--store', location], { env })).code, 0)

    // Overwrite one object with a flipped bit through S3 itself, as someone holding the bucket could.
    const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! } })
    const listed = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'encrypted/objects/' }))
    const key = listed.Contents![0]!.Key!
    const body = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }))).Body!.transformToByteArray())
    body[body.length - 1]! ^= 1
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: body }))
    client.destroy()
    const damaged = await runCli(['verify-store', '--store', location], { env })
    assert.equal(damaged.code, 12, damaged.stderr)
    const wrong = await runCli(['snapshots', '--store', location], { env: { ...env, LIFEBOAT_STORE_PASSPHRASE: 'not it' } })
    assert.equal(wrong.code, 4, wrong.stderr)
  } finally {
    await server.stop()
  }
})
