// `lifeboat follows <archive> [--format text|csv|json] [--bridgy-fed]`: the follow list recorded in any archive, to read
// (or import elsewhere) before moving. CSV is Mastodon's following_accounts.csv, which Misskey's importer accepts too.
// CSV holds only `user@host` addresses: accounts without one (AT Protocol DIDs and handles) are named on stderr and
// make the exit code 3, unless --bridgy-fed writes them as Bridgy Fed addresses (`handle@bsky.brid.gy`), which work for
// the Bluesky accounts that opted into the bridge (https://fed.brid.gy/docs).
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { ArchiveReader } from '../archive/reader.js'
import { PartialFailureError, UsageError } from '../errors.js'
import { acct, compatText, followingCsv } from '../archive/compat.js'
import type { RelationRecord } from '../archive/records.js'

export const BRIDGY_FED_DOMAIN = 'bsky.brid.gy'

export interface FollowsOptions {
  format?: string
  bridgyFed?: boolean
}

/** The Bridgy Fed address of an AT Protocol account, or null without a handle (a bare DID has no address). */
export function bridgyFedAddress(account: RelationRecord['account']): string | null {
  const handle = account.handle?.replace(/^@/, '')
  return handle && /^[a-z0-9.-]+\.[a-z]+$/i.test(handle) ? `${handle}@${BRIDGY_FED_DOMAIN}` : null
}

/** How an account is shown: its handle when the archive knows it, else its id (Output escapes control characters from outside). */
function shown(account: RelationRecord['account']): string {
  return account.handle ?? account.id
}

export async function run(archive: string, options: FollowsOptions, cli: CliContext): Promise<RelationRecord[]> {
  const format = options.format ?? 'text'
  if (!['text', 'csv', 'json'].includes(format)) throw new UsageError(`--format ${format} is not one of text, csv, json.`)
  const reader = await ArchiveReader.open(archive)
  const follows: RelationRecord[] = []
  try {
    for await (const record of reader.records('following')) follows.push(record)
  } finally {
    reader.close()
  }
  const listed = follows.map(({ native: _native, ...rest }) => rest)
  if (cli.out.json) {
    cli.out.result({ ok: true, archive, count: follows.length, following: listed })
  } else if (format === 'json') {
    cli.out.data(JSON.stringify(listed, null, 2) + '\n')
  } else if (format === 'csv') {
    await writeCsv(follows, options, cli)
  } else {
    cli.out.data(follows.map((f) => `${shown(f.account)}${f.account.handle ? `\t${shown({ id: f.account.id })}` : ''}\n`).join(''))
    const bare = follows.filter((f) => !f.account.handle).length
    cli.out.info(`${follows.length} accounts followed.${bare ? ` ${bare} are known only by id: the archive does not record their handles.` : ''}`)
  }
  return follows
}

async function writeCsv(follows: RelationRecord[], options: FollowsOptions, cli: CliContext): Promise<void> {
  const rows: RelationRecord[] = []
  const bridged: RelationRecord[] = []
  const unwritable: RelationRecord[] = []
  for (const follow of follows) {
    if (acct(follow.account)) rows.push(follow)
    else if (options.bridgyFed && bridgyFedAddress(follow.account)) bridged.push({ ...follow, account: { ...follow.account, handle: bridgyFedAddress(follow.account)! } })
    else unwritable.push(follow)
  }
  cli.out.data(await compatText(followingCsv([...rows, ...bridged])))
  if (bridged.length > 0) cli.out.info(`${bridged.length} AT Protocol accounts written as Bridgy Fed addresses (${BRIDGY_FED_DOMAIN}); following them works only for accounts that opted into the bridge.`)
  if (unwritable.length === 0) return
  const offer = unwritable.filter((f) => bridgyFedAddress(f.account)).length
  for (const follow of unwritable) {
    cli.out.warn(`not written: ${shown(follow.account)} ${follow.account.handle ? 'has no user@host address' : 'is known only by its DID: this archive does not record its handle'}`)
  }
  throw new PartialFailureError(`${unwritable.length} of ${follows.length} followed accounts could not be written as Mastodon CSV (it holds user@host addresses only).`, {
    hint: offer > 0
      ? `${offer} of them can be written as Bridgy Fed addresses (handle@${BRIDGY_FED_DOMAIN}) with --bridgy-fed, for accounts that opted into the bridge.`
      : 'This archive knows them only by DID (made by an older Lifeboat, or exported with --server alone): export again to record their handles, or follow them from a Bluesky client (lifeboat replay --to atproto).',
    details: { unwritable: unwritable.map((f) => f.account) },
  })
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    program
      .command('follows')
      .description('print the follow list recorded in an archive')
      .argument('<archive>', 'a Lifeboat archive')
      .option('--format <format>', 'text, csv (Mastodon/Misskey importable) or json', 'text')
      .option('--bridgy-fed', `in CSV, write AT Protocol accounts as Bridgy Fed addresses (handle@${BRIDGY_FED_DOMAIN})`)
      .action(async (archive: string, options: FollowsOptions) => {
        await run(archive, options, cli)
      }),
    'lifeboat follows alice.zip',
    'lifeboat follows alice.zip --format csv > following_accounts.csv',
    'lifeboat follows bsky-alice.zip --format csv --bridgy-fed > following_accounts.csv',
  )
}
