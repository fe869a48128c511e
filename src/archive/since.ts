// `--since <earlier archive>`: the one check every network's export makes of the archive it continues from, and the
// adapter's cursor it recorded there (native/<network>/cursor.json, docs/archive-format.md).
import { ArchiveReader } from './reader.js'
import { nativeMember, type Network } from './format.js'
import type { AccountRef } from './records.js'
import { UsageError } from '../errors.js'

/**
 * Opens the archive named by `--since`: it must be an archive of the same account on the same network. Returns its
 * date and the adapter's cursor (`native/<network>/cursor.json`), or what `fallback` derives from its records when an
 * older archive has no cursor file; UsageError when neither exists.
 */
export async function readEarlierArchive<C>(
  path: string,
  expect: { network: Network; account: AccountRef },
  fallback?: (reader: ArchiveReader) => Promise<C>,
): Promise<{ createdAt: string; cursor: C }> {
  const reader = await ArchiveReader.open(path)
  try {
    const { source, createdAt } = reader.manifest
    const sameAccount = source.account.id === expect.account.id || (expect.account.handle !== undefined && source.account.handle === expect.account.handle)
    if (source.network !== expect.network || !sameAccount) {
      throw new UsageError(`--since ${path} is an archive of ${source.account.handle ?? source.account.id} on ${source.network}, not of ${expect.account.handle ?? expect.account.id} on ${expect.network}.`, {
        hint: 'Give --since an earlier archive of this same account.',
      })
    }
    const member = nativeMember(expect.network, 'cursor.json')
    if (reader.has(member)) return { createdAt, cursor: await reader.readJson<C>(member) }
    if (fallback) return { createdAt, cursor: await fallback(reader) }
    throw new UsageError(`--since ${path} has no ${member}.`, { hint: `Use an archive written by \`lifeboat export ${expect.network}\`.` })
  } finally {
    reader.close()
  }
}
