// The state file of an AT Protocol account migration: which steps are done, written atomically after each one so that
// a rerun (after a crash, a kill, a closed laptop) continues where the last run stopped. It holds no secret: passwords
// and session tokens are asked for again on every run, and the emailed PLC token is never stored. It does hold the
// signed PLC operation between signing and submission (public once submitted; without it a failed submission would
// need a new emailed token).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../../files/atomic-file.js'
import { BadArchiveError, UsageError } from '../../errors.js'

export const STATE_FORMAT = 'lifeboat-migrate-atproto'
export const STATE_VERSION = 1

/** In order. The first five only add to the new PDS; `plc-operation` is the irreversible one. */
export const MIGRATION_STEPS = [
  'create-account',
  'import-repo',
  'copy-blobs',
  'preferences',
  'verify',
  'plc-operation',
  'activate-new',
  'deactivate-old',
] as const

export type MigrationStep = (typeof MIGRATION_STEPS)[number]

export const STEP_TITLES: Record<MigrationStep, string> = {
  'create-account': 'create the account on the new PDS with the same DID (deactivated)',
  'import-repo': 'export the repository from the old PDS and import it into the new one',
  'copy-blobs': 'copy every blob the new PDS lists as missing',
  preferences: 'copy the preferences',
  verify: 'check that the new PDS holds every record and blob',
  'plc-operation': 'point the DID at the new PDS (emailed token; signed by the old PDS, submitted by the new)',
  'activate-new': 'activate the account on the new PDS',
  'deactivate-old': 'deactivate the account on the old PDS',
}

export interface MissingBlob {
  cid: string
  recordUri: string
  reason: string
}

export interface MigrationState {
  format: typeof STATE_FORMAT
  version: typeof STATE_VERSION
  did: string
  oldPds: string
  oldHandle: string | null
  newPds: string
  newHandle: string
  email: string
  createdAt: string
  updatedAt: string
  /** Step -> when it was completed. */
  done: Partial<Record<MigrationStep, string>>
  /** The old PDS's commit that was imported: a later commit there means the import must run again. */
  imported: { commit: string; rev: string } | null
  blobs: { copied: number; missing: MissingBlob[] } | null
  /** When the PLC token was last emailed (it expires 15 minutes later). */
  plcTokenRequestedAt: string | null
  /** Signed by the old PDS, not yet confirmed submitted. */
  plcOperation: Record<string, unknown> | null
  log: { at: string; step: string; note: string }[]
}

/** `./lifeboat-migrate-<did>.json` in the directory the command runs in. */
export function defaultStatePath(did: string, cwd = process.cwd()): string {
  return join(cwd, `lifeboat-migrate-${did.replace(/[^a-zA-Z0-9]+/g, '-')}.json`)
}

export function newState(init: Pick<MigrationState, 'did' | 'oldPds' | 'oldHandle' | 'newPds' | 'newHandle' | 'email'>): MigrationState {
  const now = new Date().toISOString()
  return { format: STATE_FORMAT, version: STATE_VERSION, ...init, createdAt: now, updatedAt: now, done: {}, imported: null, blobs: null, plcTokenRequestedAt: null, plcOperation: null, log: [] }
}

export async function loadState(path: string): Promise<MigrationState | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  let state: MigrationState
  try {
    state = JSON.parse(text) as MigrationState
  } catch {
    throw new BadArchiveError(`${path} is not a migration state file (not JSON).`, { hint: 'Name another file with --state, or move this one away.' })
  }
  if (state.format !== STATE_FORMAT) throw new BadArchiveError(`${path} is not a Lifeboat AT Protocol migration state file.`, { hint: 'Name another file with --state.' })
  if (state.version !== STATE_VERSION) throw new BadArchiveError(`${path} has version ${state.version}; this Lifeboat reads version ${STATE_VERSION}.`)
  return state
}

export async function saveState(path: string, state: MigrationState): Promise<void> {
  state.updatedAt = new Date().toISOString()
  await writeFileAtomic(path, JSON.stringify(state, null, 2) + '\n')
}

/** Marks a step done (with a note for the log) and writes the file before anything else happens. */
export async function completeStep(path: string, state: MigrationState, step: MigrationStep, note: string): Promise<void> {
  const at = new Date().toISOString()
  state.done[step] = at
  state.log.push({ at, step, note })
  await saveState(path, state)
}

/** A rerun must migrate the same account to the same place; flags that disagree with the state are refused. */
export function checkStateMatches(state: MigrationState, given: { did: string; newPds?: string; newHandle?: string; email?: string }, path: string): void {
  const clash = (what: string, was: string, now: string | undefined) => {
    if (now !== undefined && now !== was) {
      throw new UsageError(`${path} is a migration of ${state.did} with ${what} ${was}, not ${now}.`, { hint: `Leave ${what} out to continue it, or name a new state file with --state.` })
    }
  }
  clash('DID', state.did, given.did)
  clash('--to-pds', state.newPds, given.newPds)
  clash('--new-handle', state.newHandle, given.newHandle)
  clash('--email', state.email, given.email)
}
