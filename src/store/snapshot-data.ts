// The `data` checks of the snapshot kinds this build knows (docs/backup-store.md §2.4). The snapshot reader runs them
// on every manifest it reads, so no command ever builds a store path, or a restore path, from a name in `data` that
// was not checked here: every object name is a sha256 the manifest also lists in `objects`, every relative path is
// safe to join under a target directory. Kinds this build does not know are not checked (they are never restored).
import { isSafeRelativePath } from './pds-dir/types.js'
import { MANIFEST_NAME, RECORD_KINDS, memberNameProblem } from '../archive/format.js'

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

const ACCOUNT_NETWORKS = new Set(['misskey', 'mastodon', 'matrix'])
const KINDS = new Set<string>(RECORD_KINDS)

function wholeNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** A member an `account-archive` snapshot may store as a file: a safe archive path that is not a record or media name. */
function fileMemberProblem(member: unknown): string | null {
  if (typeof member !== 'string') return 'is not a string'
  const problem = memberNameProblem(member)
  if (problem) return problem
  if (!isSafeRelativePath(member)) return 'is not a safe relative path'
  if (member === MANIFEST_NAME || member.startsWith('media/') || (!member.includes('/') && member.endsWith('.jsonl'))) return 'is the name of a manifest, record or media member'
  return null
}

function accountArchive(data: Fields, objects: ReadonlySet<string>): string[] {
  const problems: string[] = []
  if (!ACCOUNT_NETWORKS.has(data.network as string)) problems.push(`data.network ${shown(data.network)} is not misskey, mastodon or matrix`)
  if (!isObject(data.account) || typeof data.account.id !== 'string' || data.account.id === '') problems.push('data.account.id is missing or not a string')
  if (typeof data.exportedAt !== 'string' || Number.isNaN(Date.parse(data.exportedAt))) problems.push('data.exportedAt is missing or not a date')
  if (typeof data.full !== 'boolean') problems.push('data.full is not true or false')
  if (!wholeNumber(data.failures)) problems.push('data.failures is not a whole number')
  if (!Array.isArray(data.segments)) problems.push('data.segments is not a list')
  else {
    data.segments.forEach((segment: unknown, i) => {
      const at = `data.segments[${i}]`
      if (!isObject(segment)) return void problems.push(`${at} is not an object`)
      if (!KINDS.has(segment.kind as string)) problems.push(`${at}.kind ${shown(segment.kind)} is not a record kind`)
      if (segment.mode !== 'delta' && segment.mode !== 'whole') problems.push(`${at}.mode ${shown(segment.mode)} is not delta or whole`)
      objectName(problems, `${at}.object`, segment.object, objects)
      if (!wholeNumber(segment.records)) problems.push(`${at}.records is not a whole number`)
    })
  }
  if (!Array.isArray(data.files)) problems.push('data.files is not a list')
  else {
    data.files.forEach((file: unknown, i) => {
      const at = `data.files[${i}]`
      if (!isObject(file)) return void problems.push(`${at} is not an object`)
      const problem = fileMemberProblem(file.member)
      if (problem) problems.push(`${at}.member ${shown(file.member)} ${problem}`)
      objectName(problems, `${at}.object`, file.object, objects)
    })
  }
  if (!Array.isArray(data.media)) problems.push('data.media is not a list')
  else data.media.forEach((sha: unknown, i) => objectName(problems, `data.media[${i}]`, sha, objects))
  return problems
}

const CHECKS: Record<string, (data: Fields, objects: ReadonlySet<string>) => string[]> = {
  'atproto-repo': atprotoRepo,
  'pds-dir': pdsDir,
  'account-archive': accountArchive,
}

/** Problems with the `data` of a snapshot of `kind` (empty when sound, or when the kind is not known here). */
export function snapshotDataProblems(kind: string, data: Fields, objects: readonly string[]): string[] {
  const check = CHECKS[kind]
  return check ? check(data, new Set(objects)) : []
}
