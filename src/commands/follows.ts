// `lifeboat follows <archive> [--format text|csv|json]`: the follow list recorded in any archive, to read (or import
// elsewhere) before moving. CSV is Mastodon's following_accounts.csv, which Misskey's importer accepts too.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { ArchiveReader } from '../archive/reader.js'
import { UsageError } from '../errors.js'
import { followingCsv } from '../archive/compat.js'
import type { RelationRecord } from '../archive/records.js'

export async function run(archive: string, options: { format?: string }, cli: CliContext): Promise<RelationRecord[]> {
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
    cli.out.data(followingCsv(follows))
  } else {
    cli.out.data(follows.map((f) => `${f.account.handle ?? f.account.id}${f.account.handle ? `\t${f.account.id}` : ''}\n`).join(''))
    cli.out.info(`${follows.length} accounts followed.`)
  }
  return follows
}

export function register(program: Command, cli: CliContext): void {
  withExamples(
    program
      .command('follows')
      .description('print the follow list recorded in an archive')
      .argument('<archive>', 'a Lifeboat archive')
      .option('--format <format>', 'text, csv (Mastodon/Misskey importable) or json', 'text')
      .action(async (archive: string, options: { format?: string }) => {
        await run(archive, options, cli)
      }),
    'lifeboat follows alice.zip',
    'lifeboat follows alice.zip --format csv > following_accounts.csv',
  )
}
