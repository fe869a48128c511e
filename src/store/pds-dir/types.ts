// The `data` of a `pds-dir` snapshot (docs/backup-store.md §7).

/** Where a file lives: under the data directory, under the blobstore directory, or the env file. */
export type PdsFileRoot = 'data' | 'blobstore' | 'env'

export interface PdsDirFile {
  root: PdsFileRoot
  /** Relative, `/`-separated, no empty, `.` or `..` segment. */
  path: string
  /** `sqlite`: copied with the online backup API; `blob`: a blobstore file; `file`: copied as bytes. */
  type: 'sqlite' | 'blob' | 'file'
  sha256: string
  size: number
  mode: number
  uid?: number
  gid?: number
  /** Source size and mtime when read (for a database: of the main file); used to skip unchanged files next time. */
  sourceSize: number
  mtimeMs: number
  /** For a database: its `-wal` file's size and mtime when copied, null when it had none. */
  walSize?: number | null
  walMtimeMs?: number | null
}

export interface PdsDirSource {
  dataDir: string
  blobstore: string | null
  /** The blobstore's path relative to the data directory when it lives inside it (e.g. `blocks`), else null. */
  blobstoreInDataDir: string | null
  envFile: string | null
  host: string
}

export interface PdsDirData extends Record<string, unknown> {
  source: PdsDirSource
  files: PdsDirFile[]
  problems: string[]
}

/** Is `path` a safe relative `/` path (no absolute, empty, `.` or `..` segment, no backslash or NUL)? */
export function isSafeRelativePath(path: string): boolean {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
}
