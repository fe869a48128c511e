// The local backend: a store in a directory on this machine (docs/backup-store.md §2). Keys are paths under the
// directory; a staged file becomes an object by rename within the same file system, then the directory is fsynced;
// small documents are replaced atomically (temporary sibling, fsync, rename). The lock is `<store>/lock`, created
// exclusively and taken over when its process is gone (src/files/lock.ts).
import { constants as fsConstants } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { acquireLock, type Lock } from '../../files/lock.js'
import { ensurePrivateDir, fsyncDirectory, writeFileAtomic, PRIVATE_DIR_MODE } from '../../files/atomic-file.js'
import { StoredKeyProblem, type BackendEntry, type LocationState, type StoreBackend } from '../backend.js'
import { LOCK_NAME, OBJECTS_DIR, SNAPSHOTS_DIR, TMP_DIR } from '../format.js'

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

export class LocalBackend implements StoreBackend {
  readonly location: string
  readonly localDir: string

  constructor(dir: string) {
    this.location = dir
    this.localDir = dir
  }

  #path(key: string): string {
    return join(this.localDir, ...key.split('/'))
  }

  async probe(): Promise<LocationState> {
    const entries = await readdir(this.localDir).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return ['(a file)']
      throw error
    })
    return entries === null ? 'absent' : entries.length === 0 ? 'empty' : 'used'
  }

  async create(): Promise<void> {
    await ensurePrivateDir(this.localDir)
    for (const sub of [OBJECTS_DIR, SNAPSHOTS_DIR, TMP_DIR]) await ensurePrivateDir(join(this.localDir, sub))
  }

  async readSmall(key: string, limitBytes: number): Promise<Buffer | null> {
    // O_NOFOLLOW: a document that is a link (say to /etc/passwd) is damage, and is never followed out of the store.
    const handle = await open(this.#path(key), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK).catch((error: unknown) => {
      if (isMissing(error)) return null
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new StoredKeyProblem('link')
      throw error
    })
    if (handle === null) return null
    try {
      const info = await handle.stat()
      if (!info.isFile()) throw new StoredKeyProblem('not-file')
      if (info.size > limitBytes) throw new StoredKeyProblem('too-large')
      return await handle.readFile()
    } finally {
      await handle.close()
    }
  }

  async writeSmall(key: string, bytes: Buffer): Promise<void> {
    await writeFileAtomic(this.#path(key), bytes)
  }

  async size(key: string): Promise<number | null> {
    try {
      return (await stat(this.#path(key))).size
    } catch (error) {
      if (isMissing(error)) return null
      throw error
    }
  }

  async openRead(key: string): Promise<Readable | null> {
    const handle = await open(this.#path(key), 'r').catch((error: unknown) => {
      if (isMissing(error)) return null
      throw error
    })
    return handle ? handle.createReadStream() : null
  }

  async adopt(key: string, file: string): Promise<boolean> {
    const final = this.#path(key)
    if ((await this.size(key)) !== null) {
      await rm(file, { force: true })
      return false
    }
    // Create the missing parent directories one by one (0700), fsyncing each one's parent so the new entry lasts.
    const parents: string[] = []
    for (let dir = dirname(final); dir.length > this.localDir.length && dir.startsWith(this.localDir + sep); dir = dirname(dir)) parents.unshift(dir)
    for (const dir of parents) {
      try {
        await mkdir(dir, { mode: PRIVATE_DIR_MODE })
        await fsyncDirectory(dirname(dir))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
    }
    await rename(file, final)
    await fsyncDirectory(dirname(final))
    return true
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true })
  }

  async *list(prefix: string): AsyncIterable<BackendEntry> {
    const base = prefix.replace(/\/+$/, '')
    yield* this.#walk(base)
  }

  async *#walk(key: string): AsyncIterable<BackendEntry> {
    const names = await readdir(this.#path(key)).catch((error: unknown) => {
      if (isMissing(error)) return [] as string[]
      throw error
    })
    for (const name of names.sort()) {
      const child = key === '' ? name : `${key}/${name}`
      const info = await stat(this.#path(child)).catch(() => null)
      if (info?.isDirectory()) yield* this.#walk(child)
      else if (info?.isFile()) yield { key: child, size: info.size }
    }
  }

  localPath(key: string): string {
    return this.#path(key)
  }

  async stagingDir(): Promise<string> {
    const dir = join(this.localDir, TMP_DIR)
    await ensurePrivateDir(dir)
    return dir
  }

  async lock(): Promise<Lock> {
    const lock = await acquireLock(join(this.localDir, LOCK_NAME), `The backup store ${this.location}`)
    try {
      for (const sub of [OBJECTS_DIR, SNAPSHOTS_DIR, TMP_DIR]) await ensurePrivateDir(join(this.localDir, sub))
    } catch (error) {
      await lock.release()
      throw error
    }
    return lock
  }

  async leftovers(remove: boolean): Promise<number> {
    const names = async (dir: string) =>
      readdir(join(this.localDir, dir)).catch((error: unknown) => {
        if (isMissing(error)) return [] as string[]
        throw error
      })
    const paths = [
      ...(await names(TMP_DIR)).map((name) => join(this.localDir, TMP_DIR, name)),
      ...(await names(SNAPSHOTS_DIR)).filter((name) => name.startsWith('.') && name.endsWith('.tmp')).map((name) => join(this.localDir, SNAPSHOTS_DIR, name)),
    ]
    if (remove) for (const path of paths) await rm(path, { recursive: true, force: true })
    return paths.length
  }

  async close(): Promise<void> {}
}
