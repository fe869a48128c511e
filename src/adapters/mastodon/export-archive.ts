// Opens Mastodon's own account archive, a zip from 4.2.0 on and a tar.gz before (shared fixtures README,
// "Container, by version"), told apart by their first bytes rather than their names. Member names are only ever
// used as keys, never as paths on disk: a tar.gz is unpacked into numbered files inside a private directory, and a
// zip is read in place. Names that could not come from Mastodon (`..` segments, NUL, backslashes), links and
// special files are left out and reported; tar-era absolute names (local storage wrote
// `/home/mastodon/live/public/system/media_attachments/…`) are kept, minus their leading slashes. The tar.gz is read
// as a stream by `tar-stream` (ustar prefixes, which Ruby's `Gem::Package::TarWriter` writes for names over 100
// bytes, and the PAX paths and GNU long names of archives repacked with other tools), never held in memory whole.
import { createReadStream } from 'node:fs'
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { extract as tarExtract } from 'tar-stream'
import { BadArchiveError, throwIfAborted } from '../../errors.js'
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../files/atomic-file.js'
import { S_IFREG, ZipReader, type ZipEntry } from '../../files/zip-reader.js'

export interface ExportArchive {
  kind: 'zip' | 'tar.gz'
  /** Member names in archive order. */
  names: string[]
  /** Names left out, with the reason. */
  refused: string[]
  size(name: string): number
  open(name: string): Promise<Readable>
  close(): Promise<void>
}

/** Why a member name is refused, or null when it is usable as a key. */
export function unusableName(name: string): string | null {
  if (name.includes('\0')) return 'contains NUL'
  if (name.includes('\\')) return 'contains a backslash'
  if (name.split('/').includes('..')) return 'has a .. segment'
  return null
}

export function normalizeName(name: string): string {
  return name.replace(/^(\.?\/)+/, '')
}

async function magic(path: string): Promise<Buffer> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new BadArchiveError(`${path} does not exist.`, { hint: 'Check the path of the Mastodon archive.' })
    throw error
  })
  try {
    const buffer = Buffer.alloc(4)
    await handle.read(buffer, 0, 4, 0)
    return buffer
  } finally {
    await handle.close()
  }
}

export async function openExportArchive(path: string, options: { scratchDir: string; signal?: AbortSignal }): Promise<ExportArchive> {
  const head = await magic(path)
  if (head[0] === 0x50 && head[1] === 0x4b) return openZip(path)
  if (head[0] === 0x1f && head[1] === 0x8b) return openTarGz(path, options)
  throw new BadArchiveError(`${path} is neither a zip nor a tar.gz archive.`, { hint: 'Give the archive file Mastodon produced ("Request your archive"), unchanged.' })
}

async function openZip(path: string): Promise<ExportArchive> {
  let zip: ZipReader
  try {
    zip = await ZipReader.open(path)
  } catch (cause) {
    throw new BadArchiveError(`${path} is not a readable zip archive (${(cause as Error).message}).`, { cause, hint: 'The download may be incomplete; get the archive again.' })
  }
  if (zip.overlaps.length > 0) {
    zip.close()
    throw new BadArchiveError(`${path} is damaged or hostile: ${zip.overlaps[0]}.`, { hint: 'Mastodon never writes overlapping entries; get the archive again.', problems: zip.overlaps })
  }
  const entries = new Map<string, ZipEntry>()
  const refused: string[] = []
  for (const entry of zip.entries) {
    const name = normalizeName(entry.name)
    if (name.endsWith('/')) continue
    const problem = unusableName(name) ?? (entry.type !== 0 && entry.type !== S_IFREG ? 'is a link or special file' : entries.has(name) ? 'is a duplicate' : null)
    if (problem) refused.push(`${name}: ${problem}`)
    else entries.set(name, entry)
  }
  return {
    kind: 'zip',
    names: [...entries.keys()],
    refused,
    size: (name) => entries.get(name)?.size ?? 0,
    open: async (name) => {
      const entry = entries.get(name)
      if (!entry) throw new BadArchiveError(`${path} has no member ${name}.`)
      return zip.openEntry(entry.entry).catch((cause: Error) => {
        throw new BadArchiveError(`${name} in ${path} is damaged.`, { cause })
      })
    },
    close: async () => zip.close(),
  }
}

/** tar-stream's failures (plain Errors) as the one line a user can act on. */
function tarError(path: string, cause: unknown): BadArchiveError {
  const message = (cause as Error).message ?? String(cause)
  const hint = 'The download may be incomplete; get the archive again.'
  if (/^Unexpected end of data/.test(message)) return new BadArchiveError(`${path}: the tar archive ends in the middle of an entry.`, { cause, hint })
  if (/^Invalid tar header/.test(message)) {
    return new BadArchiveError(`${path} is not a tar archive, or it is damaged (a header checksum does not match).`, { cause, hint: 'Give the .tar.gz file Mastodon produced, unchanged.' })
  }
  return new BadArchiveError(`${path} is not a readable tar.gz archive (${message}).`, { cause, hint })
}

/** Unpacks the regular files into `<scratchDir>/<n>` (0600, in a 0700 directory) in one pass. */
async function openTarGz(path: string, options: { scratchDir: string; signal?: AbortSignal }): Promise<ExportArchive> {
  const dir = options.scratchDir
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await ensurePrivateDir(dir)
  const files = new Map<string, { file: string; size: number }>()
  const refused: string[] = []
  const source = createReadStream(path)
  const gunzip = createGunzip()
  // Headers of formats older than ustar (v7) are read too, as before; a bad checksum is still an error.
  // (an option tar-stream's own typings leave out).
  const extract = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0])
  // The reason the tar stream failed: an entry being read sees only that it was destroyed.
  const failure = new Promise<unknown>((resolve) => {
    extract.on('error', resolve)
    extract.on('close', () => resolve(undefined))
  })
  source.on('error', (error) => extract.destroy(error))
  gunzip.on('error', (error) => extract.destroy(error))
  source.pipe(gunzip).pipe(extract)
  try {
    let n = 0
    for await (const entry of extract) {
      throwIfAborted(options.signal)
      const { header } = entry
      const name = normalizeName(header.name)
      if (header.type === 'directory') {
        entry.resume()
        continue
      }
      const problem = unusableName(name) ?? (header.type !== 'file' && header.type !== 'contiguous-file' ? 'is a link or special file' : files.has(name) ? 'is a duplicate' : null)
      if (problem) {
        refused.push(`${name}: ${problem}`)
        entry.resume()
        continue
      }
      const file = join(dir, String(n++))
      const handle = await open(file, 'wx', PRIVATE_FILE_MODE)
      try {
        for await (const chunk of entry) await handle.write(chunk as Buffer)
      } finally {
        await handle.close()
      }
      files.set(name, { file, size: header.size })
    }
  } catch (cause) {
    await rm(dir, { recursive: true, force: true })
    if (cause instanceof BadArchiveError || (cause as { name?: string }).name === 'InterruptedError') throw cause
    extract.destroy()
    throw tarError(path, (await failure) ?? cause)
  } finally {
    extract.destroy()
    gunzip.destroy()
    source.destroy()
  }
  return {
    kind: 'tar.gz',
    names: [...files.keys()],
    refused,
    size: (name) => files.get(name)?.size ?? 0,
    open: async (name) => {
      const found = files.get(name)
      if (!found) throw new BadArchiveError(`${path} has no member ${name}.`)
      return createReadStream(found.file)
    },
    close: async () => {
      await rm(dir, { recursive: true, force: true })
    },
  }
}
