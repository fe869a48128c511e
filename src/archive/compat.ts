// The compat/ files of docs/archive-format.md §6: Mastodon's CSV export formats byte for byte (checked against
// the bodies Mastodon's own specs expect, ../shared/fixtures/mastodon/csv/mastodon-spec-expected-exports) and the
// Misskey importers' formats. Pure functions from records to text; only accounts with a `user@host` handle appear.
// Each takes the records as a stream and yields the text in chunks, so a file of any length is written without the
// records or the text being held whole (compat-files.ts feeds them from the archive's staged records).
import { stringify, type Options as CsvStringifyOptions } from 'csv-stringify/sync'
import type { AccountRef, DomainBlockRecord, ListRecord, RelationRecord, SubjectRecord } from './records.js'

/** Records in the order they are to appear, from memory or read back from staging. */
export type RecordStream<T> = AsyncIterable<T> | Iterable<T>

/** `user@host` for ActivityPub accounts, null for DIDs and Matrix IDs. */
export function acct(account: AccountRef): string | null {
  const handle = account.handle?.replace(/^@/, '')
  return handle && /^[^@\s]+@[^@\s]+$/.test(handle) ? handle : null
}

/** The whole text of a compat file (for output that is one string anyway, and for tests). */
export async function compatText(chunks: AsyncIterable<string>): Promise<string> {
  let text = ''
  for await (const chunk of chunks) text += chunk
  return text
}

/** RFC 4180 as Ruby's CSV writes it: every row ends in \n, and a field is quoted (its quotes doubled) only when it holds
 * a comma, a quote or a line break. csv-stringify quotes for the comma, the quote and its record delimiter by itself;
 * `quoted_match` adds a lone \r, which it would otherwise leave bare. */
const CSV_STRINGIFY_OPTIONS: CsvStringifyOptions = { record_delimiter: 'unix', quoted_match: /\r/ }

/** Rows stringified per chunk. Every row ends in its own \n and no header option is used, so the text of consecutive
 * batches is exactly the text of all rows stringified at once. */
const ROWS_PER_CHUNK = 1000

async function* csv(rows: AsyncIterable<string[]>): AsyncGenerator<string> {
  let batch: string[][] = []
  for await (const row of rows) {
    batch.push(row)
    if (batch.length >= ROWS_PER_CHUNK) {
      yield stringify(batch, CSV_STRINGIFY_OPTIONS)
      batch = []
    }
  }
  if (batch.length > 0) yield stringify(batch, CSV_STRINGIFY_OPTIONS)
}

/** following_accounts.csv: `Account address,Show boosts,Notify on new posts,Languages`. */
export function followingCsv(records: RecordStream<RelationRecord>): AsyncGenerator<string> {
  return csv(
    (async function* () {
      yield ['Account address', 'Show boosts', 'Notify on new posts', 'Languages']
      for await (const r of records) {
        const a = acct(r.account)
        if (a) yield [a, String(r.showReposts ?? true), String(r.notify ?? false), (r.languages ?? []).join(', ')]
      }
    })(),
  )
}

/** muted_accounts.csv: `Account address,Hide notifications`. */
export function mutedCsv(records: RecordStream<RelationRecord>): AsyncGenerator<string> {
  return csv(
    (async function* () {
      yield ['Account address', 'Hide notifications']
      for await (const r of records) {
        const a = acct(r.account)
        if (a) yield [a, String(r.hideNotifications ?? true)]
      }
    })(),
  )
}

/** blocked_accounts.csv: one `user@host` per line, no header. */
export function blockedCsv(records: RecordStream<RelationRecord>): AsyncGenerator<string> {
  return csv(
    (async function* () {
      for await (const r of records) {
        const a = acct(r.account)
        if (a) yield [a]
      }
    })(),
  )
}

/** One `[list name, address]` row per member with an ActivityPub address; `prefix` goes before the address. */
async function* listRows(records: RecordStream<ListRecord>, prefix: string): AsyncGenerator<string[]> {
  for await (const list of records) {
    for (const member of list.members) {
      const a = acct(member)
      if (a) yield [list.name, `${prefix}${a}`]
    }
  }
}

/** lists.csv: `List name,user@host` per member, no header. */
export function listsCsv(records: RecordStream<ListRecord>): AsyncGenerator<string> {
  return csv(listRows(records, ''))
}

/** blocked_domains.csv: one domain per line, no header. */
export function blockedDomainsCsv(records: RecordStream<DomainBlockRecord>): AsyncGenerator<string> {
  return csv(
    (async function* () {
      for await (const r of records) yield [r.domain]
    })(),
  )
}

/** bookmarks.csv: one status URI per line, no header; subjects that are not http(s) URLs are left out. */
export function bookmarksCsv(records: RecordStream<SubjectRecord>): AsyncGenerator<string> {
  return csv(
    (async function* () {
      for await (const r of records) if (/^https?:\/\//.test(r.subject)) yield [r.subject]
    })(),
  )
}

/** Characters of `@user@host` lines gathered per chunk. */
const TEXT_PER_CHUNK = 64 * 1024

/** Misskey's following/blocking/mute importers: one `@user@host` per line (the first comma-separated field is read). */
export async function* misskeyAcctList(records: RecordStream<RelationRecord>): AsyncGenerator<string> {
  let text = ''
  for await (const r of records) {
    const a = acct(r.account)
    if (a) text += `@${a}\n`
    if (text.length >= TEXT_PER_CHUNK) {
      yield text
      text = ''
    }
  }
  if (text) yield text
}

/** Misskey's user-lists importer: `listName,@user@host`. */
export function misskeyListsCsv(records: RecordStream<ListRecord>): AsyncGenerator<string> {
  return csv(listRows(records, '@'))
}
