// drive/files, drive/stream, drive/folders, drive/files/show, drive/folders/show, drive/files/attached-notes,
// drive/files/create. Sources: drive_files__*.json (root folder only without folderId; sort '+name' is name
// DESCENDING, as upstream's switch does), drive_stream__*.json (every file), drive_folders__*.json,
// drive_files_show__*.json (other user's file → ACCESS_DENIED 25b73c73-…, unknown → NO_SUCH_FILE),
// drive_files_attached-notes__alt-text-jpeg.json, setup/004-007 drive_files_create (multipart upload).
import type { CallContext, EndpointDef } from '../endpoint.js'
import { me, str } from '../endpoint.js'
import { ApiError } from '../errors.js'
import { createDriveFile } from '../ops.js'
import { packDriveFile, packDriveFolder } from '../pack-drive.js'
import { isVisibleFor, packNote } from '../pack-note.js'
import { pageParams, paginate } from '../paginate.js'
import type { DriveFileRecord } from '../state.js'
import { pagingProps } from '../validate.js'

const E = {
  noSuchFile: { message: 'No such file.', code: 'NO_SUCH_FILE', id: '067bc436-2718-4795-b0fb-ecbe43949e31' },
  accessDenied: { message: 'Access denied.', code: 'ACCESS_DENIED', id: '25b73c73-68b1-41d0-bad1-381cfdf6579f' },
  attachedNoSuchFile: { message: 'No such file.', code: 'NO_SUCH_FILE', id: 'c118ece3-2e4b-4296-99d1-51756e32d232' },
  noSuchFolder: { message: 'No such folder.', code: 'NO_SUCH_FOLDER', id: 'd74ab9eb-bb09-4bba-bf24-fb58f761e1e9' },
  createNoSuchFolder: { message: 'No such folder.', code: 'NO_SUCH_FOLDER', id: 'ea8fb7a5-af77-4a08-b608-c0218176cd73' },
}

const SORTS: Record<string, (a: DriveFileRecord, b: DriveFileRecord) => number> = {
  '+createdAt': (a, b) => (a.id < b.id ? 1 : -1),
  '-createdAt': (a, b) => (a.id < b.id ? -1 : 1),
  '+name': (a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  '-name': (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  '+size': (a, b) => b.size - a.size,
  '-size': (a, b) => a.size - b.size,
}

function listFiles(ctx: CallContext, inFolderOnly: boolean): unknown[] {
  const user = me(ctx)
  const folderId = str(ctx.ps, 'folderId') ?? null
  const type = str(ctx.ps, 'type')
  const typeRe = type == null ? undefined : new RegExp(`^${type.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`)
  const rows = [...ctx.inst.state.files.values()].filter(
    (f) => f.userId === user.id && (!inFolderOnly || f.folderId === folderId) && (typeRe == null || typeRe.test(f.type)),
  )
  const params = pageParams(ctx.ps)
  const sort = str(ctx.ps, 'sort')
  let page = paginate(rows, sort == null ? params : { ...params, limit: Number.MAX_SAFE_INTEGER }, (f) => f.id)
  if (sort != null && SORTS[sort] != null) page = page.sort(SORTS[sort]).slice(0, params.limit)
  return page.map((f) => packDriveFile(ctx.inst, f))
}

function ownFile(ctx: CallContext, notFound = E.noSuchFile): DriveFileRecord {
  const file = ctx.inst.state.files.get(str(ctx.ps, 'fileId') ?? '')
  if (file == null) throw new ApiError(notFound)
  if (file.userId !== me(ctx).id) throw new ApiError(E.accessDenied)
  return file
}

export const driveEndpoints: EndpointDef[] = [
  {
    name: 'drive/files',
    requireCredential: true,
    kind: 'read:drive',
    params: {
      properties: {
        ...pagingProps(10),
        folderId: { type: 'string', nullable: true },
        type: { type: 'string', nullable: true },
        sort: { type: 'string', nullable: true, enum: [...Object.keys(SORTS), null] },
      },
    },
    exec: (ctx) => listFiles(ctx, true),
  },
  {
    name: 'drive/stream',
    requireCredential: true,
    kind: 'read:drive',
    params: { properties: { ...pagingProps(10), type: { type: 'string' } } },
    exec: (ctx) => listFiles(ctx, false),
  },
  {
    name: 'drive/folders',
    requireCredential: true,
    kind: 'read:drive',
    params: { properties: { ...pagingProps(10), folderId: { type: 'string', nullable: true } } },
    exec(ctx) {
      const parentId = str(ctx.ps, 'folderId') ?? null
      const rows = [...ctx.inst.state.folders.values()].filter((f) => f.userId === me(ctx).id && f.parentId === parentId)
      return paginate(rows, pageParams(ctx.ps), (f) => f.id).map((f) => packDriveFolder(ctx.inst, f))
    },
  },
  {
    name: 'drive/files/show',
    requireCredential: true,
    kind: 'read:drive',
    params: { properties: { fileId: { type: 'string' }, url: { type: 'string' } } },
    exec(ctx) {
      const url = str(ctx.ps, 'url')
      if (url != null && str(ctx.ps, 'fileId') == null) {
        const byUrl = [...ctx.inst.state.files.values()].find((f) => `${ctx.inst.config.url}/files/${f.accessKey}` === url)
        ctx.ps.fileId = byUrl?.id
      }
      return packDriveFile(ctx.inst, ownFile(ctx), { detail: true, withUser: true })
    },
  },
  {
    name: 'drive/folders/show',
    requireCredential: true,
    kind: 'read:drive',
    params: { properties: { folderId: { type: 'string' } }, required: ['folderId'] },
    exec(ctx) {
      const folder = ctx.inst.state.folders.get(str(ctx.ps, 'folderId')!)
      if (folder == null || folder.userId !== me(ctx).id) throw new ApiError(E.noSuchFolder)
      return packDriveFolder(ctx.inst, folder, true)
    },
  },
  {
    name: 'drive/files/attached-notes',
    requireCredential: true,
    kind: 'read:drive',
    params: { properties: { fileId: { type: 'string' }, ...pagingProps(10) }, required: ['fileId'] },
    exec(ctx) {
      const file = ownFile(ctx, E.attachedNoSuchFile)
      const rows = [...ctx.inst.state.notes.values()].filter((n) => n.fileIds.includes(file.id) && isVisibleFor(ctx.inst, n, ctx.me))
      return paginate(rows, pageParams(ctx.ps), (n) => n.id).map((n) => packNote(ctx.inst, n, ctx.me))
    },
  },
  {
    // Multipart: the server turns the form into {fields..., file} and casts 'true'/'false' (upstream ApiCallService).
    name: 'drive/files/create',
    requireCredential: true,
    prohibitMoved: true,
    kind: 'write:drive',
    params: {
      properties: {
        folderId: { type: 'string', nullable: true },
        name: { type: 'string', nullable: true },
        comment: { type: 'string', nullable: true, maxLength: 512 },
        isSensitive: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
      },
    },
    exec(ctx) {
      const upload = ctx.ps.file as { name: string; type: string; bytes: Buffer } | undefined
      if (upload == null) throw new ApiError({ message: 'File required.', code: 'FILE_REQUIRED', id: '4267801e-70d1-416a-b011-4ee502885d8b' })
      const folderId = str(ctx.ps, 'folderId') ?? null
      if (folderId != null && ctx.inst.state.folders.get(folderId)?.userId !== me(ctx).id) throw new ApiError(E.createNoSuchFolder)
      const file = createDriveFile(ctx.inst, me(ctx), {
        name: str(ctx.ps, 'name') ?? upload.name,
        bytes: upload.bytes,
        type: upload.type || 'application/octet-stream',
        comment: str(ctx.ps, 'comment') ?? null,
        isSensitive: ctx.ps.isSensitive === true,
        folderId,
      })
      return packDriveFile(ctx.inst, file, { detail: true, withUser: true })
    },
  },
]
