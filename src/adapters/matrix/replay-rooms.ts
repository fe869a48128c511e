// Replaying rooms and direct chats onto the new account.
//
// Rooms: every room the old account was joined to (DMs aside) is joined by its canonical alias, or by its ID with
// the `via` servers the archive saw (spec: `POST /join/{roomIdOrAlias}`). A 403 means the room is invite-only (or
// restricted) and someone inside must invite the new account: the item is reported as skipped with that reason, and
// a rerun tries it again once the invite has arrived. Upgraded rooms (`m.room.tombstone`) are not joined.
//
// Direct chats cannot be joined (they are invite-only), so each is re-created: a `trusted_private_chat` with
// `is_direct` and the partner invited, encrypted if the old one was. To never make a second room for one DM, the
// room is looked for first in the target's `m.direct`, and its `m.room.create` carries the archived room ID
// (DM_MARKER): a run that stopped between creating the room and journaling it finds the room again by that mark.
import type { ReplayStep, StepContext, StepOutcome, StepRun } from '../adapter.js'
import type { RoomRecord } from '../../archive/records.js'
import type { ClientEvent } from './api.js'
import type { MatrixClient } from './client.js'
import { isMatrixError } from './errors.js'
import { summarizeState } from './map.js'

export const NEEDS_INVITE = 'needs an invite from someone in the room'
export const DM_MARKER = 'org.lifeboat.replay_of'
const CREATING = 'stopped while creating the DM room'

/** What the new account has, read once per replay before the rooms and kept up to date by the joins. */
export interface TargetState {
  me: string
  joined: Set<string>
  invited: Set<string>
}

/** The steps of `rooms`: one join per room the old account was in (DMs aside). */
export async function* roomSteps(run: StepRun, client: MatrixClient, target: TargetState): AsyncIterable<ReplayStep> {
  for await (const room of run.archive.records('rooms')) {
    if (room.isDirect) continue
    const subject = room.canonicalAlias ?? room.name ?? room.id
    if (room.membership !== 'join') {
      yield { subject, skip: `the old account's membership was ${room.membership}` }
      continue
    }
    const summary = summarizeState(room.state as ClientEvent[])
    const inviteOnly = summary.joinRule !== null && summary.joinRule !== 'public'
    yield {
      subject,
      key: room.id,
      run: () => joinRoom(client, target, room, summary.replacedBy),
      again: (entry) => entry.status === 'skipped' && entry.reason?.startsWith(NEEDS_INVITE) === true && target.invited.has(room.id),
      plan: target.joined.has(room.id) ? 'already joined' : inviteOnly && !target.invited.has(room.id) ? `${NEEDS_INVITE} (join rule ${summary.joinRule})` : `join ${room.canonicalAlias ?? `${room.id} via ${room.via.join(', ')}`}`,
    }
  }
}

async function joinRoom(client: MatrixClient, target: TargetState, room: RoomRecord, replacedBy: string | null): Promise<StepOutcome> {
  if (target.joined.has(room.id)) return { status: 'unchanged', targetId: room.id }
  if (replacedBy) return { status: 'skipped', reason: `upgraded to ${replacedBy}; that room is replayed if the old account was in it` }
  const attempts: [string, string[]][] = []
  if (room.canonicalAlias) attempts.push([room.canonicalAlias, []])
  attempts.push([room.id, room.via])
  let lastNotFound = ''
  for (const [idOrAlias, via] of attempts) {
    try {
      const roomId = await client.join(idOrAlias, via)
      target.joined.add(roomId)
      return { status: 'applied', targetId: roomId }
    } catch (error) {
      if (isMatrixError(error, 403)) return { status: 'skipped', reason: `${NEEDS_INVITE} (${(error as Error).message.replace(/^.*answered /, '')})` }
      if (isMatrixError(error, 404)) {
        lastNotFound = (error as Error).message
        continue
      }
      throw error
    }
  }
  return { status: 'unresolved', reason: `cannot be found from ${client.host}: ${lastNotFound}` }
}

/**
 * The steps of `direct`: each DM re-created, then the new rooms merged into the target's `m.direct` (the driver
 * records each DM before asking for the next step, so the journal has the room every DM ended in).
 */
export async function* directSteps(run: StepRun, client: MatrixClient, target: TargetState, oldUser: string): AsyncIterable<ReplayStep> {
  const made = new Map<string, string[]>()
  let targetDirect: Record<string, unknown> | null | undefined
  for await (const room of run.archive.records('rooms')) {
    if (!room.isDirect) continue
    const partners = room.directWith.filter((u) => u !== oldUser && u !== target.me)
    const subject = `DM with ${partners.join(', ') || '(nobody)'}`
    if (partners.length === 0 || room.membership !== 'join') {
      yield { subject, skip: partners.length === 0 ? 'no partner to invite' : `the old account's membership was ${room.membership}` }
      continue
    }
    yield {
      subject,
      key: room.id,
      run: async (step) => {
        targetDirect ??= await client.accountData(target.me, 'm.direct')
        return recreateDm(step, client, target, room, partners, targetDirect)
      },
      plan: `create a DM room inviting ${partners.join(', ')}`,
    }
    const roomId = run.targetOf('direct', room.id)
    if (roomId) made.set(roomId, partners)
  }
  if (made.size > 0) yield mergeDirect(client, target.me, made)
}

async function recreateDm(step: StepContext, client: MatrixClient, target: TargetState, room: RoomRecord, partners: string[], targetDirect: Record<string, unknown> | null): Promise<StepOutcome> {
  const existing = (targetDirect?.[partners[0]!] as unknown[] | undefined)?.find((id): id is string => typeof id === 'string' && target.joined.has(id))
  if (existing) return { status: 'unchanged', targetId: existing }
  if (step.earlier?.status === 'failed') {
    const found = await findMarked(client, target, room.id)
    if (found) return { status: 'applied', targetId: found }
  }
  await step.starting(CREATING)
  const encrypted = summarizeState(room.state as ClientEvent[]).encrypted
  const roomId = await client.createRoom({
    preset: 'trusted_private_chat',
    is_direct: true,
    invite: partners,
    creation_content: { [DM_MARKER]: room.id },
    ...(room.name ? { name: room.name } : {}),
    ...(encrypted ? { initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }] } : {}),
  })
  target.joined.add(roomId)
  return { status: 'applied', targetId: roomId }
}

/** The joined room whose `m.room.create` names `oldRoomId` (one state read per joined room; only after a failure). */
async function findMarked(client: MatrixClient, target: TargetState, oldRoomId: string): Promise<string | undefined> {
  for (const roomId of target.joined) {
    const create = await client.stateEvent(roomId, 'm.room.create', '')
    if (create?.[DM_MARKER] === oldRoomId) return roomId
  }
  return undefined
}

/** Adds the re-created DMs to the target's `m.direct` (merged, never dropping what is there); convergent. */
function mergeDirect(client: MatrixClient, me: string, made: Map<string, string[]>): ReplayStep {
  return {
    subject: 'm.direct',
    plan: `list ${made.size} DM rooms`,
    converge: async () => {
      const current = ((await client.accountData(me, 'm.direct')) ?? {}) as Record<string, unknown>
      const next: Record<string, string[]> = {}
      for (const [user, rooms] of Object.entries(current)) next[user] = Array.isArray(rooms) ? rooms.filter((r): r is string => typeof r === 'string') : []
      let changed = false
      for (const [roomId, partners] of made) {
        for (const partner of partners) {
          const list = (next[partner] ??= [])
          if (!list.includes(roomId)) {
            list.push(roomId)
            changed = true
          }
        }
      }
      if (!changed) return { status: 'unchanged' }
      await client.putAccountData(me, 'm.direct', next)
      return { status: 'applied' }
    },
  }
}
