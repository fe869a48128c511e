// The compat/ files of docs/archive-format.md §6: Mastodon's CSV export formats byte for byte (checked against
// the bodies Mastodon's own specs expect, ../shared/fixtures/mastodon/csv/mastodon-spec-expected-exports) and the
// Misskey importers' formats. Pure functions from records to text; only accounts with a `user@host` handle appear.
import { stringify, type Options as CsvStringifyOptions } from 'csv-stringify/sync'
import type { AccountRef, DomainBlockRecord, ListRecord, RelationRecord, SubjectRecord } from './records.js'

/** `user@host` for ActivityPub accounts, null for DIDs and Matrix IDs. */
export function acct(account: AccountRef): string | null {
  const handle = account.handle?.replace(/^@/, '')
  return handle && /^[^@\s]+@[^@\s]+$/.test(handle) ? handle : null
}

/** RFC 4180 as Ruby's CSV writes it: every row ends in \n, and a field is quoted (its quotes doubled) only when it holds
 * a comma, a quote or a line break. csv-stringify quotes for the comma, the quote and its record delimiter by itself;
 * `quoted_match` adds a lone \r, which it would otherwise leave bare. */
const CSV_STRINGIFY_OPTIONS: CsvStringifyOptions = { record_delimiter: 'unix', quoted_match: /\r/ }

function lines(rows: string[][]): string {
  return stringify(rows, CSV_STRINGIFY_OPTIONS)
}

/** following_accounts.csv: `Account address,Show boosts,Notify on new posts,Languages`. */
export function followingCsv(records: Iterable<RelationRecord>): string {
  const rows = [['Account address', 'Show boosts', 'Notify on new posts', 'Languages']]
  for (const r of records) {
    const a = acct(r.account)
    if (a) rows.push([a, String(r.showReposts ?? true), String(r.notify ?? false), (r.languages ?? []).join(', ')])
  }
  return lines(rows)
}

/** muted_accounts.csv: `Account address,Hide notifications`. */
export function mutedCsv(records: Iterable<RelationRecord>): string {
  const rows = [['Account address', 'Hide notifications']]
  for (const r of records) {
    const a = acct(r.account)
    if (a) rows.push([a, String(r.hideNotifications ?? true)])
  }
  return lines(rows)
}

/** blocked_accounts.csv: one `user@host` per line, no header. */
export function blockedCsv(records: Iterable<RelationRecord>): string {
  const rows: string[][] = []
  for (const r of records) {
    const a = acct(r.account)
    if (a) rows.push([a])
  }
  return lines(rows)
}

/** lists.csv: `List name,user@host` per member, no header. */
export function listsCsv(records: Iterable<ListRecord>): string {
  const rows: string[][] = []
  for (const list of records) {
    for (const member of list.members) {
      const a = acct(member)
      if (a) rows.push([list.name, a])
    }
  }
  return lines(rows)
}

export function blockedDomainsCsv(records: Iterable<DomainBlockRecord>): string {
  return lines([...records].map((r) => [r.domain]))
}

export function bookmarksCsv(records: Iterable<SubjectRecord>): string {
  return lines([...records].filter((r) => /^https?:\/\//.test(r.subject)).map((r) => [r.subject]))
}

/** Misskey's following/blocking/mute importers: one `@user@host` per line (the first comma-separated field is read). */
export function misskeyAcctList(records: Iterable<RelationRecord>): string {
  let text = ''
  for (const r of records) {
    const a = acct(r.account)
    if (a) text += `@${a}\n`
  }
  return text
}

/** Misskey's user-lists importer: `listName,@user@host`. */
export function misskeyListsCsv(records: Iterable<ListRecord>): string {
  const rows: string[][] = []
  for (const list of records) for (const m of list.members) {
    const a = acct(m)
    if (a) rows.push([list.name, `@${a}`])
  }
  return lines(rows)
}
