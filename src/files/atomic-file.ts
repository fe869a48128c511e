// Durable, atomic file replacement: write a temporary sibling, fsync it, rename over the target, fsync the directory.
// A reader sees the old content or the new, never a mix. Files are created owner-only (0600): they may hold private data.
import { constants } from 'node:fs'
import { lstat, open, rename, rm, mkdir } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  const handle = await open(temp, 'w', PRIVATE_FILE_MODE)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(temp, { force: true })
    throw error
  }
  await handle.close()
  await rename(temp, path)
  await fsyncDirectory(dirname(path))
}

export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE })
}

/** Flags that create a new file and never follow a link: O_CREAT | O_EXCL | O_NOFOLLOW, write-only or appending. */
export const CREATE_NEW = constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_WRONLY
export const APPEND_NO_FOLLOW = constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_WRONLY

/** What privateDirHere found in the way; the caller turns it into its own message. */
export class UnsafeDirError extends Error {
  override name = 'UnsafeDirError'
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`)
  }
}

/**
 * Makes `path` a private (0700) directory of ours without ever following a link: the last component is created with
 * a non-recursive mkdir; if something already exists there it is opened with O_NOFOLLOW | O_DIRECTORY, and kept only
 * if it is a real directory owned by this user (then set to 0700 through the open handle). Anything else (a symbolic
 * link planted in a shared folder such as /tmp, a file, someone else's directory) is UnsafeDirError, untouched.
 * Returns whether the directory was created now.
 */
export async function privateDirHere(path: string): Promise<boolean> {
  try {
    await mkdir(path, { mode: PRIVATE_DIR_MODE })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const found = await lstat(path)
  if (found.isSymbolicLink()) throw new UnsafeDirError(path, 'is a symbolic link')
  if (!found.isDirectory()) throw new UnsafeDirError(path, 'exists and is not a directory')
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP' || code === 'ENOTDIR') throw new UnsafeDirError(path, 'was replaced while being checked')
    throw error
  }
  try {
    const info = await handle.stat()
    const uid = process.getuid?.()
    if (uid !== undefined && info.uid !== uid) throw new UnsafeDirError(path, `belongs to another user (uid ${info.uid})`)
    if ((info.mode & 0o777) !== PRIVATE_DIR_MODE) await handle.chmod(PRIVATE_DIR_MODE)
  } finally {
    await handle.close()
  }
  return false
}
