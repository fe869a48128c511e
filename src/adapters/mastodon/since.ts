// `--since <earlier archive>` for the Mastodon API: the cursor and date of an earlier archive of the same account on
// the same server (readEarlierArchive refuses other networks and accounts).
import type { SinceState } from '../adapter.js'
import { readEarlierArchive } from '../../archive/since.js'
import type { AccountRef } from '../../archive/records.js'
import { UsageError } from '../../errors.js'
import type { MastodonCursor } from './source.js'

export async function readSince(path: string, server: string, account: AccountRef): Promise<SinceState> {
  const since = await readEarlierArchive<MastodonCursor>(path, { network: 'mastodon', account })
  if (since.cursor.server !== server) throw new UsageError(`${path} was exported from ${since.cursor.server}, not ${server}.`, { hint: 'Export from the same server, or drop --since.' })
  return since
}
