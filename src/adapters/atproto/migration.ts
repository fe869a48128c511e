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
import { AuthError, UsageError } from '../../errors.js'
import { assertSecureUrl } from '../../net/secure-url.js'
import { parseActor, resolveIdentity } from './identity.js'
import { PdsSession } from './session.js'
import { latestCommit } from './migration-data.js'
import { didWebInstructions, recommendedCredentials, withRotationKey } from './migration-identity.js'
import { describeHoldings, describeServer, newHoldings, oldHoldings, planSteps } from './migration-plan.js'
import { checkStateMatches, defaultStatePath, loadState, newState, saveState, type MigrationState } from './migration-state.js'
import { host, Migration, type MigrateInput, type MigrationReport, type Resolved } from './migration-steps.js'

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
  const lock = input.dryRun ? null : await acquireLock(`${input.statePath}.lock`, `The migration state ${input.statePath}`)
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-migrate-'))
  try {
    const earlier = await loadState(input.statePath)
    // The DID document may already name the new PDS (a rerun after the PLC step): the old PDS is the one recorded.
    const oldPds = earlier?.oldPds ?? identity.pds
    const state = await openState(context, input, identity.did, oldPds, identity.handle)
    const base = { did: state.did, oldPds: state.oldPds, newPds: state.newPds, statePath: input.statePath, dryRun: input.dryRun }
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
