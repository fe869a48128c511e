// What `lifeboat migrate atproto --dry-run` shows: the steps (done, or still to do), what each PDS holds now, and the
// checks that must pass before anything is written. Reads only.
import type { AdapterContext } from '../adapter.js'
import { isLifeboatError } from '../../errors.js'
import type { AccountStatus, LatestCommit } from './api.js'
import { PdsSession } from './session.js'
import { xrpcCall } from './xrpc.js'
import { listMissingBlobs } from './migration-data.js'
import { MIGRATION_STEPS, STEP_TITLES, type MigrationState, type MigrationStep } from './migration-state.js'

/** com.atproto.server.describeServer */
export interface ServerDescription {
  did: string
  availableUserDomains: string[]
  inviteCodeRequired?: boolean
  phoneVerificationRequired?: boolean
}

export interface SideHoldings {
  pds: string
  account: null | { active: boolean; records: number; blobsReferenced: number; blobsStored: number; missingBlobs?: number; commit: string }
  note?: string
}

export interface PlanStep {
  step: MigrationStep
  title: string
  done: string | null
}

export function planSteps(state: MigrationState | null): PlanStep[] {
  return MIGRATION_STEPS.map((step) => ({ step, title: STEP_TITLES[step], done: state?.done[step] ?? null }))
}

export async function describeServer(context: AdapterContext, pds: string): Promise<ServerDescription> {
  return xrpcCall<ServerDescription>(context, pds, 'com.atproto.server.describeServer')
}

export async function oldHoldings(old: PdsSession, did: string): Promise<SideHoldings> {
  const [status, head] = await Promise.all([
    old.json<AccountStatus>('com.atproto.server.checkAccountStatus'),
    old.json<LatestCommit>('com.atproto.sync.getLatestCommit', { params: { did } }),
  ])
  return { pds: old.pds, account: { active: status.activated, records: status.indexedRecords, blobsReferenced: status.expectedBlobs, blobsStored: status.importedBlobs, commit: head.cid } }
}

/** The new side as far as it can be seen: the account may not exist yet (then the login fails, which is the answer). */
export async function newHoldings(context: AdapterContext, pds: string, did: string, password: string): Promise<SideHoldings> {
  let neu: PdsSession
  try {
    neu = await PdsSession.open(context, pds, did, password, did)
  } catch (error) {
    if (isLifeboatError(error) && error.exitCode === 4) return { pds, account: null, note: 'no account with this DID and password yet' }
    throw error
  }
  const [status, missing] = await Promise.all([neu.json<AccountStatus>('com.atproto.server.checkAccountStatus'), listMissingBlobs(neu)])
  return {
    pds,
    account: { active: status.activated, records: status.indexedRecords, blobsReferenced: status.expectedBlobs, blobsStored: status.importedBlobs, missingBlobs: missing.length, commit: status.repoCommit },
  }
}

export function describeHoldings(label: string, side: SideHoldings): string {
  const host = new URL(side.pds).host
  if (!side.account) return `${label} (${host}): ${side.note ?? 'no account'}`
  const a = side.account
  const missing = a.missingBlobs === undefined ? '' : `, ${a.missingBlobs} missing`
  return `${label} (${host}): ${a.active ? 'active' : 'deactivated'}, ${a.records} records, ${a.blobsStored}/${a.blobsReferenced} blobs${missing}`
}
