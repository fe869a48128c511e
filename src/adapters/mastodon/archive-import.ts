// Turns Mastodon's own account archive (and optionally its CSV exports) into a Lifeboat archive, for people whose
// server is gone: outbox `Create`/`Announce` items → posts (polls, CWs, mentions, languages), their attachments →
// media (matched by the path from `media_attachments/` on), actor.json → profile with avatar and header,
// likes.json → likes, bookmarks.json (+ bookmarks.csv) → bookmarks, and the CSVs → following (with settings), lists,
// blocks, mutes and domain blocks. The archive holds no followers, edit history, or media of boosted posts; a
// `key.pem` (2.3–2.4 archives hold the account's private key) is never copied.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { ItemFailure } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import { nativeMember } from '../../archive/format.js'
import { writeCompatFiles, type CompatKind } from '../../archive/compat-files.js'
import type { AccountRef, MediaRecord, MediaRef, SubjectRecord } from '../../archive/records.js'
import { BadArchiveError, throwIfAborted, UsageError } from '../../errors.js'
import type { Output } from '../../output.js'
import type { Actor } from './api.js'
import { emptyCsvRecords, readCsvFile, type CsvKind } from './csv-import.js'
import type { ExportArchive } from './export-archive.js'
import { arrayItems } from './json-items.js'
import { fileName, mimeFromName } from './media.js'
import { actorAccount, archiveActor, mapActorProfile, mapOutboxItem, mediaSuffix, type ArchiveActor } from './outbox-map.js'

const MAX_ACTOR_BYTES = 16 * 1024 * 1024
/** Mastodon's importer refuses larger CSVs (`app/models/form/import.rb`). */
const MAX_CSV_BYTES = 20 * 1024 * 1024

/** The member called `file` at the archive's top, or inside one top-level folder when the archive was repacked. */
export function findMember(names: readonly string[], file: string): string | undefined {
  if (names.includes(file)) return file
  return names.filter((n) => n.endsWith(`/${file}`) && n.split('/').length === 2).sort()[0]
}

async function readCapped(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    if (size > limit) {
      stream.destroy()
      throw new BadArchiveError(`${what} is larger than ${limit} bytes.`)
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

export interface ArchiveIdentity {
  actor: Actor
  bytes: Buffer
  who: ArchiveActor
  account: AccountRef
  server: string
}

/** Reads actor.json: who the archive belongs to, which the output's manifest names before anything is written. */
export async function readIdentity(archive: ExportArchive): Promise<ArchiveIdentity> {
  const member = findMember(archive.names, 'actor.json')
  if (!member || !findMember(archive.names, 'outbox.json')) {
    throw new BadArchiveError('This is not a Mastodon account archive: it has no actor.json and outbox.json.', { hint: 'Give the archive from "Request your archive" on the Import and export page.' })
  }
  const bytes = await readCapped(await archive.open(member), MAX_ACTOR_BYTES, member)
  let actor: Actor
  try {
    actor = JSON.parse(bytes.toString('utf8')) as Actor
    new URL(actor.id)
  } catch (cause) {
    throw new BadArchiveError(`${member} is not an ActivityPub actor.`, { cause, hint: 'The archive is damaged; request a new one.' })
  }
  const who = archiveActor(actor)
  return { actor, bytes, who, account: actorAccount(actor, who.domain), server: new URL(actor.id).origin }
}

export interface ImportJob {
  archive: ExportArchive
  identity: ArchiveIdentity
  writer: ArchiveWriter
  csvFiles: string[]
  out: Output
  signal: AbortSignal
}

export async function importMastodonArchive(job: ImportJob): Promise<{ failures: ItemFailure[] }> {
  const { archive, identity, writer, out, signal } = job
  const failures: ItemFailure[] = []
  const root = findMember(archive.names, 'outbox.json')!.slice(0, -'outbox.json'.length)
  for (const refused of archive.refused) writer.note(`archive member left out: ${refused}`)
  if (archive.names.some((n) => n === `${root}key.pem`)) writer.note('the archive holds key.pem (the account\'s private key, Mastodon 2.3–2.4): it was not copied')
  const mediaByPath = new Map<string, string>()
  for (const name of archive.names) {
    const suffix = mediaSuffix(name)
    if (suffix && !mediaByPath.has(suffix)) mediaByPath.set(suffix, name)
  }
  const used = new Set<string>()
  const stage = async (name: string, meta: Omit<MediaRecord, 'sha256' | 'size'> & { native?: unknown }): Promise<MediaRecord | null> => {
    try {
      return await writer.addMedia(await archive.open(name), { key: `archive:${name}`, meta: meta as MediaRecord })
    } catch (error) {
      if (signal.aborted) throw error
      failures.push({ kind: 'media', item: name, reason: (error as Error).message })
      return null
    } finally {
      used.add(name)
    }
  }

  // Profile first, so that avatar and header lead media.jsonl.
  const image = async (ref: { url?: string; mediaType?: string } | null | undefined): Promise<MediaRef | null> => {
    const name = ref?.url && !/^https?:/.test(ref.url) ? `${root}${ref.url.replace(/^\/+/, '')}` : undefined
    if (!name || !archive.names.includes(name)) return null
    const record = await stage(name, { mime: ref?.mediaType ?? mimeFromName(name), name: fileName(name), source: { url: ref?.url ?? null }, attachedTo: [] })
    return record ? { sha256: record.sha256, ...(record.mime ? { mime: record.mime } : {}) } : null
  }
  const avatar = await image(identity.actor.icon)
  const banner = await image(identity.actor.image)
  await writer.setProfile(mapActorProfile(identity.actor, identity.account, { avatar, banner }))
  await writer.addFile(nativeMember('mastodon', 'actor.json'), identity.bytes)

  // Posts, in the outbox's order (oldest first), each with its media.
  writer.declare('posts')
  writer.declare('media')
  const mentions = new Map<string, string>()
  const progress = out.progress('statuses')
  let skipped = 0
  const outboxName = `${root}outbox.json`
  for await (const item of arrayItems<Record<string, unknown>>(await archive.open(outboxName), 'orderedItems', outboxName)) {
    throwIfAborted(signal)
    const mapped = item && typeof item === 'object' ? mapOutboxItem(item, identity.who) : null
    if (!mapped) {
      skipped++
      continue
    }
    for (const [acct, uri] of mapped.mentions) mentions.set(acct, uri)
    const sensitive = Boolean(((item.object as Record<string, unknown> | undefined) ?? {}).sensitive)
    for (const attachment of mapped.attachments) {
      const suffix = mediaSuffix(attachment.url)
      const name = suffix ? mediaByPath.get(suffix) : undefined
      if (!name) {
        writer.note(`media not in the archive: ${attachment.url} (attached to ${mapped.post.id})`)
        continue
      }
      const record = await stage(name, { mime: attachment.mediaType ?? mimeFromName(name), name: fileName(name), alt: attachment.name ?? null, sensitive, source: { url: attachment.url }, attachedTo: [mapped.post.id], native: attachment.native })
      if (record) mapped.post.media!.push({ sha256: record.sha256, ...(record.mime ? { mime: record.mime } : {}), ...(attachment.name ? { alt: attachment.name } : {}) })
    }
    await writer.write('posts', mapped.post)
    progress.tick()
  }
  progress.done()
  if (skipped > 0) writer.note(`${skipped} outbox items were neither posts nor boosts and were left out`)
  // Files under media_attachments/ that no post names (Mastodon writes only attached media, but repacks vary).
  for (const [, name] of mediaByPath) if (!used.has(name)) await stage(name, { mime: mimeFromName(name), name: fileName(name), source: { url: name }, attachedTo: [] })

  const bookmarks = new Set<string>()
  for (const [file, kind] of [['likes.json', 'likes'], ['bookmarks.json', 'bookmarks']] as const) {
    const name = findMember(archive.names, file)
    if (!name) continue
    writer.declare(kind)
    for await (const uri of arrayItems<unknown>(await archive.open(name), 'orderedItems', name)) {
      if (typeof uri !== 'string') continue
      const record: SubjectRecord = { subject: uri, url: null, createdAt: null }
      if (kind === 'bookmarks') {
        // Each status once (bookmarks.csv rows are skipped the same way): compat/bookmarks.csv is made from these records.
        if (bookmarks.has(uri)) continue
        bookmarks.add(uri)
      }
      await writer.write(kind, record)
    }
  }
  await importCsvs(job, mentions, bookmarks)
  writer.note('Mastodon archives hold no followers and no edit history')
  return { failures }
}

async function importCsvs(job: ImportJob, mentions: Map<string, string>, bookmarked: Set<string>): Promise<void> {
  const { writer, identity } = job
  const records = emptyCsvRecords()
  const kinds = new Set<CsvKind>()
  const refOf = (acct: string): AccountRef => {
    const handle = acct.includes('@') ? acct : `${acct}@${identity.who.domain}`
    // An acct whose actor URI the outbox revealed (a mention) is named by it; others by an acct: URI (RFC 7565).
    return { id: mentions.get(handle.toLowerCase()) ?? `acct:${handle}`, handle }
  }
  for (const file of job.csvFiles) {
    const info = await stat(file).catch(() => null)
    if (!info?.isFile()) throw new UsageError(`${file} is not a file.`, { hint: 'Name the CSV files Mastodon exported.' })
    if (info.size > MAX_CSV_BYTES) throw new UsageError(`${file} is larger than ${MAX_CSV_BYTES} bytes, more than Mastodon itself exports.`)
    kinds.add(await readCsvFile(file, createReadStream(file, { encoding: 'utf8' }), refOf, records))
  }
  for (const record of records.following) await writer.write('following', record)
  for (const record of records.blocks) await writer.write('blocks', record)
  for (const record of records.mutes) await writer.write('mutes', record)
  for (const record of records.domainBlocks) await writer.write('domain-blocks', record)
  for (const record of records.lists) await writer.write('lists', record)
  for (const record of records.bookmarks) {
    if (bookmarked.has(record.subject)) continue
    bookmarked.add(record.subject)
    await writer.write('bookmarks', record)
  }
  const declared: [CsvKind, CompatKind][] = [['following', 'following'], ['blocks', 'blocks'], ['mutes', 'mutes'], ['domain-blocks', 'domain-blocks'], ['lists', 'lists'], ['bookmarks', 'bookmarks']]
  for (const [kind, member] of declared) if (kinds.has(kind)) writer.declare(member)
  // The files of each CSV given, from the records just written; compat/bookmarks.csv always (the archive's
  // bookmarks.json is its other source).
  const compat = declared.filter(([kind]) => kinds.has(kind) && kind !== 'bookmarks').map(([, member]) => member)
  await writeCompatFiles(writer, [...compat, 'bookmarks'])
}
