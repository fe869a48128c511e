// Mastodon's CSV exports as archive records, read the way Mastodon's own importer reads them
// (`app/models/form/import.rb`, shared fixtures README "The importer side"): the kind is told by the file name prefix
// (`following_accounts`, `muted_accounts`, `blocked_accounts`, `blocked_domains`, `bookmarks`, `lists`) or else by
// the header; header-less files of every era are accepted (follows before 2.8 were bare accts, 2.8–3.5 had two
// columns); a leading `@` is dropped, blank lines skipped, `Languages` split on commas. The CSV itself is read by
// `csv-parse`, as a stream, as strictly as Ruby's CSV reads it: a stray or unclosed quote is an error, not a guess.
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { CsvError, parse, type Options as CsvParseOptions } from 'csv-parse'
import type { AccountRef, DomainBlockRecord, ListRecord, RelationRecord, SubjectRecord } from '../../archive/records.js'
import { BadArchiveError, UsageError } from '../../errors.js'

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

/** RFC 4180 as Ruby's CSV reads it: quoted fields may hold commas, quotes (doubled) and line breaks; rows end at
 * \r\n, \n or \r (Mastodon writes \n; a file saved on Windows has \r\n); a BOM is dropped; rows may differ in length. */
const CSV_PARSE_OPTIONS: CsvParseOptions = {
  bom: true,
  relax_column_count: true,
  record_delimiter: ['\r\n', '\n', '\r'],
  skip_empty_lines: true,
}

/** csv-parse's error as one line naming the file. */
function malformed(file: string, error: CsvError): BadArchiveError {
  const line = typeof error.lines === 'number' ? ` on line ${error.lines}` : ''
  const what =
    error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted field is never closed'
      : error.code === 'INVALID_OPENING_QUOTE' || error.code === 'CSV_INVALID_CLOSING_QUOTE' || error.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' ? `a quote stands inside a field${line}`
        : `it cannot be read${line} (${error.code})`
  return new BadArchiveError(`${file} is not valid CSV: ${what}.`, {
    cause: error,
    hint: 'Give the CSV file as Mastodon exported it; a field holding a comma, quote or line break must be quoted, with its quotes doubled.',
  })
}

const PREFIXES: [string, CsvKind][] = [
  ['following_accounts', 'following'],
  ['muted_accounts', 'mutes'],
  ['blocked_accounts', 'blocks'],
  ['blocked_domains', 'domain-blocks'],
  ['bookmarks', 'bookmarks'],
  ['lists', 'lists'],
]

/** What a CSV holds, by its file name, else by its first row; null when neither tells. */
export function csvKind(file: string, first: string[] | undefined): CsvKind | null {
  const name = basename(file).toLowerCase()
  for (const [prefix, kind] of PREFIXES) if (name.startsWith(prefix)) return kind
  const header = (first ?? []).map((h) => h.trim())
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

const HEADERS = ['Account address', 'List name', '#domain', '#uri']

/** A function adding one row of a CSV of `kind` to `into`; `header` is the file's header row, or empty when it has none.
 * `refOf` names an account (with its actor URI when the archive revealed it). */
function rowReader(kind: CsvKind, header: string[], refOf: (acct: string) => AccountRef, into: CsvRecords): (row: string[]) => void {
  const column = (row: string[], name: string): string | undefined => {
    const at = header.indexOf(name)
    return at < 0 ? undefined : row[at]
  }
  return (row) => {
    const value = row[0]?.trim() ?? ''
    if (value === '') return
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
}

function unknownKind(file: string): UsageError {
  return new UsageError(`Cannot tell what ${basename(file)} holds.`, {
    hint: 'Keep the names Mastodon gives its exports (following_accounts.csv, lists.csv, blocked_accounts.csv, muted_accounts.csv, blocked_domains.csv, bookmarks.csv).',
  })
}

/** Reads one CSV file (a stream of its text, or the text) into `into`, row by row; the kind must be recognisable.
 * A malformed file is a BadArchiveError (exit 12) naming it. */
export async function readCsvFile(file: string, input: Readable | string, refOf: (acct: string) => AccountRef, into: CsvRecords): Promise<CsvKind> {
  const source = typeof input === 'string' ? Readable.from([input]) : input
  const parser = parse(CSV_PARSE_OPTIONS)
  source.on('error', (error) => parser.destroy(error))
  source.pipe(parser)
  let kind: CsvKind | null = null
  let add: ((row: string[]) => void) | undefined
  try {
    for await (const row of parser as AsyncIterable<string[]>) {
      if (!row.some((f) => f.trim() !== '')) continue
      if (add) {
        add(row)
        continue
      }
      kind = csvKind(file, row)
      if (!kind) throw unknownKind(file)
      const first = row.map((h) => h.trim())
      const hasHeader = HEADERS.includes(first[0] ?? '')
      add = rowReader(kind, hasHeader ? first : [], refOf, into)
      if (!hasHeader) add(row)
    }
  } catch (error) {
    if (error instanceof CsvError) throw malformed(file, error)
    throw error
  } finally {
    source.destroy()
  }
  kind ??= csvKind(file, undefined)
  if (!kind) throw unknownKind(file)
  return kind
}
