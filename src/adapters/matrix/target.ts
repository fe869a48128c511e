// Matrix replay target. Matrix has no follows, lists or blocks, so the generic driver's kinds do not apply; the
// target instead replays a whole archive itself (`replayArchive`), in this order: the profile first (so the member
// events of the joins already carry it), then rooms, then direct chats, then account data (tags need the rooms).
// Each step reuses the journal of src/replay/journal.ts, so a rerun continues and never repeats a write.
import type { AdapterContext, Outcome, ResolvedAccount, Target } from '../adapter.js'
import type { AccountRef } from '../../archive/records.js'
import type { ReplayOptions } from '../../replay/replay.js'
import type { ReplaySummary } from '../../replay/report.js'
import { isMatrixError } from './errors.js'
import { replayIgnored, replayProfile, replayPushRules, replayTags } from './replay-account.js'
import { mergeDirect, replayDirect, replayRooms, type TargetState } from './replay-rooms.js'
import { ReplayRun } from './replay-run.js'
import type { MatrixSession } from './session.js'
import { MATRIX_CAPABILITIES } from './capabilities.js'
import { BadArchiveError, UnsupportedError } from '../../errors.js'

/** A Target that replays an archive as a whole instead of item by item through the generic driver. */
export interface WholeArchiveTarget extends Target {
  replayArchive(options: ReplayOptions): Promise<ReplaySummary>
}

export function isWholeArchiveTarget(target: Target): target is WholeArchiveTarget {
  return typeof (target as Partial<WholeArchiveTarget>).replayArchive === 'function'
}

export class MatrixTarget implements WholeArchiveTarget {
  readonly capabilities = MATRIX_CAPABILITIES

  constructor(
    readonly context: AdapterContext,
    readonly session: MatrixSession,
  ) {}

  async whoami(): Promise<AccountRef> {
    return { id: this.session.userId }
  }

  /** A Matrix user exists when the target's server can show their profile (404 means no such user). */
  async resolve(account: AccountRef): Promise<ResolvedAccount | null> {
    try {
      await this.session.client.profile(account.id)
      return { targetId: account.id, ref: account }
    } catch (error) {
      if (isMatrixError(error, 404)) return null
      throw error
    }
  }

  async follow(): Promise<Outcome> {
    return { status: 'skipped', reason: 'Matrix has no follows' }
  }

  async replayArchive(options: ReplayOptions): Promise<ReplaySummary> {
    const { archive, journal, only, dryRun, context } = options
    if (archive.manifest.source.network !== 'matrix') {
      throw new BadArchiveError(`${archive.path} is a ${archive.manifest.source.network} archive; only Matrix archives replay onto Matrix.`)
    }
    for (const kind of only) {
      if (!this.capabilities.replays.includes(kind)) {
        throw new UnsupportedError(`Replaying ${kind} onto Matrix is not supported.`, { hint: `Matrix replays: ${this.capabilities.replays.join(', ')}.` })
      }
    }
    const run = new ReplayRun({ archive, journal, only, dryRun, context })
    const { client, userId: me } = this.session
    try {
      const joined = new Set(await client.joinedRooms())
      // Pending invites (a room that needed one may have got it since the last run) are only listed by /sync.
      const sync = await client.sync({ presence: { types: [] }, account_data: { types: [] }, room: { timeline: { limit: 1 }, state: { types: [] }, ephemeral: { types: [] }, account_data: { types: [] } } })
      const target: TargetState = { me, joined, invited: new Set(Object.keys(sync.rooms?.invite ?? {})) }
      const oldUser = archive.manifest.source.account.id
      if (run.wants('profile')) await replayProfile(run, client, me)
      if (run.wants('rooms')) await replayRooms(run, client, target)
      if (run.wants('direct')) await mergeDirect(run, client, me, await replayDirect(run, client, target, oldUser))
      if (run.wants('account-data')) {
        await replayIgnored(run, client, me)
        await replayTags(run, client, me)
        await replayPushRules(run, client)
      }
      return run.summary
    } finally {
      await this.session.close()
    }
  }
}
