// Which media an event refers to (pure). Message and sticker content (`url`, `file` for encrypted attachments,
// `info.thumbnail_url` / `info.thumbnail_file`), the same inside an edit's `m.new_content`, and room avatars.
// Member events' `avatar_url` (other people's profile pictures) are left out: they are not the room's history and
// would mean one download per member of every large room.
// Spec: https://spec.matrix.org/v1.11/client-server-api/#mroommessage-msgtypes, #sending-encrypted-attachments.
import type { ClientEvent, EncryptedFile } from './api.js'

export interface MediaRef {
  mxc: string
  /** Present for encrypted attachments: the key, IV and ciphertext hash to decrypt and check the bytes. */
  encrypted?: EncryptedFile
  mime?: string
  name?: string
  alt?: string
}

const MXC_RE = /^mxc:\/\/([^/?#]+)\/([^/?#]+)$/

export function parseMxc(mxc: string): { server: string; mediaId: string } | null {
  const m = MXC_RE.exec(mxc)
  return m ? { server: m[1]!, mediaId: m[2]! } : null
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function encryptedFile(value: unknown): EncryptedFile | undefined {
  const file = record(value)
  if (!file || typeof file.url !== 'string' || typeof file.iv !== 'string') return undefined
  const key = record(file.key)
  if (!key || typeof key.k !== 'string') return undefined
  return file as unknown as EncryptedFile
}

function fromContent(content: Record<string, unknown>, out: MediaRef[]): void {
  const info = record(content.info)
  const mime = str(info?.mimetype)
  const body = str(content.body)
  const fileName = str(content.filename) ?? (content.msgtype === 'm.file' ? body : undefined)
  const alt = content.msgtype === 'm.image' || content.msgtype === 'm.video' ? body : undefined
  const main = str(content.url)
  if (main) out.push({ mxc: main, mime, name: fileName ?? body, alt })
  const file = encryptedFile(content.file)
  if (file) out.push({ mxc: file.url, encrypted: file, mime, name: fileName ?? body, alt })
  const thumbInfo = record(info?.thumbnail_info)
  const thumb = str(info?.thumbnail_url)
  if (thumb) out.push({ mxc: thumb, mime: str(thumbInfo?.mimetype) })
  const thumbFile = encryptedFile(info?.thumbnail_file)
  if (thumbFile) out.push({ mxc: thumbFile.url, encrypted: thumbFile, mime: str(thumbInfo?.mimetype) })
}

/** Media of one event, from its clear form when it was decrypted; each mxc once, valid `mxc://` URIs only. */
export function mediaRefs(event: ClientEvent, decrypted: Record<string, unknown> | null): MediaRef[] {
  const source = decrypted ?? event
  const type = str(source.type)
  const content = record(source.content)
  if (!content || type === 'm.room.member') return []
  const out: MediaRef[] = []
  if (type === 'm.room.avatar') {
    const url = str(content.url)
    if (url) out.push({ mxc: url, mime: str(record(content.info)?.mimetype), name: 'room avatar' })
  } else {
    fromContent(content, out)
    const edited = record(content['m.new_content'])
    if (edited) fromContent(edited, out)
  }
  const seen = new Set<string>()
  return out.filter((ref) => parseMxc(ref.mxc) !== null && !seen.has(ref.mxc) && seen.add(ref.mxc))
}
