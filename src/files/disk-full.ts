// ENOSPC and EDQUOT are the user's disk, not a bug: they become DiskFullError (exit 13, docs/cli.md) with one line
// naming the folder, the bytes needed when known, and the bytes free when the file system says.
import { statfs } from 'node:fs/promises'
import { DiskFullError, isLifeboatError } from '../errors.js'

export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`
}

/** Bytes an unprivileged user may still write under `folder`, or null when the file system does not say. */
export async function freeBytes(folder: string): Promise<number | null> {
  try {
    const info = await statfs(folder)
    return Number(info.bavail) * Number(info.bsize)
  } catch {
    return null
  }
}

/** The DiskFullError for `error` hit while writing under `folder`; `needed` is the size of what was being written. */
export async function diskFullError(error: unknown, folder: string, needed?: number): Promise<DiskFullError> {
  const free = await freeBytes(folder)
  const quota = (error as NodeJS.ErrnoException).code === 'EDQUOT'
  const amounts = [needed !== undefined ? `${formatSize(needed)} needed` : null, free !== null ? `${formatSize(free)} free` : null].filter(Boolean).join(', ')
  return new DiskFullError(`${quota ? 'Disk quota exceeded' : 'No space left on the disk'} while writing in ${folder}${amounts ? ` (${amounts})` : ''}.`, {
    hint: 'Free some space there (or write elsewhere) and run the same command again: it resumes with what was already written.',
    cause: error,
    details: { folder, neededBytes: needed ?? null, freeBytes: free },
  })
}

/** Runs `fn`; a disk-full failure becomes DiskFullError for `folder`, anything else passes unchanged. */
export async function whileWriting<T>(folder: string, fn: () => Promise<T>, needed?: number): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (!isLifeboatError(error) && isDiskFull(error)) throw await diskFullError(error, folder, needed)
    throw error
  }
}
