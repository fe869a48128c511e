// `lifeboat restore [atproto] (--store DIR --snapshot ID|latest | --archive FILE) --to-pds URL --did DID`: puts an AT Protocol
// account's repo, blobs and preferences back onto a PDS account (docs/adapters/atproto.md "Restore").
import { Option, type Command } from 'commander'
import { renameOption } from '../cli/vocabulary.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createWriteStream } from 'node:fs'
import { CID } from 'multiformats/cid'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { adapterContext } from '../run-context.js'
import { readSecret } from '../cli/secrets.js'
import { PdsSession } from '../adapters/atproto/session.js'
import { AtprotoClient, type Preferences } from '../adapters/atproto/client.js'
import { restoreAccount, type RestoreInput, type RestoreResult } from '../adapters/atproto/restore.js'
import type { BlobSource, MissingBlob } from '../adapters/atproto/blob-copy.js'
import { CarBlockStore } from '../adapters/atproto/car-file.js'
import { cidSha256Hex } from '../files/cid.js'
import { writeRepoCar } from '../adapters/atproto/car-writer.js'
import { parseActor } from '../adapters/atproto/identity.js'
import { ATPROTO_SNAPSHOT_KIND, type AtprotoSnapshotData } from '../adapters/atproto/backup.js'
import { openStore, type BackupStore } from '../store/store.js'
import type { Snapshot } from '../store/format.js'
import { ArchiveReader } from '../archive/reader.js'
import { mediaMember, nativeMember } from '../archive/format.js'
import type { MediaRecord } from '../archive/records.js'
import { BadArchiveError, PartialFailureError, UnsupportedError, UsageError, throwIfAborted } from '../errors.js'
import { assertSecureUrl } from '../net/secure-url.js'
import { STORE_PASSPHRASE_HELP, storeEncryption, type StorePassphraseOptions } from './store-option.js'

export interface RestoreOptions extends StorePassphraseOptions {
  store?: string
  snapshot?: string
  archive?: string
  toPds: string
  did: string
  passwordEnv?: string
}

type Input = Omit<RestoreInput, 'work'> & { label: string; close?: () => void }

async function fromSnapshot(store: BackupStore, options: RestoreOptions, work: string, signal: AbortSignal): Promise<Input> {
  const snapshot = (await store.readSnapshot(options.snapshot ?? 'latest', { kind: ATPROTO_SNAPSHOT_KIND })) as Snapshot<AtprotoSnapshotData>
  const carPath = join(work, 'repo.car')
  const writeCar = async (paths: string[]) => {
    const blocks = new CarBlockStore()
    try {
      for (const path of paths) {
        signal.throwIfAborted()
        await blocks.addFile(path)
      }
      signal.throwIfAborted()
      await writeRepoCar(blocks, CID.parse(snapshot.data.commit), carPath)
    } finally {
      await blocks.close()
    }
  }
  await store.withLocalObjects(snapshot.data.packs, writeCar, signal)
  const mimes = new Map(snapshot.data.blobs.map((b) => [b.cid, b.mime]))
  const blobs: BlobSource = {
    name: `snapshot ${snapshot.id}`,
    async open(cid, scratch) {
      const sha = cidSha256Hex(cid)
      if (!sha || !mimes.has(cid) || !(await store.hasObject(sha))) return null
      // The object's own file in a plain local store; otherwise a verified copy at `scratch`, inside `work`.
      return { path: (await store.localCopy(sha, scratch)).path, mime: mimes.get(cid) ?? 'application/octet-stream' }
    },
  }
  const preferences = snapshot.data.preferences ? (JSON.parse((await store.readObject(snapshot.data.preferences)).toString('utf8')) as Preferences) : null
  return { carPath, blobs, preferences, label: `snapshot ${snapshot.id} of ${snapshot.subject.handle ?? snapshot.subject.id}` }
}

async function extract(reader: ArchiveReader, member: string, path: string, signal?: AbortSignal): Promise<void> {
  await pipeline(await reader.openMember(member), createWriteStream(path, { mode: 0o600 }), { signal })
}

async function fromArchive(options: RestoreOptions, work: string, signal: AbortSignal): Promise<Input> {
  const reader = await ArchiveReader.open(options.archive!)
  try {
    return await readArchive(reader, options, work, signal)
  } catch (error) {
    reader.close()
    throw error
  }
}

async function readArchive(reader: ArchiveReader, options: RestoreOptions, work: string, signal: AbortSignal): Promise<Input> {
  if (reader.manifest.source.network !== 'atproto' || !reader.has(nativeMember('atproto', 'repo.car'))) {
    throw new UnsupportedError(`${options.archive} is not an AT Protocol archive with a repo CAR.`, { hint: 'Restore takes archives written by `lifeboat export atproto`.' })
  }
  const carPath = join(work, 'repo.car')
  await extract(reader, nativeMember('atproto', 'repo.car'), carPath, signal)
  const media = new Map<string, MediaRecord>()
  for await (const record of reader.records('media')) {
    signal.throwIfAborted()
    if (record.source.cid) media.set(record.source.cid, record)
  }
  const blobs: BlobSource = {
    name: `archive ${options.archive}`,
    async open(cid, scratch) {
      const record = media.get(cid)
      if (!record || !reader.has(mediaMember(record.sha256))) return null
      await extract(reader, mediaMember(record.sha256), scratch)
      return { path: scratch, mime: record.mime ?? 'application/octet-stream' }
    },
  }
  const preferences = reader.has(nativeMember('atproto', 'preferences.json')) ? await reader.readJson<Preferences>(nativeMember('atproto', 'preferences.json')) : null
  return { carPath, blobs, preferences, label: `archive ${options.archive}`, close: () => reader.close() }
}

/** The exit for blobs the PDS still lacks: 12 when the backup's own bytes are damaged, else 3; each blob is named. */
export function missingBlobsError(missing: MissingBlob[]): BadArchiveError | PartialFailureError {
  const lines = missing.map((b) => `blob ${b.cid} (used by ${b.recordUri}): ${b.reason}`)
  const count = `${missing.length} blob${missing.length === 1 ? ' is' : 's are'} still missing on the PDS`
  const corrupt = missing.filter((b) => b.kind === 'corrupt')
  if (corrupt.length > 0) {
    return new BadArchiveError(`${count}; ${corrupt.length === 1 ? 'its bytes in the backup are' : `${corrupt.length} have bytes in the backup that are`} damaged: ${corrupt.map((b) => b.cid).join(', ')}.`, {
      hint: 'Nothing damaged was uploaded. Restore from another snapshot or archive that holds those blobs intact (`lifeboat verify-store` names the damaged objects), then run again.',
      problems: lines,
      details: { missingBlobs: missing },
    })
  }
  return new PartialFailureError(`${count}: ${missing.slice(0, 5).map((b) => b.cid).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`, {
    hint: missing.some((b) => b.kind === 'absent')
      ? 'The records that use them will show no media; restore from an older snapshot if it has them.'
      : 'Run the restore again to retry the missing blobs.',
    details: { missingBlobs: missing },
  })
}

export async function run(options: RestoreOptions, cli: CliContext): Promise<RestoreResult> {
  if (Boolean(options.store) === Boolean(options.archive)) {
    throw new UsageError('Restore from either --store DIR (with --snapshot ID|latest) or --archive FILE.', { hint: 'lifeboat restore --store /backups --snapshot latest --to-pds https://pds.example.com --did did:plc:…' })
  }
  const target = parseActor(options.did)
  const pds = assertSecureUrl(options.toPds, '--to-pds').origin
  // Before logging in: a missing store is exit 10, a damaged or absent snapshot exit 12 or 10.
  const store = options.store ? await openStore(options.store, storeEncryption(options, cli)) : null
  try {
    if (store) await store.readSnapshot(options.snapshot ?? 'latest', { kind: ATPROTO_SNAPSHOT_KIND })
    return await restoreInto(options, store, cli, target, pds)
  } finally {
    await store?.close()
  }
}

async function restoreInto(options: RestoreOptions, store: BackupStore | null, cli: CliContext, target: ReturnType<typeof parseActor>, pds: string): Promise<RestoreResult> {
  const password = await readSecret({ label: `password of the account on ${new URL(pds).host}`, envName: options.passwordEnv ?? 'LIFEBOAT_ATPROTO_PASSWORD', explicit: Boolean(options.passwordEnv), env: cli.env, required: true })
  const context = adapterContext(cli)
  const identifier = 'did' in target ? target.did : target.handle
  // Working files (a whole repo CAR, blobs) go beside a local store or the archive, never to /tmp: /tmp is often RAM
  // on small servers, and these files hold the account's data (a remote store's staging directory is private, 0700).
  // mkdtemp creates the directory owner-only (0700).
  const work = await mkdtemp(store ? join(await store.backend.stagingDir(), 'restore-') : `${options.archive}.restore-`)
  let input: Input | undefined
  try {
    // The login and the reading of the backup (the repo CAR written out, the blob index) run side by side: neither
    // needs the other, and the import needs both. A refused login stops the reading and is the error reported, as
    // when the login came first; both settle before anything is thrown, so the working directory is removed last.
    const reading = new AbortController()
    const [login, read] = await Promise.allSettled([
      PdsSession.open(context, pds, identifier, password, 'did' in target ? target.did : undefined).catch((error: unknown) => {
        reading.abort(error)
        throw error
      }),
      store ? fromSnapshot(store, options, work, AbortSignal.any([reading.signal, context.signal])) : fromArchive(options, work, AbortSignal.any([reading.signal, context.signal])),
    ])
    if (read.status === 'fulfilled') input = read.value
    if (login.status === 'rejected') throw login.reason
    throwIfAborted(context.signal)
    if (read.status === 'rejected') throw read.reason
    const session = login.value
    const client = new AtprotoClient(context, pds, session)
    cli.out.info(`Restoring ${read.value.label} into ${session.did} on ${client.host}.`)
    const result = await restoreAccount(context, client, { ...read.value, work })
    const s = result.status
    for (const blob of result.missing) cli.out.event('item-failed', { kind: 'blob', item: blob.cid, reason: blob.reason })
    cli.out.result(
      { ok: result.missing.length === 0, did: session.did, pds, status: s, uploadedBlobs: result.uploadedBlobs, missing: result.missing },
      `Restored: ${s.indexedRecords} records, ${s.expectedBlobs - result.missing.length}/${s.expectedBlobs} blobs, commit ${s.repoCommit} (account ${s.activated ? 'active' : 'deactivated'}).`,
    )
    if (result.missing.length > 0) throw missingBlobsError(result.missing)
    return result
  } finally {
    input?.close?.()
    await rm(work, { recursive: true, force: true })
  }
}

/** `restore atproto`, also the default: `lifeboat restore --store … --to-pds …` runs it without naming it. */
export function registerSubcommand(restore: Command, cli: CliContext): void {
  withExamples(
    restore
      .command('atproto', { isDefault: true })
      .description('restore an AT Protocol account (repo, blobs, preferences) onto a PDS from a snapshot or an archive')
      .addOption(new Option('--store <dir>', 'backup store to restore from (a directory, or s3://bucket/prefix)').env('LIFEBOAT_STORE'))
      .option('--store-passphrase-env <name>', STORE_PASSPHRASE_HELP)
      .option('--snapshot <id>', 'snapshot id, id prefix, or "latest" (default latest)')
      .option('--archive <file>', 'a Lifeboat archive of an AT Protocol account')
      .requiredOption('--to-pds <url>', 'the PDS that holds the account to restore into')
      .requiredOption('--did <did-or-handle>', 'the account on that PDS')
      .option('--password-env <NAME>', 'environment variable holding the account password (a full session is needed for importRepo)')
      .action(async (options: RestoreOptions, command: Command) => {
        // LIFEBOAT_STORE names the default store; an explicit --archive wins over it.
        if (options.archive && command.getOptionValueSource('store') === 'env') delete options.store
        await run(options, cli)
      }),
    'LIFEBOAT_ATPROTO_PASSWORD=… lifeboat restore --store /var/backups/pds --snapshot latest --to-server https://pds.example.com --did did:plc:abc',
    'lifeboat restore atproto --archive alice.zip --to-server https://pds.example.com --did alice.example.com --password-env PDS_PASSWORD',
  )
  renameOption(restore.commands.find((c) => c.name() === 'atproto')!, '--to-pds', '--to-server <url>', 'the PDS that holds the account to restore into (required)')
}
