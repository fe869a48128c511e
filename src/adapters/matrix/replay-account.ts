// Replaying account data and the profile onto the new account; every write is compare-then-write, so an item that
// already matches is `unchanged` and a rerun writes nothing.
// - `m.ignored_user_list`: merged (users already ignored on the new account stay ignored).
// - Room tags, through `PUT /user/{userId}/rooms/{roomId}/tags/{tag}`, on the room the new account joined or the DM
//   it re-created; rooms it is not in yet are reported and picked up by a rerun.
// - Push rules through `/pushrules/` (the spec forbids writing `m.push_rules` as account data, 405): user-defined
//   rules are created in their archived order, and server-default rules get the archived `enabled` flag. Their
//   archived actions are not copied: servers of different versions ship different default actions.
// - Display name and avatar; the avatar's bytes come from the archive and are uploaded to the new server, since
//   the old server's media may not outlive the move.
// Other account data (other clients' settings, and the old account's cross-signing and key-backup secrets, which
// would be wrong for a new account) is kept in the archive but not replayed.
import { isDeepStrictEqual } from 'node:util'
import { mediaMember } from '../../archive/format.js'
import type { ReplayStep, StepOutcome, StepRun } from '../adapter.js'
import type { ProfileRecord, RoomRecord } from '../../archive/records.js'
import { PUSH_RULE_KINDS, type ProfileResponse, type PushRule, type PushRuleset } from './api.js'
import type { MatrixClient } from './client.js'
import { isMatrixError } from './errors.js'

/** The steps of `account-data`: ignored users, then room tags (which need the rooms), then push rules. */
export async function* accountDataSteps(run: StepRun, client: MatrixClient, me: string): AsyncIterable<ReplayStep> {
  yield* ignoredSteps(run, client, me)
  yield* tagSteps(run, client, me)
  yield* pushRuleSteps(run, client)
}

async function* ignoredSteps(run: StepRun, client: MatrixClient, me: string): AsyncIterable<ReplayStep> {
  let archived: Record<string, unknown> | undefined
  for await (const record of run.archive.records('account-data')) {
    if (record.roomId === null && record.type === 'm.ignored_user_list') archived = record.content as Record<string, unknown>
  }
  const users = Object.keys((archived?.ignored_users ?? {}) as Record<string, unknown>)
  if (users.length === 0) return
  yield {
    subject: `ignored users (${users.length})`,
    key: 'm.ignored_user_list',
    plan: `ignore ${users.join(', ')}`,
    run: async () => {
      const current = ((await client.accountData(me, 'm.ignored_user_list'))?.ignored_users ?? {}) as Record<string, unknown>
      const missing = users.filter((u) => !(u in current))
      if (missing.length === 0) return { status: 'unchanged' }
      await client.putAccountData(me, 'm.ignored_user_list', { ignored_users: { ...current, ...Object.fromEntries(missing.map((u) => [u, {}])) } })
      return { status: 'applied' }
    },
  }
}

/** Tags of each archived room, on the room the new account has for it (the journal of `rooms` or `direct` says which). */
async function* tagSteps(run: StepRun, client: MatrixClient, me: string): AsyncIterable<ReplayStep> {
  for await (const room of run.archive.records('rooms')) {
    const tags = Object.entries(room.tags ?? {})
    if (tags.length === 0) continue
    const subject = `tags of ${describeRoom(room)}`
    const targetId = run.targetOf(room.isDirect ? 'direct' : 'rooms', room.id)
    if (!targetId && !run.dryRun) {
      yield { subject, skip: 'the new account is not in this room yet; a rerun adds the tags once it is' }
      continue
    }
    yield {
      subject,
      key: `m.tag\u0000${room.id}`,
      plan: `tag ${tags.map(([t]) => t).join(', ')}`,
      run: async (): Promise<StepOutcome> => {
        const current = await client.tags(me, targetId!)
        let changed = false
        for (const [tag, content] of tags) {
          const wanted = (content ?? {}) as Record<string, unknown>
          if (isDeepStrictEqual(current[tag], wanted)) continue
          await client.putTag(me, targetId!, tag, wanted)
          changed = true
        }
        return { status: changed ? 'applied' : 'unchanged', targetId }
      },
    }
  }
}

function describeRoom(room: RoomRecord): string {
  return room.canonicalAlias ?? room.name ?? (room.isDirect ? `DM with ${room.directWith.join(', ')}` : room.id)
}

function sameRule(a: PushRule, b: PushRule): boolean {
  return a.enabled === b.enabled && isDeepStrictEqual(a.actions, b.actions) && isDeepStrictEqual(a.conditions ?? null, b.conditions ?? null) && (a.pattern ?? null) === (b.pattern ?? null)
}

async function* pushRuleSteps(run: StepRun, client: MatrixClient): AsyncIterable<ReplayStep> {
  let archived: PushRuleset | undefined
  for await (const record of run.archive.records('account-data')) {
    if (record.roomId === null && record.type === 'm.push_rules') archived = (record.content as { global?: PushRuleset }).global
  }
  if (!archived) return
  let current: PushRuleset | undefined
  const target = async (): Promise<PushRuleset> => (current ??= (await client.pushRules()).global ?? {})
  for (const kind of PUSH_RULE_KINDS) {
    let previous: string | undefined
    for (const rule of archived[kind] ?? []) {
      const isDefault = rule.default || rule.rule_id.startsWith('.')
      const key = `push-rule\u0000${kind}\u0000${rule.rule_id}`
      const subject = `push rule ${kind}/${rule.rule_id}`
      if (isDefault) {
        yield {
          subject,
          key,
          run: async () => {
            const existing = (await target())[kind]?.find((r) => r.rule_id === rule.rule_id)
            if (!existing) return { status: 'skipped', reason: 'the new server has no such default rule' }
            if (existing.enabled === rule.enabled) return { status: 'unchanged' }
            await client.putPushRuleAttribute(kind, rule.rule_id, 'enabled', rule.enabled)
            existing.enabled = rule.enabled
            return { status: 'applied' }
          },
        }
        continue
      }
      const after = previous
      yield {
        subject,
        key,
        run: async () => {
          const rules = await target()
          const existing = rules[kind]?.find((r) => r.rule_id === rule.rule_id)
          if (existing && sameRule(existing, rule)) return { status: 'unchanged' }
          const anchored = after !== undefined && rules[kind]?.some((r) => r.rule_id === after)
          await client.putPushRule(kind, rule, anchored ? { after } : {})
          if (!rule.enabled) await client.putPushRuleAttribute(kind, rule.rule_id, 'enabled', false)
          if (!existing) (rules[kind] ??= []).push({ ...rule, default: false })
          return { status: 'applied' }
        },
      }
      previous = rule.rule_id
    }
  }
}

/** The steps of `profile`: the display name, then the avatar (uploaded from the archive's bytes). */
export async function* profileSteps(run: StepRun, client: MatrixClient, me: string): AsyncIterable<ReplayStep> {
  const { archive } = run
  const profile = archive.has('profile.json') ? await archive.readJson<ProfileRecord>('profile.json') : null
  if (!profile) return
  let current: ProfileResponse | undefined
  const target = async (): Promise<ProfileResponse> => (current ??= await client.profile(me).catch((error: unknown): ProfileResponse => {
      if (isMatrixError(error, 404)) return {}
      throw error
    }))
  const name = profile.displayName
  if (name) {
    yield {
      subject: `display name "${name}"`,
      key: 'displayname',
      run: async () => {
        if ((await target()).displayname === name) return { status: 'unchanged' }
        await client.setProfileField(me, 'displayname', name)
        return { status: 'applied' }
      },
    }
  }
  const avatar = profile.avatar
  if (avatar?.sha256) {
    yield {
      subject: 'avatar',
      key: 'avatar_url',
      run: async (): Promise<StepOutcome> => {
        const member = mediaMember(avatar.sha256)
        if (!archive.has(member)) return { status: 'skipped', reason: 'the avatar is not in the archive' }
        const chunks: Buffer[] = []
        for await (const chunk of await archive.openMember(member)) chunks.push(chunk as Buffer)
        const mxc = await client.upload(Buffer.concat(chunks), avatar.mime ?? 'application/octet-stream', 'avatar')
        await client.setProfileField(me, 'avatar_url', mxc)
        return { status: 'applied', targetId: mxc }
      },
    }
  }
}
