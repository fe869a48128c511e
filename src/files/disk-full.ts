// ENOSPC and EDQUOT are the user's disk, not a bug: they become DiskFullError (exit 13, docs/cli.md) with one line
// naming the folder, the bytes needed when known, and the bytes free when the file system says.
import { statfsSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DiskFullError, isLifeboatError } from '../errors.js'
import { formatBytes } from './format-bytes.js'

export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
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
  const amounts = [needed !== undefined ? `${formatBytes(needed)} needed` : null, free !== null ? `${formatBytes(free)} free` : null].filter(Boolean).join(', ')
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

/**
 * For the error printer: a disk-full error that no writer converted (a store, a journal). Names the file's folder
 * when the error carries a path, and the space free there when the file system says.
 */
export function diskFullErrorFromAnywhere(error: NodeJS.ErrnoException): DiskFullError {
  const folder = error.path ? dirname(error.path) : null
  let free: number | null = null
  try {
    if (folder) {
      const info = statfsSync(folder)
      free = Number(info.bavail) * Number(info.bsize)
    }
  } catch {
    free = null
  }
  const what = error.code === 'EDQUOT' ? 'Disk quota exceeded' : 'No space left on the disk'
  return new DiskFullError(`${what}${folder ? ` while writing in ${folder}` : ' while writing'}${free !== null ? ` (${formatBytes(free)} free)` : ''}.`, {
    hint: 'Free some space there and run the same command again: it resumes with what was already written.',
    cause: error,
    details: { folder, neededBytes: null, freeBytes: free },
  })
}
