// Consistent copies of live SQLite databases. The PDS keeps its databases in WAL mode (@atproto/pds db/db.ts
// ensureWal); copying the files while it writes can tear a database from its -wal file. SQLite's online backup API
// reads through a read transaction instead. Returning a huge page count from better-sqlite3's progress callback makes
// the second backup step copy every remaining page at once, so the whole copy comes from one read transaction and a
// concurrent writer cannot force endless restarts (https://www.sqlite.org/backup.html, sqlite3_backup_step).
import { chown, open, stat } from 'node:fs/promises'
import Database from 'better-sqlite3'

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')
const ALL_PAGES = 0x7fffffff

/** Does the file start with the SQLite 3 header? False for unreadable or short files. */
export async function isSqliteFile(path: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'r')
    const buffer = Buffer.alloc(SQLITE_HEADER.length)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    return bytesRead === buffer.length && buffer.equals(SQLITE_HEADER)
  } catch {
    return false
  } finally {
    await handle?.close()
  }
}

/**
 * Copies the database at `source` (opened read-only) to the new file `destination` and fsyncs it.
 * Opening a WAL database creates its -wal and -shm files when the PDS is stopped; SQLite leaves them in place. When
 * running as root they are handed to the database's owner, so that a PDS running as another user can still open them.
 */
export async function copySqlite(source: string, destination: string, busyTimeoutMs = 10_000): Promise<void> {
  const sideFiles = [`${source}-wal`, `${source}-shm`]
  const existed = await Promise.all(sideFiles.map((path) => stat(path).then(() => true, () => false)))
  const db = new Database(source, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs })
  try {
    await db.backup(destination, { progress: () => ALL_PAGES })
  } finally {
    db.close()
  }
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    const owner = await stat(source)
    for (const [i, path] of sideFiles.entries()) {
      if (!existed[i]) await chown(path, owner.uid, owner.gid).catch(() => {})
    }
  }
  const handle = await open(destination, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** `PRAGMA integrity_check` on a copy: an empty list when it answers `ok`, else its messages. */
export function integrityProblems(path: string): string[] {
  const db = new Database(path, { fileMustExist: true })
  try {
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>
    const messages = rows.map((row) => row.integrity_check)
    return messages.length === 1 && messages[0] === 'ok' ? [] : messages
  } finally {
    db.close()
  }
}
