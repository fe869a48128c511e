// Drive packing as misskey packages/backend/src/core/entities/DriveFileEntityService.ts / DriveFolderEntityService.ts.
// Lists and note attachments carry `folder: null, user: null` (drive_files__root-limit100.json, notes_show__two-files);
// drive/files/show adds the detailed folder and the owner (drive_files_show__in-folder-jpeg.json). `url` is absolute
// from the configured URL; `thumbnailUrl` exists for images only (drive_stream__after-exports-limit100.json).
import type { Instance } from './instance.js'
import { idToIso } from './ids.js'
import { packUserLite } from './pack-user.js'
import type { DriveFileRecord, DriveFolderRecord } from './state.js'

export function fileUrlOf(inst: Instance, file: DriveFileRecord): string {
  return `${inst.config.url}/files/${file.accessKey}`
}

export function packDriveFolder(inst: Instance, folder: DriveFolderRecord, detail = false): Record<string, unknown> {
  const packed: Record<string, unknown> = {
    id: folder.id,
    createdAt: idToIso(folder.id),
    name: folder.name,
    parentId: folder.parentId,
  }
  if (detail) {
    packed.foldersCount = [...inst.state.folders.values()].filter((f) => f.parentId === folder.id).length
    packed.filesCount = [...inst.state.files.values()].filter((f) => f.folderId === folder.id).length
  }
  return packed
}

export function packDriveFile(
  inst: Instance,
  file: DriveFileRecord,
  opts: { detail?: boolean; withUser?: boolean } = {},
): Record<string, unknown> {
  const folder = opts.detail && file.folderId != null ? inst.state.folders.get(file.folderId) : undefined
  const owner = opts.withUser ? inst.state.users.get(file.userId) : undefined
  return {
    id: file.id,
    createdAt: idToIso(file.id),
    name: file.name,
    type: file.type,
    md5: file.md5,
    size: file.size,
    isSensitive: file.isSensitive,
    blurhash: file.blurhash,
    properties: file.properties,
    url: fileUrlOf(inst, file),
    thumbnailUrl: file.thumbnailAccessKey == null ? null : `${inst.config.url}/files/thumbnail-${file.thumbnailAccessKey}`,
    comment: file.comment,
    folderId: file.folderId,
    folder: folder == null ? null : packDriveFolder(inst, folder, true),
    userId: file.userId,
    user: owner == null ? null : packUserLite(inst, owner),
  }
}
