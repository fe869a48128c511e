/**
 * Media: upload, authenticated download (spec v1.11, MSC3916, `authed-content-repo.yaml`) and the legacy
 * unauthenticated download (`content-repo.yaml`, deprecated), with the "freeze": media uploaded after it
 * is served only by the authenticated endpoints, the legacy ones answer 404 `M_NOT_FOUND`
 * (matrix.org/blog/2024/06/26/sunsetting-unauthenticated-media).
 */
import { MatrixError, notFound } from './errors.js'
import { CLIENT_V1, MEDIA, json, type Ctx, type Reply, type Router } from './router.js'
import { randomString, type Media, type ServerState } from './state.js'

export function registerMediaRoutes(router: Router, state: ServerState): void {
  // spec: `POST /_matrix/media/v3/upload?filename=` (fixtures 010, 024, 026).
  router.add('POST', MEDIA, '/upload', (ctx) => {
    if (ctx.body.length > state.maxUploadBytes) throw new MatrixError(413, 'M_TOO_LARGE', 'Upload request body is too large')
    const media = storeMedia(state, {
      bytes: ctx.body,
      contentType: ctx.headers['content-type'] ?? 'application/octet-stream',
      fileName: ctx.query.get('filename') ?? undefined,
      frozen: state.freezeNewMedia,
      uploader: ctx.session.userId,
    })
    return json({ content_uri: `mxc://${state.serverName}/${media.mediaId}` })
  })

  const config = (): Reply => json({ 'm.upload.size': state.maxUploadBytes })
  router.add('GET', MEDIA, '/config', config)

  // Legacy download and thumbnail: no token needed (fixture 138). Thumbnails are the original bytes,
  // as Synapse returned for small images (fixture 140).
  for (const kind of ['download', 'thumbnail']) {
    const legacy = (ctx: Ctx): Reply => serve(state, ctx, true)
    router.add('GET', MEDIA, `/${kind}/:serverName/:mediaId`, legacy, 'none')
    router.add('GET', MEDIA, `/${kind}/:serverName/:mediaId/:fileName`, legacy, 'none')
  }

  // Synapse 1.67 predates authenticated media: /_matrix/client/v1/media/* is an unknown endpoint there
  // (fixtures 136, 141, 146: 400 M_UNRECOGNIZED), so those routes exist only in spec mode.
  if (state.synapse) return
  router.add('GET', CLIENT_V1, '/media/config', config)
  for (const kind of ['download', 'thumbnail']) {
    const authed = (ctx: Ctx): Reply => serve(state, ctx, false)
    router.add('GET', CLIENT_V1, `/media/${kind}/:serverName/:mediaId`, authed)
    router.add('GET', CLIENT_V1, `/media/${kind}/:serverName/:mediaId/:fileName`, authed)
  }
}

export function storeMedia(state: ServerState, input: Omit<Media, 'mediaId'> & { mediaId?: string }): Media {
  const media: Media = { ...input, mediaId: input.mediaId ?? randomString(24) }
  state.media.set(media.mediaId, media)
  return media
}

function serve(state: ServerState, ctx: Ctx, legacy: boolean): Reply {
  const { serverName, mediaId, fileName } = ctx.params as Record<string, string | undefined>
  const media = serverName === state.serverName ? state.media.get(mediaId!) : undefined
  // Synapse's wording for a missing local media ID (fixture 148).
  if (!media || (legacy && media.frozen)) throw notFound(`Not found [b'${serverName}', b'${mediaId}']`)
  const name = fileName ?? media.fileName
  const headers: Record<string, string> = {
    'Content-Type': media.contentType,
    'Content-Length': String(media.bytes.length),
    'Cache-Control': 'public,max-age=86400,s-maxage=86400',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'Content-Security-Policy': "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';",
  }
  // spec v1.11: Content-Disposition is `inline` or `attachment` with the file name (fixture 137 shape).
  if (name !== undefined) headers['Content-Disposition'] = `inline; filename${/^[\x20-\x7e]*$/.test(name) ? `=${name}` : `*=utf-8''${encodeURIComponent(name)}`}`
  else headers['Content-Disposition'] = 'inline'
  return { status: 200, bytes: media.bytes, headers }
}
