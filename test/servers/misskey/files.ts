// Drive file downloads at `/files/<accessKey>` as misskey packages/backend/src/server/FileServerService.ts serves them,
// per files/*.json: no token needed (sensitive files too); content-type is the file's type when browser-safe, else
// application/octet-stream (files/GET__export-notes.json); `cache-control: max-age=31536000, immutable`;
// `content-disposition: inline; filename="…"`; HEAD; `Range: bytes=a-b` → 206 with content-range and accept-ranges;
// `?download=1` → 301 to the bare path; unknown key → 404 Fastify body with `cache-control: max-age=86400`;
// `/files/thumbnail-<key>` → image/webp named `<base>-thumb.webp` (a 1×1 placeholder image here, not a real render).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Instance } from './instance.js'
import type { DriveFileRecord } from './state.js'

const CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"

/** upstream const.ts FILE_TYPE_BROWSERSAFE (the common part). */
const BROWSER_SAFE = new Set([
  'image/png', 'image/gif', 'image/jpeg', 'image/webp', 'image/avif', 'image/apng', 'image/bmp', 'image/tiff', 'image/x-icon',
  'audio/opus', 'video/ogg', 'audio/ogg', 'application/ogg', 'video/quicktime', 'video/mp4', 'audio/mp4', 'video/x-m4v',
  'audio/x-m4a', 'video/3gpp', 'video/3gpp2', 'video/mpeg', 'audio/mpeg', 'video/webm', 'audio/webm', 'audio/aac',
  'audio/x-flac', 'audio/flac', 'audio/vnd.wave',
])

/** A valid 1×1 lossless WebP. */
const WEBP_PLACEHOLDER = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64')

function disposition(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !name.includes('"')) return `inline; filename="${name}"`
  const fallback = name.replace(/[^\x20-\x7e]|"/g, '?')
  return `inline; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

function notFound(req: IncomingMessage, res: ServerResponse, path: string): void {
  const body = JSON.stringify({ message: `Route ${req.method}:${path} not found`, error: 'Not Found', statusCode: 404 })
  res.writeHead(404, {
    'content-security-policy': CSP,
    'cache-control': 'max-age=86400',
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}

function findByKey(inst: Instance, key: string): { file: DriveFileRecord; thumbnail: boolean } | undefined {
  const thumbnail = key.startsWith('thumbnail-')
  const wanted = thumbnail ? key.slice('thumbnail-'.length) : key
  for (const file of inst.state.files.values()) {
    if (thumbnail ? file.thumbnailAccessKey === wanted : file.accessKey === wanted) return { file, thumbnail }
  }
  return undefined
}

/** Bytes of a drive file by its public URL, for the avatar media proxy. */
export function fileByUrl(inst: Instance, url: string): DriveFileRecord | undefined {
  const prefix = `${inst.config.url}/files/`
  return url.startsWith(prefix) ? findByKey(inst, url.slice(prefix.length))?.file : undefined
}

export function serveFile(inst: Instance, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const key = decodeURIComponent(url.pathname.slice('/files/'.length))
  const found = findByKey(inst, key)
  if (found == null) return notFound(req, res, url.pathname + url.search)
  if (url.searchParams.has('download')) {
    res.writeHead(301, { 'content-security-policy': CSP, location: url.pathname, 'content-length': 0 })
    return void res.end()
  }
  const { file, thumbnail } = found
  const bytes = thumbnail ? WEBP_PLACEHOLDER : file.bytes
  const headers: Record<string, string | number> = {
    'content-security-policy': CSP,
    'content-type': thumbnail ? 'image/webp' : BROWSER_SAFE.has(file.type) ? file.type : 'application/octet-stream',
    'cache-control': 'max-age=31536000, immutable',
    'content-disposition': disposition(thumbnail ? `${file.name.replace(/\.[^.]*$/, '')}-thumb.webp` : file.name),
  }
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
  if (range != null && !thumbnail && (range[1] !== '' || range[2] !== '')) {
    const size = bytes.length
    const start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1])
    const end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1)
    if (start > end || start >= size) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` })
      return void res.end()
    }
    const part = bytes.subarray(start, end + 1)
    res.writeHead(206, { ...headers, 'content-length': part.length, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' })
    return void res.end(req.method === 'HEAD' ? undefined : part)
  }
  res.writeHead(200, { ...headers, 'content-length': bytes.length })
  res.end(req.method === 'HEAD' ? undefined : bytes)
}
