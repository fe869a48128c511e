// Moves an AT Protocol account to another PDS keeping its DID (docs/adapters/atproto.md "Migration"): the data phase
// (create the deactivated account, import the repo, copy blobs until none is missing, preferences, verify), then,
// only with `yes` and only once the new PDS holds everything, the identity phase (PLC token requested at that
// moment, operation signed by the old PDS and submitted by the new), then activate the new account and deactivate
// the old. After every step the state file is written: a rerun skips what is done and re-checks what may have
// changed (a post made on the old account since the import means the import runs again).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AdapterContext } from '../adapter.js'
import { acquireLock } from '../../files/lock.js'
import { registerSecret } from '../../net/redact.js'
import { AuthError, PartialFailureError, RemoteError, UsageError, isLifeboatError } from '../../errors.js'
import { assertSecureUrl } from '../../net/secure-url.js'
import { abortableSleep } from '../../net/retry.js'
import { parseActor, resolveIdentity } from './identity.js'
import { PdsSession, xrpcCall } from './target-session.js'
import { checkImport, copyMissingBlobs, copyPreferences, importRepo, latestCommit, type Sides } from './migrate-data.js'
import {
  currentIdentity,
  didWebInstructions,
  identityMatches,
  recommendedCredentials,
  requestPlcToken,
  signPlcOperation,
  submitPlcOperation,
  withRotationKey,
} from './migrate-identity.js'
import { describeHoldings, describeServer, newHoldings, oldHoldings, planSteps, type PlanStep, type SideHoldings } from './migrate-plan.js'
import { checkStateMatches, completeStep, defaultStatePath, loadState, newState, saveState, type MigrationState, type MigrationStep, type MissingBlob } from './migrate-state.js'

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

function host(url: string): string {
  return new URL(url).host
}

function blobList(missing: { cid: string; recordUri: string; reason?: string }[]): string {
  const shown = missing.slice(0, 5).map((b) => `${b.cid} (used by ${b.recordUri}${b.reason ? `: ${b.reason}` : ''})`)
  return shown.join('; ') + (missing.length > 5 ? `; and ${missing.length - 5} more` : '')
}

type Resolved = MigrateInput & { statePath: string }

class Migration {
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

function missingBlobsError(missing: MissingBlob[]): PartialFailureError {
  return new PartialFailureError(`${missing.length} blob${missing.length === 1 ? ' is' : 's are'} missing on the new PDS, so the DID was not moved: ${blobList(missing)}.`, {
    hint: 'Run again to retry. A blob the old PDS no longer has cannot be copied: delete or edit the record that uses it on the old account, then run again.',
    details: { missingBlobs: missing },
  })
}

async function openState(context: AdapterContext, input: Resolved, did: string, oldPds: string, oldHandle: string | null): Promise<MigrationState> {
  const existing = await loadState(input.statePath)
  if (existing) {
    checkStateMatches(existing, { did, newPds: input.toPds ? assertSecureUrl(input.toPds, '--to-pds').origin : undefined, newHandle: input.newHandle, email: input.email }, input.statePath)
    return existing
  }
  if (!input.toPds || !input.newHandle || !input.email) {
    throw new UsageError('A new migration needs --to-pds, --new-handle and --email.', { hint: `No state file was found at ${input.statePath}; to continue an earlier run, name its file with --state.` })
  }
  const newPds = assertSecureUrl(input.toPds, '--to-pds').origin
  if (newPds === oldPds) throw new UsageError(`${did} already lives on ${host(newPds)}.`)
  context.out.debug(`new migration of ${did}: ${oldPds} -> ${newPds}`)
  return newState({ did, oldPds, oldHandle, newPds, newHandle: input.newHandle.replace(/^@/, '').toLowerCase(), email: input.email })
}

/** Refuses, before anything is written, what the new PDS would refuse halfway. */
async function preflight(context: AdapterContext, state: MigrationState, input: MigrationInputChecks): Promise<void> {
  const server = await describeServer(context, state.newPds)
  if (server.inviteCodeRequired && !input.inviteCode && !state.done['create-account']) {
    throw new UsageError(`${host(state.newPds)} requires an invite code.`, { hint: 'Ask its operator (`pdsadmin create-invite-code`) and pass --invite-code.' })
  }
  const domains = server.availableUserDomains ?? []
  if (!state.done['create-account'] && !domains.some((d) => state.newHandle.endsWith(d))) {
    // A handle of one's own domain is accepted only if it already resolves to this DID.
    const resolved = await resolveIdentity(state.newHandle, { http: context.http, plc: input.plc }).catch(() => null)
    if (resolved?.did !== state.did) {
      throw new UsageError(`${state.newHandle} is neither under ${domains.join(', ') || 'a domain of that PDS'} nor a domain handle that resolves to ${state.did}.`, {
        hint: `Migrate with a handle such as name${domains[0] ?? '.pds.example'} and switch to your own domain after the move.`,
      })
    }
  }
}

type MigrationInputChecks = Pick<MigrateInput, 'inviteCode' | 'plc'>

export async function migrateAccount(context: AdapterContext, given: MigrateInput): Promise<MigrationReport> {
  const actor = parseActor(given.actor)
  const identity = await resolveIdentity('did' in actor ? actor.did : actor.handle, { http: context.http, plc: given.plc })
  const input: Resolved = { ...given, statePath: given.statePath ?? defaultStatePath(identity.did, given.stateDir) }
  const earlier = await loadState(input.statePath)
  // The DID document may already name the new PDS (a rerun after the PLC step): the old PDS is the one recorded.
  const oldPds = earlier?.oldPds ?? identity.pds
  const state = await openState(context, input, identity.did, oldPds, identity.handle)
  const base = { did: state.did, oldPds: state.oldPds, newPds: state.newPds, statePath: input.statePath, dryRun: input.dryRun }
  const lock = input.dryRun ? null : await acquireLock(`${input.statePath}.lock`, `The migration state ${input.statePath}`)
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-migrate-'))
  try {
    const old = await PdsSession.open(context, state.oldPds, state.did, input.password, state.did)
    if (!old.isFull) {
      throw new AuthError(`That is an app password; moving an account needs the account's own password on ${host(state.oldPds)}.`, {
        hint: 'App passwords cannot create the new account, import, or sign the PLC operation. Use the password you log in with.',
      })
    }
    if (input.dryRun) {
      const [oldSide, newSide] = await Promise.all([oldHoldings(old, state.did), newHoldings(context, state.newPds, state.did, input.newPassword ?? input.password)])
      const server = await describeServer(context, state.newPds)
      const steps = planSteps(earlier)
      context.out.info(
        [
          `Plan for ${state.did} (${state.oldHandle ?? 'no handle'}) → ${state.newHandle} on ${host(state.newPds)} (state: ${input.statePath}):`,
          ...steps.map((s) => `  ${s.done ? 'done' : '    '} ${s.step}: ${s.title}`),
          describeHoldings('old', oldSide),
          describeHoldings('new', newSide),
          `new PDS: service ${server.did}, handles under ${server.availableUserDomains.join(', ')}${server.inviteCodeRequired ? ', invite code required' : ''}`,
          ...(state.did.startsWith('did:web:') ? ['did:web: the identity step is yours to do (instructions are printed when the run gets there).'] : []),
        ].join('\n'),
      )
      return { ...base, finished: steps.every((s) => s.done), steps, old: oldSide, new: newSide }
    }
    await preflight(context, state, input)
    await saveState(input.statePath, state)
    const migration = new Migration(context, input, state, work)
    const neu = await migration.createAccount(old, input.newPassword ?? input.password)
    migration.sides = { did: state.did, old, neu }
    // Once the DID names the new PDS the new account is the account: importing the old repo again would overwrite
    // whatever was posted there since.
    if (state.done['plc-operation']) for (const step of ['import-repo', 'copy-blobs', 'preferences', 'verify'] as const) migration.skip(step)
    else {
      await migration.dataPhase()
      if (!input.yes) return { ...base, finished: false, waitingFor: 'yes', steps: planSteps(state) }
      // Right before the irreversible step: the old repo has not moved on and nothing is missing.
      if ((await latestCommit(old, state.did)).cid !== state.imported?.commit) await migration.dataPhase()
      if (!migration.verified) await migration.verify()
    }
    const waiting = await migration.identityPhase()
    if (waiting === 'did-web') {
      const instructions = didWebInstructions(state.did, withRotationKey(await recommendedCredentials(neu), undefined))
      return { ...base, finished: false, waitingFor: waiting, steps: planSteps(state), instructions }
    }
    if (waiting) return { ...base, finished: false, waitingFor: waiting, steps: planSteps(state) }
    await migration.activate()
    await migration.deactivateOld()
    return { ...base, finished: true, steps: planSteps(state) }
  } finally {
    await rm(work, { recursive: true, force: true })
    await lock?.release()
  }
}
