// Matrix replay target. Matrix has no follows, lists or blocks; it replays four kinds of its own as steps through the
// one replay driver (src/replay/replay.ts, `Target.steps`), which keeps the journal, the dry run and the report: the
// profile first (so the member events of the joins already carry it), then rooms, then direct chats and their
// `m.direct` entry, then account data (ignored users, tags, which need the rooms, and push rules).
import type { AdapterContext, Outcome, ReplayStep, ResolvedAccount, StepRun, Target } from '../adapter.js'
import type { AccountRef } from '../../archive/records.js'
import { isMatrixError } from './errors.js'
import { accountDataSteps, profileSteps } from './replay-account.js'
import { directSteps, roomSteps, type TargetState } from './replay-rooms.js'
import type { MatrixSession } from './session.js'
import { MATRIX_CAPABILITIES } from './capabilities.js'

export class MatrixTarget implements Target {
  readonly capabilities = MATRIX_CAPABILITIES
  /** What the new account has, read once per replay (the rooms and direct chats share it). */
  readonly #state = new WeakMap<StepRun, Promise<TargetState>>()

  constructor(
    readonly context: AdapterContext,
    readonly session: MatrixSession,
  ) {}

  readonly steps = {
    profile: (run: StepRun): AsyncIterable<ReplayStep> => profileSteps(run, this.session.client, this.session.userId),
    rooms: (run: StepRun): AsyncIterable<ReplayStep> => this.#withState(run, (state) => roomSteps(run, this.session.client, state)),
    direct: (run: StepRun): AsyncIterable<ReplayStep> => this.#withState(run, (state) => directSteps(run, this.session.client, state, run.archive.manifest.source.account.id)),
    'account-data': (run: StepRun): AsyncIterable<ReplayStep> => accountDataSteps(run, this.session.client, this.session.userId),
  }

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

  async close(): Promise<void> {
    await this.session.close()
  }

  async *#withState(run: StepRun, steps: (state: TargetState) => AsyncIterable<ReplayStep>): AsyncIterable<ReplayStep> {
    let state = this.#state.get(run)
    if (!state) {
      state = this.#readState()
      this.#state.set(run, state)
    }
    yield* steps(await state)
  }

  /** The rooms the new account is in, and its pending invites (a room that needed one may have got it since). */
  async #readState(): Promise<TargetState> {
    const { client, userId: me } = this.session
    const joined = new Set(await client.joinedRooms())
    // Pending invites are only listed by /sync.
    const sync = await client.sync({ presence: { types: [] }, account_data: { types: [] }, room: { timeline: { limit: 1 }, state: { types: [] }, ephemeral: { types: [] }, account_data: { types: [] } } })
    return { me, joined, invited: new Set(Object.keys(sync.rooms?.invite ?? {})) }
  }
}
