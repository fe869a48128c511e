// Images as an AT Protocol post may embed them: at most 1,000,000 bytes (app.bsky.embed.images `maxSize`), with
// their dimensions for `aspectRatio`. An image within the limit is uploaded byte for byte; a larger one (or one in a
// format browsers do not show: HEIC, TIFF, BMP) is re-encoded with sharp (libvips) as JPEG, its EXIF orientation
// applied, at most 2000 px on its longer side (what Bluesky's app uploads), stepping quality and size down until it
// fits. The same input always gives the same output, so a rerun uploads the same blob.
import sharp, { type Metadata } from 'sharp'
import { MAX_IMAGE_BYTES } from './posts-map.js'

export interface PreparedImage {
  bytes: Buffer
  mime: string
  width?: number
  height?: number
  /** The bytes were re-encoded to fit. */
  downscaled: boolean
}

const PASS_THROUGH = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif'])
const MAX_SIDE = 2000

export async function prepareImage(bytes: Buffer, mime: string | undefined, maxBytes = MAX_IMAGE_BYTES): Promise<PreparedImage> {
  let meta: Metadata | null = null
  try {
    meta = await sharp(bytes).metadata()
  } catch {
    // Not an image libvips can read: uploaded as it is when it fits, else refused by the caller.
  }
  const rotated = meta?.orientation !== undefined && meta.orientation >= 5
  const width = rotated ? meta?.height : meta?.width
  const height = rotated ? meta?.width : meta?.height
  if (bytes.length <= maxBytes && (PASS_THROUGH.has(mime ?? '') || !meta)) {
    return { bytes, mime: mime ?? 'application/octet-stream', width, height, downscaled: false }
  }
  if (!meta) throw new Error(`the image is ${bytes.length} bytes, over the ${maxBytes}-byte limit, and not in a format that can be downscaled`)
  let side = Math.min(MAX_SIDE, Math.max(width ?? MAX_SIDE, height ?? MAX_SIDE))
  for (let attempt = 0; attempt < 12; attempt++) {
    const quality = Math.max(50, 85 - attempt * 10)
    const out = await sharp(bytes)
      .rotate()
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality, mozjpeg: true })
      .toBuffer({ resolveWithObject: true })
    if (out.data.length <= maxBytes) return { bytes: out.data, mime: 'image/jpeg', width: out.info.width, height: out.info.height, downscaled: true }
    if (quality === 50) side = Math.max(64, Math.floor(side * 0.75))
  }
  throw new Error(`the image could not be brought under ${maxBytes} bytes`)
}
