// Which files of a PDS data directory a `pds-dir` backup reads (docs/backup-store.md §7 "Reading rules").
import { lstat, readdir } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join, relative, sep } from 'node:path'
import type { PdsFileRoot } from './types.js'

export interface WalkedFile {
  root: PdsFileRoot
  /** Relative `/` path under its root. */
  path: string
  absolute: string
  stats: Stats
}

export interface WalkOptions {
  /** Absolute paths never entered (the blobstore when walked as its own root, the store itself). */
  skipDirs: string[]
  /** Top-level names of this root to skip (e.g. the blobstore's `tempt`, the data directory's `pds.env`). */
  skipTopLevel: string[]
  /** Called for symbolic links, sockets and other non-regular entries that are skipped. */
  onSkipped?: (absolute: string, why: string) => void
}

const SIDE_FILE = /-(wal|shm|journal)$/

/** Regular files under `dir`, depth first in name order, never following symbolic links. */
export async function* walkRoot(root: PdsFileRoot, dir: string, options: WalkOptions): AsyncIterable<WalkedFile> {
  yield* walkDir(root, dir, dir, options)
}

async function* walkDir(root: PdsFileRoot, base: string, dir: string, options: WalkOptions): AsyncIterable<WalkedFile> {
  let names: string[]
  try {
    names = (await readdir(dir)).sort()
  } catch (error) {
    // A directory removed while we walk (an account deleted, a temp dir cleaned) is simply gone.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  for (const name of names) {
    const absolute = join(dir, name)
    if (dir === base && options.skipTopLevel.includes(name)) continue
    if (options.skipDirs.includes(absolute)) continue
    const stats = await lstat(absolute).catch(() => null)
    if (!stats) continue
    if (stats.isDirectory()) {
      yield* walkDir(root, base, absolute, options)
      continue
    }
    if (!stats.isFile()) {
      options.onSkipped?.(absolute, stats.isSymbolicLink() ? 'symbolic link' : 'not a regular file')
      continue
    }
    if (root !== 'blobstore' && SIDE_FILE.test(name)) continue
    yield { root, path: relative(base, absolute).split(sep).join('/'), absolute, stats }
  }
}
