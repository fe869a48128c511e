// buildSite: `lifeboat view`'s work. Reads archives, writes the viewer's own page, the data chunks and the media
// (under `media/<sha256>.<ext>`) into a staging folder beside the output, then renames it into place. Every name
// written is made here from a fixed set or a checked sha256, and checked to lie inside the staging folder, so nothing
// an archive holds can steer a write elsewhere.
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { chmod, lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { UsageError, throwIfAborted } from '../errors.js'
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, fsyncDirectory } from '../files/atomic-file.js'
import { extensionFor, viewerFiles } from './files.js'
import { project } from './project.js'
import { openSource, type SiteSource } from './sources.js'

/** Present in every folder `lifeboat view` writes: the sign that a rerun may replace it. */
export const SITE_MARKER = '.lifeboat-view'

export interface BuildSiteResult {
  output: string
  archives: number
  posts: number
  events: number
  media: number
  missingMedia: number
  files: number
}

const SHA256 = /^[0-9a-f]{64}$/

export function siteMediaName(sha256: string, mime: string | undefined): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`)
  return `media/${sha256}.${extensionFor(mime)}`
}

/** Refuses an output that exists and is neither empty nor an earlier `lifeboat view` site. */
async function checkOutput(output: string): Promise<'absent' | 'empty' | 'site'> {
  const info = await lstat(output).catch(() => null)
  if (!info) return 'absent'
  if (!info.isDirectory()) throw new UsageError(`${output} exists and is not a folder.`, { hint: 'Choose another -o folder.' })
  const names = await readdir(output)
  if (names.length === 0) return 'empty'
  if (names.includes(SITE_MARKER)) return 'site'
  throw new UsageError(`${output} is not empty and was not written by lifeboat view.`, { hint: 'Choose a new or empty -o folder; Lifeboat replaces only a folder it wrote.' })
}

export async function buildSite(inputs: string[], outputArg: string, options: { signal?: AbortSignal; warn?: (line: string) => void } = {}): Promise<BuildSiteResult> {
  if (inputs.length === 0) throw new UsageError('Give at least one archive to view.', { hint: 'lifeboat view alice.zip -o alice-site' })
  const output = resolve(outputArg)
  const state = await checkOutput(output)
  const staging = join(dirname(output), `.${randomBytes(6).toString('hex')}.lifeboat-view.partial`)
  const inside = (name: string): string => {
    const path = resolve(staging, name)
    if (!path.startsWith(staging + sep)) throw new Error(`refusing to write outside the site: ${name}`)
    return path
  }
  const sources: SiteSource[] = []
  let files = 0
  let missingMedia = 0
  try {
    await mkdir(dirname(output), { recursive: true })
    await mkdir(staging, { mode: PRIVATE_DIR_MODE })
    for (const input of inputs) sources.push(await openSource(input, siteMediaName))
    const projection = await project(sources)
    throwIfAborted(options.signal)
    const made = new Set<string>()
    const write = async (name: string, data: Buffer): Promise<void> => {
      const path = inside(name)
      const dir = dirname(path)
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
        made.add(dir)
      }
      await writeFile(path, data, { mode: PRIVATE_FILE_MODE, flag: 'wx' })
      files++
    }
    for await (const file of viewerFiles(projection)) {
      throwIfAborted(options.signal)
      await write(file.name, file.data)
    }
    await mkdir(inside('media'), { mode: PRIVATE_DIR_MODE })
    for (const [sha256, media] of Object.entries(projection.media)) {
      throwIfAborted(options.signal)
      if (!(await copyMedia(sources, sha256, inside(media.u), options.signal))) {
        missingMedia++
        options.warn?.(`media ${sha256} could not be copied: its bytes are missing or do not match their hash`)
      } else files++
    }
    await writeFile(inside(SITE_MARKER), 'Written by lifeboat view; a rerun with the same -o replaces this folder.\n', { mode: PRIVATE_FILE_MODE })
    if (state === 'empty') await rm(output, { recursive: true })
    if (state === 'site') {
      const old = join(dirname(output), `.${randomBytes(6).toString('hex')}.lifeboat-view.old`)
      await rename(output, old)
      await rename(staging, output)
      await rm(old, { recursive: true, force: true })
    } else await rename(staging, output)
    await chmod(output, PRIVATE_DIR_MODE)
    await fsyncDirectory(dirname(output))
    return {
      output,
      archives: inputs.length,
      posts: projection.posts.length,
      events: projection.events.length,
      media: Object.keys(projection.media).length - missingMedia,
      missingMedia,
      files,
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  } finally {
    for (const source of sources) source.close()
  }
}

/** Copies one media file from whichever source holds it, checking its sha256; false when none has good bytes. */
async function copyMedia(sources: SiteSource[], sha256: string, path: string, signal?: AbortSignal): Promise<boolean> {
  for (const source of sources) {
    const stream = await source.openMedia(sha256).catch(() => null)
    if (!stream) continue
    const hash = createHash('sha256')
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk)
        callback(null, chunk)
      },
    })
    try {
      await pipeline(stream, tap, createWriteStream(path, { mode: PRIVATE_FILE_MODE, flags: 'wx' }), { signal })
    } catch (error) {
      await rm(path, { force: true })
      if (signal?.aborted) throw error
      continue
    }
    if (hash.digest('hex') === sha256) return true
    await rm(path, { force: true })
  }
  return false
}
