// The `data` checks of the snapshot kinds this build knows (docs/backup-store.md §2.4). The snapshot reader runs them
// on every manifest it reads, so no command ever builds a store path, or a restore path, from a name in `data` that
// was not checked here: every object name is a sha256 the manifest also lists in `objects`, every relative path is
// safe to join under a target directory. Kinds this build does not know are not checked (they are never restored).
import { isSafeRelativePath } from './pds-dir/types.js'

type Fields = Record<string, unknown>

/** A value for a problem line: JSON-quoted, every control character escaped (C1 and DEL too), and cut short. */
export function shown(value: unknown): string {
  const text = (JSON.stringify(value) ?? String(value)).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function isObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isSha256(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)
}

/** Checks one object name in `data`: a sha256 that the manifest's `objects` lists. */
function objectName(problems: string[], field: string, value: unknown, objects: ReadonlySet<string>): void {
  if (!isSha256(value)) problems.push(`${field} ${shown(value)} is not an object name (64 lowercase hex digits)`)
  else if (!objects.has(value)) problems.push(`${field} ${value} is not listed in objects`)
}

function text(problems: string[], data: Fields, field: string, optional = false): void {
  const value = data[field]
  if (optional && (value === null || value === undefined)) return
  if (typeof value !== 'string' || value === '') problems.push(`data.${field} is missing or not a string`)
}

function atprotoRepo(data: Fields, objects: ReadonlySet<string>): string[] {
  const problems: string[] = []
  for (const field of ['did', 'pds', 'rev', 'commit']) text(problems, data, field)
  text(problems, data, 'handle', true)
  if (!Array.isArray(data.packs) || data.packs.length === 0) problems.push('data.packs is missing or empty')
  else data.packs.forEach((pack, i) => objectName(problems, `data.packs[${i}]`, pack, objects))
  if (!Array.isArray(data.blobs)) problems.push('data.blobs is not a list')
  else {
    data.blobs.forEach((blob: unknown, i) => {
      if (!isObject(blob) || typeof blob.cid !== 'string' || blob.cid === '') problems.push(`data.blobs[${i}] has no cid`)
      else if (blob.mime !== undefined && typeof blob.mime !== 'string') problems.push(`data.blobs[${i}].mime is not a string`)
    })
  }
  if (data.preferences !== null && data.preferences !== undefined) objectName(problems, 'data.preferences', data.preferences, objects)
  return problems
}

const PDS_ROOTS = new Set(['data', 'blobstore', 'env'])
const PDS_TYPES = new Set(['sqlite', 'blob', 'file'])

function pdsDir(data: Fields, objects: ReadonlySet<string>): string[] {
  const problems: string[] = []
  const source = data.source
  if (!isObject(source)) problems.push('data.source is not an object')
  else {
    if (typeof source.dataDir !== 'string') problems.push('data.source.dataDir is not a string')
    const inside = source.blobstoreInDataDir
    if (inside !== null && inside !== undefined && (typeof inside !== 'string' || !isSafeRelativePath(inside))) {
      problems.push(`data.source.blobstoreInDataDir ${shown(inside)} is not a safe relative path`)
    }
  }
  if (!Array.isArray(data.files)) problems.push('data.files is not a list')
  else {
    data.files.forEach((file: unknown, i) => {
      const at = `data.files[${i}]`
      if (!isObject(file)) return void problems.push(`${at} is not an object`)
      if (!PDS_ROOTS.has(file.root as string)) problems.push(`${at}.root ${shown(file.root)} is not data, blobstore or env`)
      if (!PDS_TYPES.has(file.type as string)) problems.push(`${at}.type ${shown(file.type)} is not sqlite, blob or file`)
      if (typeof file.path !== 'string' || !isSafeRelativePath(file.path)) problems.push(`${at}.path ${shown(file.path)} is not a safe relative path`)
      objectName(problems, `${at}.sha256`, file.sha256, objects)
      for (const field of ['size', 'mode']) {
        const n = file[field]
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) problems.push(`${at}.${field} is not a whole number`)
      }
    })
  }
  if (data.problems !== undefined && !Array.isArray(data.problems)) problems.push('data.problems is not a list')
  return problems
}

const CHECKS: Record<string, (data: Fields, objects: ReadonlySet<string>) => string[]> = {
  'atproto-repo': atprotoRepo,
  'pds-dir': pdsDir,
}

/** Problems with the `data` of a snapshot of `kind` (empty when sound, or when the kind is not known here). */
export function snapshotDataProblems(kind: string, data: Fields, objects: readonly string[]): string[] {
  const check = CHECKS[kind]
  return check ? check(data, new Set(objects)) : []
}
