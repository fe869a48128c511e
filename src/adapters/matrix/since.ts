// `--since <earlier archive>` for Matrix: the `/messages` tokens of the newest event of each room an earlier archive of
// the same account holds (readEarlierArchive refuses other networks and accounts).
import { readEarlierArchive } from '../../archive/since.js'
import type { MatrixCursor } from './source.js'

export async function readSince(path: string, user: string): Promise<{ createdAt: string; cursor: MatrixCursor }> {
  const since = await readEarlierArchive<MatrixCursor>(path, { network: 'matrix', account: { id: user } })
  return { createdAt: since.createdAt, cursor: { rooms: { ...(since.cursor.rooms ?? {}) } } }
}
