// notes/show, notes/create, notes/delete, notes/reactions, notes/reactions/create, notes/polls/vote,
// notes/favorites/create, notes/children. Sources: notes_show__*.json (200 with isHidden for invisible notes,
// 400 NO_SUCH_NOTE for deleted/unknown), setup/0xx_notes_create__*.json ({createdNote}), setup/031 notes/delete
// (204), setup/019 polls/vote (204), setup/027 reactions/create (204), setup/041 favorites/create (204),
// notes_reactions__mentions-note.json, notes_children__thread-root.json; upstream endpoints/notes/create.ts (errors).
import type { EndpointDef } from '../endpoint.js'
import { me, str } from '../endpoint.js'
import { ApiError } from '../errors.js'
import { createNote } from '../ops.js'
import { isPureRenote, isVisibleFor, packNote } from '../pack-note.js'
import { packReaction } from '../pack-misc.js'
import { pageParams, paginate } from '../paginate.js'
import type { NoteRecord, Visibility } from '../state.js'
import { pagingProps } from '../validate.js'

const noSuchNote = (id: string) => ({ message: 'No such note.', code: 'NO_SUCH_NOTE', id })
const E = {
  show: noSuchNote('24fcbfc6-2e37-42b6-8388-c29b3861a08d'),
  delete: noSuchNote('490be23f-8c1f-4796-819f-94cb4f9d1630'),
  reactions: noSuchNote('263fff3d-d0e1-4af4-bea7-8408059b451a'),
  react: noSuchNote('033d0620-5bfe-4027-965d-980b0c85a3ea'),
  vote: noSuchNote('ecafbd2e-c283-4d6d-aecb-1a0a33b75396'),
  favorite: noSuchNote('6dd26674-e060-4816-909a-45ba3f4da458'),
  accessDenied: { message: 'Access denied.', code: 'ACCESS_DENIED', id: 'fe8d7103-0ea8-4ec3-814d-f8b401dc69e9' },
  noSuchRenoteTarget: { message: 'No such renote target.', code: 'NO_SUCH_RENOTE_TARGET', id: 'b5c90186-4ab0-49c8-9bba-a1f76c282ba4' },
  noSuchReplyTarget: { message: 'No such reply target.', code: 'NO_SUCH_REPLY_TARGET', id: '749ee0f6-d3da-459a-bf02-282e2da4292c' },
  contentRequired: {
    message: 'Content required. You need to set text, fileIds, renoteId or poll.',
    code: 'CONTENT_REQUIRED',
    id: '6f57e42b-c348-439b-bc45-993995cc515a',
  },
  alreadyReacted: { message: 'You are already reacting to that note.', code: 'ALREADY_REACTED', id: '71efcf98-86d6-4e2b-b2ad-9d032369366b' },
  alreadyVoted: { message: 'You have already voted.', code: 'ALREADY_VOTED', id: '0963fc77-efac-419b-9424-b391608dc6d8' },
  alreadyFavorited: { message: 'The note has already been marked as a favorite.', code: 'ALREADY_FAVORITED', id: 'a402c12b-34dd-41d2-97d8-4d2ffd96a1a6' },
}

function noteOr(notes: Map<string, NoteRecord>, id: string | undefined, err: { message: string; code: string; id: string }): NoteRecord {
  const note = id == null ? undefined : notes.get(id)
  if (note == null) throw new ApiError(err)
  return note
}

const noteIdOnly = { properties: { noteId: { type: 'string' as const } }, required: ['noteId'] }

export const noteEndpoints: EndpointDef[] = [
  {
    name: 'notes/show',
    requireCredential: false,
    params: noteIdOnly,
    exec: (ctx) => packNote(ctx.inst, noteOr(ctx.inst.state.notes, str(ctx.ps, 'noteId'), E.show), ctx.me),
  },
  {
    name: 'notes/create',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:notes',
    params: {
      properties: {
        text: { type: 'string', nullable: true, minLength: 1, maxLength: 3000 },
        cw: { type: 'string', nullable: true, maxLength: 100 },
        visibility: { type: 'string', enum: ['public', 'home', 'followers', 'specified'], default: 'public' },
        visibleUserIds: { type: 'array', items: { type: 'string' } },
        localOnly: { type: 'boolean', default: false },
        reactionAcceptance: { type: 'string', nullable: true },
        replyId: { type: 'string', nullable: true },
        renoteId: { type: 'string', nullable: true },
        fileIds: { type: 'array', maxItems: 16, items: { type: 'string' } },
        poll: { type: 'object', nullable: true },
      },
    },
    exec(ctx) {
      const { inst, ps } = ctx
      const author = me(ctx)
      const renoteId = str(ps, 'renoteId')
      if (renoteId != null && !inst.state.notes.has(renoteId)) throw new ApiError(E.noSuchRenoteTarget)
      const replyId = str(ps, 'replyId')
      if (replyId != null && !inst.state.notes.has(replyId)) throw new ApiError(E.noSuchReplyTarget)
      const fileIds = ((ps.fileIds as string[] | undefined) ?? []).filter((id) => inst.state.files.get(id)?.userId === author.id)
      const poll = ps.poll as { choices: string[]; multiple?: boolean; expiresAt?: number | null } | null | undefined
      if (!(str(ps, 'text') || fileIds.length > 0 || renoteId != null || poll != null)) throw new ApiError(E.contentRequired)
      const note = createNote(inst, author, {
        text: str(ps, 'text') ?? null,
        cw: str(ps, 'cw') ?? null,
        visibility: ps.visibility as Visibility,
        visibleUserIds: (ps.visibleUserIds as string[] | undefined) ?? [],
        localOnly: ps.localOnly === true,
        reactionAcceptance: str(ps, 'reactionAcceptance') ?? null,
        replyId: replyId ?? null,
        renoteId: renoteId ?? null,
        fileIds,
        poll: poll ?? null,
      })
      return { createdNote: packNote(inst, note, author) }
    },
  },
  {
    name: 'notes/delete',
    requireCredential: true,
    kind: 'write:notes',
    params: noteIdOnly,
    exec(ctx) {
      const note = noteOr(ctx.inst.state.notes, str(ctx.ps, 'noteId'), E.delete)
      if (note.userId !== me(ctx).id) throw new ApiError(E.accessDenied)
      ctx.inst.state.deleteNote(note.id)
      return undefined
    },
  },
  {
    name: 'notes/reactions',
    requireCredential: false,
    params: { properties: { noteId: { type: 'string' }, type: { type: 'string', nullable: true }, ...pagingProps(10) }, required: ['noteId'] },
    exec(ctx) {
      const note = noteOr(ctx.inst.state.notes, str(ctx.ps, 'noteId'), E.reactions)
      const type = str(ctx.ps, 'type')
      const rows = (ctx.inst.state.index().reactions.get(note.id) ?? []).filter((r) => type == null || r.reaction === type)
      return paginate(rows, pageParams(ctx.ps), (r) => r.id).map((r) => packReaction(ctx.inst, r, ctx.me, false))
    },
  },
  {
    name: 'notes/reactions/create',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:reactions',
    params: { properties: { noteId: { type: 'string' }, reaction: { type: 'string' } }, required: ['noteId', 'reaction'] },
    exec(ctx) {
      const note = noteOr(ctx.inst.state.notes, str(ctx.ps, 'noteId'), E.react)
      const user = me(ctx)
      if (ctx.inst.state.index().reactions.get(note.id)?.some((r) => r.userId === user.id)) throw new ApiError(E.alreadyReacted)
      ctx.inst.state.addReaction({ id: ctx.inst.state.newId(), userId: user.id, noteId: note.id, reaction: str(ctx.ps, 'reaction')! })
      return undefined
    },
  },
  {
    name: 'notes/polls/vote',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:votes',
    params: { properties: { noteId: { type: 'string' }, choice: { type: 'integer' } }, required: ['noteId', 'choice'] },
    exec(ctx) {
      const note = noteOr(ctx.inst.state.notes, str(ctx.ps, 'noteId'), E.vote)
      const user = me(ctx)
      if (note.poll == null) throw new ApiError(E.vote)
      if (!note.poll.multiple && note.poll.votes.some((v) => v.userId === user.id)) throw new ApiError(E.alreadyVoted)
      note.poll.votes.push({ id: ctx.inst.state.newId(), userId: user.id, choice: ctx.ps.choice as number })
      return undefined
    },
  },
  {
    name: 'notes/favorites/create',
    requireCredential: true,
    kind: 'write:favorites',
    params: noteIdOnly,
    exec(ctx) {
      const note = noteOr(ctx.inst.state.notes, str(ctx.ps, 'noteId'), E.favorite)
      const user = me(ctx)
      if ([...ctx.inst.state.favorites.values()].some((f) => f.userId === user.id && f.noteId === note.id)) throw new ApiError(E.alreadyFavorited)
      const id = ctx.inst.state.newId()
      ctx.inst.state.favorites.set(id, { id, userId: user.id, noteId: note.id })
      return undefined
    },
  },
  {
    // Replies and quotes of a note, newest first (notes_children__thread-root.json).
    name: 'notes/children',
    requireCredential: false,
    params: { properties: { noteId: { type: 'string' }, ...pagingProps(10) }, required: ['noteId'] },
    exec(ctx) {
      const id = str(ctx.ps, 'noteId')!
      const rows = [...ctx.inst.state.notes.values()].filter(
        (n) => (n.replyId === id || (n.renoteId === id && !isPureRenote(n))) && isVisibleFor(ctx.inst, n, ctx.me),
      )
      return paginate(rows, pageParams(ctx.ps), (n) => n.id).map((n) => packNote(ctx.inst, n, ctx.me))
    },
  },
]
