// X's archive as a set of named members, whether the user gives the downloaded .zip or the folder it unpacks to.
// Zips are read in place with the existing reader (src/adapters/mastodon/export-archive.ts, yauzl): member names are
// only ever keys, never paths on disk. A zip member whose name escapes (a `..` segment, a backslash, a NUL; leading
// slashes are dropped, as that reader does) or that is a link refuses the whole archive: X never writes one, so the
// file was tampered with. Of a folder only `data/` is walked, with lstat: regular files only; a symbolic link that
// resolves outside the folder refuses the archive the same way.
import { createReadStream } from 'node:fs'
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { openExportArchive } from '../mastodon/export-archive.js'
import { NotFoundError } from '../../errors.js'
import { escapingMember, notXArchive } from './errors.js'

export interface XContainer {
  kind: 'zip' | 'folder'
  /** Member names with `/` separators, relative to the archive's top. */
  names: string[]
  open(name: string): Promise<Readable>
  size(name: string): number
  close(): Promise<void>
}

/** Folders deeper than this are not X's (its deepest is `data/js/tweets/`); bounds a walk of a wrong folder. */
const MAX_DEPTH = 6

export async function openContainer(path: string, options: { scratchDir: string; signal?: AbortSignal }): Promise<XContainer> {
  const info = await stat(path).catch(() => null)
  if (!info) throw new NotFoundError(`${path} does not exist.`, { hint: 'Give the path of the .zip X sent, or of the folder it unpacks to.' })
  if (info.isDirectory()) return openFolder(path)
  const head = Buffer.alloc(2)
  const handle = await open(path, 'r')
  await handle.read(head, 0, 2, 0).finally(() => handle.close())
  if (head[0] !== 0x50 || head[1] !== 0x4b) throw notXArchive(path, 'it is neither a zip file nor a folder')
  const archive = await openExportArchive(path, options)
  const escaping = archive.refused.find((r) => !r.endsWith(': is a duplicate'))
  if (escaping) {
    await archive.close()
    const cut = escaping.lastIndexOf(': ')
    throw escapingMember(path, escaping.slice(0, cut), escaping.slice(cut + 2))
  }
  return { kind: 'zip', names: archive.names, open: (name) => archive.open(name), size: (name) => archive.size(name), close: () => archive.close() }
}

async function isDir(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null))?.isDirectory() ?? false
}

/** The one subfolder holding `data/` (an archive unpacked into a folder of its own), or null. */
async function onlyChildWithData(top: string): Promise<string | null> {
  const found: string[] = []
  for (const entry of await readdir(top, { withFileTypes: true })) {
    if (entry.isDirectory() && (await isDir(join(top, entry.name, 'data')))) found.push(entry.name)
  }
  return found.length === 1 ? found[0]! : null
}

async function openFolder(root: string): Promise<XContainer> {
  const top = await realpath(root)
  const files = new Map<string, { path: string; size: number }>()
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      const name = `${prefix}${entry.name}`
      const info = await lstat(path)
      if (info.isSymbolicLink()) {
        const target = await realpath(path).catch(() => null)
        if (!target || (target !== top && !target.startsWith(top + sep))) throw escapingMember(root, name, 'a link to outside the folder')
        continue
      }
      if (info.isDirectory()) await walk(path, `${name}/`, depth + 1)
      else if (info.isFile()) files.set(name, { path, size: info.size })
    }
  }
  // Only `data/` (or `<one folder>/data/`) is walked, so that naming a wrong, large folder fails at once.
  const data = (await isDir(join(top, 'data'))) ? '' : await onlyChildWithData(top)
  if (data === null) throw notXArchive(root, 'it has no data/ folder')
  await walk(join(top, data, 'data'), `${data ? `${data}/` : ''}data/`, 1)
  return {
    kind: 'folder',
    names: [...files.keys()],
    open: async (name) => {
      const found = files.get(name)
      if (!found) throw notXArchive(root, `it has no ${name}`)
      return createReadStream(found.path)
    },
    size: (name) => files.get(name)?.size ?? 0,
    close: async () => undefined,
  }
}
