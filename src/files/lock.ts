// An exclusive lock held by one process on one path (a backup store, an archive being written, a replay journal).
// The lock file holds the owner's pid and host; a lock whose process is gone on this host is stale and is taken over,
// so a run killed with SIGKILL never blocks the next one.
import { hostname } from 'node:os'
import { open, readFile, rm } from 'node:fs/promises'
import { LockedError } from '../errors.js'

export interface Lock {
  path: string
  release(): Promise<void>
}

interface LockOwner {
  pid: number
  host: string
  since: string
}

/** Whether a process with this pid exists on this machine (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner
  } catch {
    return null
  }
}

/** Takes the lock at `path` or throws LockedError naming the holder. `what` names the locked thing for messages. */
export async function acquireLock(path: string, what: string): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() }
      await handle.writeFile(JSON.stringify(owner))
      await handle.close()
      let released = false
      return {
        path,
        async release() {
          if (released) return
          released = true
          await rm(path, { force: true })
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = await readOwner(path)
      const stale = owner === null || (owner.host === hostname() && !processAlive(owner.pid))
      if (stale && attempt === 0) {
        await rm(path, { force: true })
        continue
      }
      throw new LockedError(`${what} is in use by another Lifeboat run (pid ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}).`, {
        hint: `Wait for it to finish. If no such run exists, delete ${path}.`,
      })
    }
  }
  throw new LockedError(`${what} is locked.`, { hint: `Delete ${path} if no Lifeboat run is using it.` })
}
