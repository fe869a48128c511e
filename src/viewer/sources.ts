// What `lifeboat view` reads: a Lifeboat archive (.zip, through ArchiveReader and its safety rules) or an unzipped
// archive folder. Both give a ViewSource plus the media bytes. Nothing read here is ever run: it becomes data.
import { createReadStream } from 'node:fs'
import { lstat, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { ArchiveReader } from '../archive/reader.js'
import { ARCHIVE_FORMAT, MANIFEST_NAME, PROFILE_NAME, SUPPORTED_VERSIONS, kindMember, mediaMember, memberNameProblem, type RecordKind } from '../archive/format.js'
import type { Manifest, ProfileRecord } from '../archive/records.js'
import { BadArchiveError, NotFoundError } from '../errors.js'
import type { ViewSource } from './project.js'
import { jsonlRecords } from './jsonl-records.js'

export interface SiteSource extends ViewSource {
  label: string
  /** The media file's bytes, or null when the archive does not hold it. */
  openMedia(sha256: string): Promise<Readable | null>
  close(): void
}

/** Media URL inside a `lifeboat view` site: the sha256 and an extension chosen from the MIME type. */
export type MediaUrl = (sha256: string, mime: string | undefined) => string

export async function openSource(path: string, mediaUrl: MediaUrl): Promise<SiteSource> {
  const info = await lstat(path).catch(() => null)
  if (!info) throw new NotFoundError(`${path} does not exist.`, { hint: 'Give the path of a Lifeboat archive (.zip) or of an unzipped archive folder.' })
  return info.isDirectory() ? openFolder(path, mediaUrl) : openZip(path, mediaUrl)
}

async function openZip(path: string, mediaUrl: MediaUrl): Promise<SiteSource> {
  const reader = await ArchiveReader.open(path)
  return {
    label: path,
    source: reader.manifest.source,
    async *records(kind) {
      yield* reader.records(kind as RecordKind)
    },
    async profile() {
      return reader.has(PROFILE_NAME) ? reader.readJson<ProfileRecord>(PROFILE_NAME) : null
    },
    mediaUrl: (sha256, mime) => (reader.has(mediaMember(sha256)) ? mediaUrl(sha256, mime) : null),
    async openMedia(sha256) {
      return reader.has(mediaMember(sha256)) ? reader.openMember(mediaMember(sha256)) : null
    },
    close: () => reader.close(),
  }
}

/** A regular file inside `root` named by a safe member name; symbolic links and anything else are refused. */
async function memberFile(root: string, member: string): Promise<string | null> {
  if (memberNameProblem(member)) return null
  const path = join(root, ...member.split('/'))
  const info = await lstat(path).catch(() => null)
  return info?.isFile() ? path : null
}

async function openFolder(root: string, mediaUrl: MediaUrl): Promise<SiteSource> {
  const manifestPath = await memberFile(root, MANIFEST_NAME)
  if (!manifestPath) throw new BadArchiveError(`${root} has no ${MANIFEST_NAME}: it is not an unzipped Lifeboat archive.`, { hint: 'Give the folder an archive was unzipped into, or the .zip itself.' })
  let manifest: Manifest
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest
  } catch (error) {
    throw new BadArchiveError(`${manifestPath} is not valid JSON.`, { cause: error })
  }
  if (manifest?.format !== ARCHIVE_FORMAT || !SUPPORTED_VERSIONS.includes(manifest.version) || typeof manifest.source !== 'object') {
    throw new BadArchiveError(`${root} is not a Lifeboat archive this version reads.`, { hint: 'Use a newer Lifeboat, or give it a Lifeboat archive.' })
  }
  const present = new Set<string>()
  for (const name of Object.keys(manifest.members ?? {})) if (name.startsWith('media/') && (await memberFile(root, name))) present.add(name)
  return {
    label: root,
    source: manifest.source,
    async *records(kind) {
      const file = await memberFile(root, kindMember(kind as RecordKind))
      if (file) yield* jsonlRecords(file)
    },
    async profile() {
      const file = await memberFile(root, PROFILE_NAME)
      return file ? (JSON.parse(await readFile(file, 'utf8')) as ProfileRecord) : null
    },
    mediaUrl: (sha256, mime) => (present.has(mediaMember(sha256)) ? mediaUrl(sha256, mime) : null),
    async openMedia(sha256) {
      const file = present.has(mediaMember(sha256)) ? await memberFile(root, mediaMember(sha256)) : null
      return file ? createReadStream(file) : null
    },
    close: () => undefined,
  }
}
