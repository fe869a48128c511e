// The steps of an AT Protocol account migration (src/adapters/atproto/migration.ts runs them in order): each checks
// the state file first, does its work, and records itself before the next begins. The data steps only add to the new
// PDS; `plc-operation` moves the DID; the last two switch the accounts on and off, each checked afterwards.
import type { AdapterContext } from '../adapter.js'
import { registerSecret } from '../../net/redact.js'
import { AuthError, PartialFailureError, RemoteError, isLifeboatError } from '../../errors.js'
import { abortableSleep } from '../../net/retry.js'
import { PdsSession } from './session.js'
import { xrpcCall } from './xrpc.js'
import { checkImport, copyMissingBlobs, copyPreferences, importRepo, latestCommit, type Sides } from './migration-data.js'
import {
  currentIdentity,
  identityMatches,
  recommendedCredentials,
  requestPlcToken,
  signPlcOperation,
  submitPlcOperation,
  withRotationKey,
} from './migration-identity.js'
import { describeServer, type PlanStep, type SideHoldings } from './migration-plan.js'
import { completeStep, saveState, type MigrationState, type MigrationStep, type MissingBlob } from './migration-state.js'

/** The emailed PLC token is valid for 15 minutes (pds account-manager/helpers/email-token.ts); ask anew after 14. */
const PLC_TOKEN_LIFETIME_MS = 14 * 60_000

export interface MigrateInput {
  actor: string
  toPds?: string
  newHandle?: string
  email?: string
  inviteCode?: string
  /** Default `lifeboat-migrate-<did>.json` in `stateDir` (default the working directory). */
  statePath?: string
  stateDir?: string
  plc: string
  /** The old account's password (a full session: app passwords cannot call the migration endpoints). */
  password: string
  /** The new account's password; default the old one. */
  newPassword?: string
  /** A did:key the user holds, put first among the rotation keys. */
  rotationKey?: string
  dryRun: boolean
  /** Without it the run stops before the PLC step. */
  yes: boolean
  /** The emailed token: from the environment (`ask` false) or also from a prompt (`ask` true). */
  plcToken: (ask: boolean) => Promise<string | undefined>
  /** Called after each step is recorded (progress; tests stop the process here). */
  onStep?: (step: MigrationStep, state: MigrationState) => void | Promise<void>
  /** Waits before repeating activateAccount when the new PDS does not see the new DID document yet. */
  activateDelaysMs?: number[]
}

export type Waiting = 'yes' | 'plc-token' | 'did-web'

export interface MigrationReport {
  did: string
  oldPds: string
  newPds: string
  statePath: string
  finished: boolean
  dryRun: boolean
  /** Why the run stopped before the end, when it did. */
  waitingFor?: Waiting
  steps: PlanStep[]
  old?: SideHoldings
  new?: SideHoldings
  instructions?: string[]
}

export function host(url: string): string {
  return new URL(url).host
}

function blobList(missing: { cid: string; recordUri: string; reason?: string }[]): string {
  const shown = missing.slice(0, 5).map((b) => `${b.cid} (used by ${b.recordUri}${b.reason ? `: ${b.reason}` : ''})`)
  return shown.join('; ') + (missing.length > 5 ? `; and ${missing.length - 5} more` : '')
}


export type Resolved = MigrateInput & { statePath: string }

export class Migration {
  sides!: Sides
  /** The checks passed in this run (they are repeated before the PLC step only when they ran in an earlier run). */
  verified = false
  readonly out

  constructor(
    readonly context: AdapterContext,
    readonly input: Resolved,
    readonly state: MigrationState,
    readonly work: string,
  ) {
    this.out = context.out
  }

  async #done(step: MigrationStep, note: string): Promise<void> {
    await completeStep(this.input.statePath, this.state, step, note)
    this.out.event('step', { step, status: 'done', note }, `done: ${step} (${note})`)
    await this.input.onStep?.(step, this.state)
  }

  skip(step: MigrationStep): boolean {
    const at = this.state.done[step]
    if (at) this.out.event('step', { step, status: 'done-before', at }, `already done: ${step} (${at})`)
    return Boolean(at)
  }

  async createAccount(old: PdsSession, password: string): Promise<PdsSession> {
    const { did, newPds, newHandle, email } = this.state
    if (!this.state.done['create-account']) {
      // A run killed after createAccount but before the state was written finds the account there.
      const existing = await PdsSession.open(this.context, newPds, did, password, did).catch((error) => {
        if (error instanceof AuthError) return null
        throw error
      })
      if (existing) {
        await this.#done('create-account', `the account already existed on ${host(newPds)}`)
        return existing
      }
      const server = await describeServer(this.context, newPds)
      const exp = Math.floor(Date.now() / 1000) + 300
      const { token } = await old.json<{ token: string }>('com.atproto.server.getServiceAuth', { params: { aud: server.did, lxm: 'com.atproto.server.createAccount', exp } })
      registerSecret(token)
      await xrpcCall(this.context, newPds, 'com.atproto.server.createAccount', {
        method: 'POST',
        accessJwt: token,
        body: JSON.stringify({ did, handle: newHandle, email, password, ...(this.input.inviteCode ? { inviteCode: this.input.inviteCode } : {}) }),
      })
      const created = await PdsSession.open(this.context, newPds, did, password, did)
      await this.#done('create-account', `${newHandle} on ${host(newPds)}, deactivated until the end`)
      return created
    }
    this.skip('create-account')
    return PdsSession.open(this.context, newPds, did, password, did)
  }

  /** Import, blobs, preferences, verification; re-imports when the old repo moved on since the last import. */
  async dataPhase(): Promise<void> {
    const head = await latestCommit(this.sides.old, this.state.did)
    if (this.state.done['import-repo'] && this.state.imported?.commit !== head.cid) {
      this.out.info(`The old repository changed since it was imported (now at ${head.rev}); importing it again.`)
      for (const step of ['import-repo', 'copy-blobs', 'verify'] as const) delete this.state.done[step]
    }
    if (!this.skip('import-repo')) {
      this.out.info(`Copying the repository from ${host(this.state.oldPds)} to ${host(this.state.newPds)} …`)
      this.state.imported = await importRepo(this.context, this.sides, this.work)
      await this.#done('import-repo', `commit ${this.state.imported.commit} (rev ${this.state.imported.rev})`)
    }
    if (!this.skip('copy-blobs')) {
      const result = await copyMissingBlobs(this.context, this.sides, this.work)
      this.state.blobs = { copied: (this.state.blobs?.copied ?? 0) + result.copied, missing: result.missing }
      if (result.missing.length > 0) {
        await saveState(this.input.statePath, this.state)
        throw missingBlobsError(result.missing)
      }
      await this.#done('copy-blobs', `${result.copied} copied this run, none missing`)
    }
    if (!this.skip('preferences')) {
      const count = await copyPreferences(this.sides)
      await this.#done('preferences', `${count} preference${count === 1 ? '' : 's'}`)
    }
    if (!this.skip('verify')) {
      await this.verify()
      await this.#done('verify', 'records and blobs match')
    }
  }

  /** The checks the PLC step depends on; they run again right before signing. */
  async verify(): Promise<void> {
    const result = await checkImport(this.sides)
    for (const check of result.checks) this.out.event('check', { ...check }, `${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`)
    if (result.missing.length > 0) {
      this.state.blobs = { copied: this.state.blobs?.copied ?? 0, missing: result.missing.map((b) => ({ ...b, reason: 'still missing on the new PDS' })) }
      delete this.state.done['copy-blobs']
      delete this.state.done.verify
      await saveState(this.input.statePath, this.state)
      throw missingBlobsError(this.state.blobs.missing)
    }
    if (!result.ok) {
      delete this.state.done.verify
      await saveState(this.input.statePath, this.state)
      const failed = result.checks.filter((c) => !c.ok)
      throw new PartialFailureError(`The new PDS does not hold everything yet: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}.`, {
        hint: 'Run again: the import and the blob copy are repeated for what is missing. The DID has not been changed.',
      })
    }
    this.verified = true
  }

  /** did:plc: token, sign, submit; did:web: instructions until the document names the new PDS. */
  async identityPhase(): Promise<Waiting | null> {
    const { did, newPds } = this.state
    if (this.skip('plc-operation')) return null
    const credentials = withRotationKey(await recommendedCredentials(this.sides.neu), this.input.rotationKey)
    const now = await currentIdentity(this.context, did, this.input.plc)
    if (identityMatches(now, credentials)) {
      this.state.plcOperation = null
      await this.#done('plc-operation', `the DID document already names ${host(newPds)}`)
      return null
    }
    if (did.startsWith('did:web:')) return 'did-web'
    if (this.state.plcOperation) {
      // Signed by an earlier run whose submission did not finish: no new token needed if PLC still takes it.
      try {
        await submitPlcOperation(this.sides.neu, this.state.plcOperation)
        return this.#confirmIdentity(credentials)
      } catch (error) {
        this.out.info(`The operation signed earlier was not accepted (${(error as Error).message}); signing a new one.`)
        this.state.plcOperation = null
        await saveState(this.input.statePath, this.state)
      }
    }
    let token = await this.input.plcToken(false)
    if (!token) {
      const requested = this.state.plcTokenRequestedAt ? Date.parse(this.state.plcTokenRequestedAt) : 0
      if (Date.now() - requested > PLC_TOKEN_LIFETIME_MS) {
        await requestPlcToken(this.sides.old)
        this.state.plcTokenRequestedAt = new Date().toISOString()
        await saveState(this.input.statePath, this.state)
        this.out.info(`${host(this.state.oldPds)} has emailed a PLC token to the old account's address (valid for 15 minutes).`)
      }
      token = await this.input.plcToken(true)
      if (!token) return 'plc-token'
    }
    registerSecret(token)
    let operation: Record<string, unknown>
    try {
      operation = await signPlcOperation(this.sides.old, token, credentials)
    } catch (error) {
      if (error instanceof AuthError && error.details?.plcToken === 'refused') {
        this.state.plcTokenRequestedAt = null
        await saveState(this.input.statePath, this.state)
      }
      throw error
    }
    this.state.plcOperation = operation
    this.state.plcTokenRequestedAt = null
    await saveState(this.input.statePath, this.state)
    await submitPlcOperation(this.sides.neu, operation)
    return this.#confirmIdentity(credentials)
  }

  async #confirmIdentity(credentials: ReturnType<typeof withRotationKey>): Promise<null> {
    const after = await currentIdentity(this.context, this.state.did, this.input.plc)
    if (!identityMatches(after, credentials)) {
      throw new RemoteError(`The PLC operation was submitted, but the DID document still names ${after.pds ?? 'no PDS'}.`, { hint: 'Run again in a minute; the step checks the document before doing anything else.' })
    }
    this.state.plcOperation = null
    await this.#done('plc-operation', `the DID document names ${host(this.state.newPds)}`)
    return null
  }

  async activate(): Promise<void> {
    if (this.skip('activate-new')) return
    const delays = this.input.activateDelaysMs ?? [2000, 5000, 10_000]
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sides.neu.json('com.atproto.server.activateAccount', { method: 'POST' })
        const status = await this.sides.neu.json<{ activated: boolean }>('com.atproto.server.checkAccountStatus')
        // goat #59: a "successful" activate that left the account deactivated; check, and repeat.
        if (status.activated) break
        if (attempt >= delays.length) throw new RemoteError(`${host(this.state.newPds)} accepted activateAccount but the account is still deactivated.`, { hint: 'Run again to repeat the activation.' })
      } catch (error) {
        // distro #100: 400 right after the PLC update, while the new PDS still has the old DID document cached.
        if (!isLifeboatError(error) || attempt >= delays.length || (error as RemoteError).status !== 400) throw error
        this.out.info(`${host(this.state.newPds)} refused the activation (${error.message}); trying again in ${Math.ceil(delays[attempt]! / 1000)} s.`)
      }
      await abortableSleep(delays[attempt]!, this.context.signal)
    }
    await this.#done('activate-new', `active on ${host(this.state.newPds)}`)
  }

  async deactivateOld(): Promise<void> {
    if (this.skip('deactivate-old')) return
    try {
      await this.sides.old.json('com.atproto.server.deactivateAccount', { method: 'POST', body: JSON.stringify({}) })
    } catch (error) {
      throw new PartialFailureError(`The account now lives on ${host(this.state.newPds)}, but deactivating it on ${host(this.state.oldPds)} failed: ${(error as Error).message}`, {
        hint: 'Run again to retry, or log in to the old PDS and deactivate the account there. Until then both copies answer.',
      })
    }
    await this.#done('deactivate-old', `deactivated on ${host(this.state.oldPds)} (kept, not deleted)`)
  }
}

export function missingBlobsError(missing: MissingBlob[]): PartialFailureError {
  return new PartialFailureError(`${missing.length} blob${missing.length === 1 ? ' is' : 's are'} missing on the new PDS, so the DID was not moved: ${blobList(missing)}.`, {
    hint: 'Run again to retry. A blob the old PDS no longer has cannot be copied: delete or edit the record that uses it on the old account, then run again.',
    details: { missingBlobs: missing },
  })
}

