// Stored files: media originals at Paperclip paths (mastodon `config/initializers/paperclip.rb`:
// `/system/media_attachments/files/<id_partition>/original/<16 hex>.<ext>`, the `small` preview at the same path
// under `/small/`), avatars and headers under `/system/accounts/{avatars,headers}/…`, and Mastodon's
// `missing.png` placeholders for accounts without them.

import { createHash } from 'node:crypto'
import { idPartition } from './ids.js'
import type { MastodonStore } from './store.js'

/** A valid 1×1 transparent PNG, served when a test supplies no bytes. */
export const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
)

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
}

export function extensionFor(contentType: string): string {
  return EXTENSIONS[contentType] ?? 'bin'
}

/** Paperclip's random file name, made deterministic from the record id. */
function fileName(id: bigint, contentType: string): string {
  return `${createHash('sha256').update(id.toString()).digest('hex').slice(0, 16)}.${extensionFor(contentType)}`
}

export function storeMediaFile(store: MastodonStore, id: bigint, bytes: Uint8Array, contentType: string): string {
  const path = `/system/media_attachments/files/${idPartition(id)}/original/${fileName(id, contentType)}`
  store.files.set(path, { bytes, contentType })
  store.files.set(path.replace('/original/', '/small/'), { bytes, contentType })
  return path
}

export function storeProfileImage(store: MastodonStore, kind: 'avatars' | 'headers', accountId: bigint, bytes: Uint8Array, contentType: string): string {
  const path = `/system/accounts/${kind}/${idPartition(accountId)}/original/${fileName(accountId, contentType)}`
  store.files.set(path, { bytes, contentType })
  return path
}

export function registerPlaceholders(store: MastodonStore): void {
  store.files.set('/avatars/original/missing.png', { bytes: ONE_PIXEL_PNG, contentType: 'image/png' })
  store.files.set('/headers/original/missing.png', { bytes: ONE_PIXEL_PNG, contentType: 'image/png' })
}
