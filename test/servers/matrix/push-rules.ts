/**
 * Push rules (spec: client-server-api "Push Rules", `data/api/client-server/pushrules.yaml`).
 * The default ruleset is the one Synapse 1.67.0 returned in `m.push_rules` (fixture 103), with the
 * user's ID in `.m.rule.invite_for_me`.
 */

export type PushRuleKind = 'override' | 'content' | 'room' | 'sender' | 'underride'
export const PUSH_RULE_KINDS: PushRuleKind[] = ['override', 'content', 'room', 'sender', 'underride']

export interface PushRule {
  rule_id: string
  default: boolean
  enabled: boolean
  actions: unknown[]
  conditions?: Record<string, unknown>[]
  pattern?: string
}

export type PushRuleset = Record<PushRuleKind, PushRule[]>

function match(key: string, pattern: string): Record<string, unknown> {
  return { kind: 'event_match', key, pattern }
}

function rule(rule_id: string, conditions: Record<string, unknown>[], actions: unknown[], enabled = true): PushRule {
  return { conditions, actions, rule_id, default: true, enabled }
}

const SOUND_DEFAULT = { set_tweak: 'sound', value: 'default' }
const NO_HIGHLIGHT = { set_tweak: 'highlight', value: false }

export function defaultPushRules(userId: string): PushRuleset {
  return {
    override: [
      rule('.m.rule.master', [], ['dont_notify'], false),
      rule('.m.rule.suppress_notices', [match('content.msgtype', 'm.notice')], ['dont_notify']),
      rule(
        '.m.rule.invite_for_me',
        [match('type', 'm.room.member'), match('content.membership', 'invite'), match('state_key', userId)],
        ['notify', SOUND_DEFAULT, NO_HIGHLIGHT],
      ),
      rule('.m.rule.member_event', [match('type', 'm.room.member')], ['dont_notify']),
      rule('.m.rule.contains_display_name', [{ kind: 'contains_display_name' }], [
        'notify',
        SOUND_DEFAULT,
        { set_tweak: 'highlight' },
      ]),
      rule(
        '.m.rule.roomnotif',
        [match('content.body', '@room'), { kind: 'sender_notification_permission', key: 'room' }],
        ['notify', { set_tweak: 'highlight', value: true }],
      ),
      rule('.m.rule.tombstone', [match('type', 'm.room.tombstone'), match('state_key', '')], [
        'notify',
        { set_tweak: 'highlight', value: true },
      ]),
      rule('.m.rule.reaction', [match('type', 'm.reaction')], ['dont_notify']),
    ],
    content: [],
    room: [],
    sender: [],
    underride: [
      rule('.m.rule.call', [match('type', 'm.call.invite')], [
        'notify',
        { set_tweak: 'sound', value: 'ring' },
        NO_HIGHLIGHT,
      ]),
      rule(
        '.m.rule.room_one_to_one',
        [{ kind: 'room_member_count', is: '2' }, match('type', 'm.room.message')],
        ['notify', SOUND_DEFAULT, NO_HIGHLIGHT],
      ),
      rule(
        '.m.rule.encrypted_room_one_to_one',
        [{ kind: 'room_member_count', is: '2' }, match('type', 'm.room.encrypted')],
        ['notify', SOUND_DEFAULT, NO_HIGHLIGHT],
      ),
      rule('.m.rule.message', [match('type', 'm.room.message')], ['notify', NO_HIGHLIGHT]),
      rule('.m.rule.encrypted', [match('type', 'm.room.encrypted')], ['notify', NO_HIGHLIGHT]),
      rule(
        '.im.vector.jitsi',
        [match('type', 'im.vector.modular.widgets'), match('content.type', 'jitsi'), match('state_key', '*')],
        ['notify', NO_HIGHLIGHT],
      ),
    ],
  }
}

export function isPushRuleKind(kind: string): kind is PushRuleKind {
  return (PUSH_RULE_KINDS as string[]).includes(kind)
}

/**
 * Inserts or replaces a user-defined rule (spec: `PUT /pushrules/global/{kind}/{ruleId}`). New rules go
 * before the server-default rules of their kind (spec: "user-defined rules ... have a higher priority
 * than server-default rules", except `.m.rule.master`, which stays first), or next to `before`/`after`.
 * Returns false when `before`/`after` names no rule of that kind (the spec's 404).
 */
export function upsertPushRule(
  set: PushRuleset,
  kind: PushRuleKind,
  newRule: PushRule,
  place: { before?: string; after?: string },
): boolean {
  const list = set[kind]
  const existing = list.findIndex((r) => r.rule_id === newRule.rule_id)
  if (existing >= 0) list.splice(existing, 1)
  let index: number
  if (place.before !== undefined || place.after !== undefined) {
    const anchor = list.findIndex((r) => r.rule_id === (place.before ?? place.after))
    if (anchor < 0) return false
    index = place.before !== undefined ? anchor : anchor + 1
  } else if (existing >= 0) {
    index = existing
  } else {
    index = list.findIndex((r) => r.default && r.rule_id !== '.m.rule.master')
    if (index < 0) index = list.length
  }
  list.splice(index, 0, newRule)
  return true
}
