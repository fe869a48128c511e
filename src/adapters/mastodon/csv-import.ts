// Mastodon's CSV exports as archive records, read the way Mastodon's own importer reads them
// (`app/models/form/import.rb`, shared fixtures README "The importer side"): the kind is told by the file name prefix
// (`following_accounts`, `muted_accounts`, `blocked_accounts`, `blocked_domains`, `bookmarks`, `lists`) or else by
// the header; header-less files of every era are accepted (follows before 2.8 were bare accts, 2.8–3.5 had two
// columns); a leading `@` is dropped, blank lines skipped, `Languages` split on commas.
import { basename } from 'node:path'
import type { AccountRef, DomainBlockRecord, ListRecord, RelationRecord, SubjectRecord } from '../../archive/records.js'
import { UsageError } from '../../errors.js'

export type CsvKind = 'following' | 'mutes' | 'blocks' | 'domain-blocks' | 'bookmarks' | 'lists'

export interface CsvRecords {
  following: RelationRecord[]
  mutes: RelationRecord[]
  blocks: RelationRecord[]
  domainBlocks: DomainBlockRecord[]
  bookmarks: SubjectRecord[]
  lists: ListRecord[]
}

export function emptyCsvRecords(): CsvRecords {
  return { following: [], mutes: [], blocks: [], domainBlocks: [], bookmarks: [], lists: [] }
}

/** RFC 4180 as Ruby's CSV reads it: quoted fields may hold commas, quotes (doubled) and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  const input = text.replace(/^\uFEFF/, '')
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''))
}

const PREFIXES: [string, CsvKind][] = [
  ['following_accounts', 'following'],
  ['muted_accounts', 'mutes'],
  ['blocked_accounts', 'blocks'],
  ['blocked_domains', 'domain-blocks'],
  ['bookmarks', 'bookmarks'],
  ['lists', 'lists'],
]

/** What a CSV holds, by its file name, else by its header; null when neither tells. */
export function csvKind(file: string, rows: string[][]): CsvKind | null {
  const name = basename(file).toLowerCase()
  for (const [prefix, kind] of PREFIXES) if (name.startsWith(prefix)) return kind
  const header = (rows[0] ?? []).map((h) => h.trim())
  if (header[0] === 'Account address' && header.includes('Show boosts')) return 'following'
  if (header[0] === 'Account address' && header.includes('Hide notifications')) return 'mutes'
  if (header[0] === 'List name') return 'lists'
  if (header[0] === '#domain') return 'domain-blocks'
  if (header[0] === '#uri') return 'bookmarks'
  return null
}

function bool(value: string | undefined): boolean | null {
  if (value === undefined || value.trim() === '') return null
  return /^(true|t|1|yes|y)$/i.test(value.trim())
}

function bareAcct(value: string): string {
  return value.trim().replace(/^@/, '')
}

/** Adds one CSV's rows to `into`; `refOf` names an account (with its actor URI when the archive revealed it). */
export function readCsvRows(kind: CsvKind, rows: string[][], refOf: (acct: string) => AccountRef, into: CsvRecords): number {
  const first = (rows[0] ?? []).map((h) => h.trim())
  const hasHeader = ['Account address', 'List name', '#domain', '#uri'].includes(first[0] ?? '')
  const header = hasHeader ? first : []
  const body = hasHeader ? rows.slice(1) : rows
  const column = (row: string[], name: string): string | undefined => {
    const at = header.indexOf(name)
    return at < 0 ? undefined : row[at]
  }
  let n = 0
  for (const row of body) {
    const value = row[0]?.trim() ?? ''
    if (value === '') continue
    n++
    switch (kind) {
      case 'following': {
        const languages = (column(row, 'Languages') ?? '').split(',').map((l) => l.trim()).filter(Boolean)
        into.following.push({ account: refOf(bareAcct(value)), showReposts: bool(column(row, 'Show boosts')), notify: bool(column(row, 'Notify on new posts')), languages: languages.length ? languages : null })
        break
      }
      case 'mutes':
        into.mutes.push({ account: refOf(bareAcct(value)), hideNotifications: bool(column(row, 'Hide notifications')), expiresAt: null })
        break
      case 'blocks':
        into.blocks.push({ account: refOf(bareAcct(value)) })
        break
      case 'domain-blocks':
        into.domainBlocks.push({ domain: value.toLowerCase() })
        break
      case 'bookmarks':
        into.bookmarks.push({ subject: value, url: null, createdAt: null })
        break
      case 'lists': {
        const member = row[1]?.trim()
        let list = into.lists.find((l) => l.name === value)
        if (!list) {
          list = { id: `csv:${value}`, name: value, description: null, purpose: null, members: [] }
          into.lists.push(list)
        }
        if (member) list.members.push(refOf(bareAcct(member)))
        break
      }
    }
  }
  return n
}

/** Reads one CSV file's text into `into`; the kind must be recognisable. */
export function readCsvFile(file: string, text: string, refOf: (acct: string) => AccountRef, into: CsvRecords): CsvKind {
  const rows = parseCsv(text)
  const kind = csvKind(file, rows)
  if (!kind) {
    throw new UsageError(`Cannot tell what ${basename(file)} holds.`, {
      hint: 'Keep the names Mastodon gives its exports (following_accounts.csv, lists.csv, blocked_accounts.csv, muted_accounts.csv, blocked_domains.csv, bookmarks.csv).',
    })
  }
  readCsvRows(kind, rows, refOf, into)
  return kind
}
