// `lifeboat view --serve`: a read-only static server for a built site, on 127.0.0.1 only, at a port the system picks.
// It serves regular files under the site folder and nothing else (no listing, no dot files, no symbolic links).
import { createServer, type Server } from 'node:http'
import { createReadStream } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { once } from 'node:events'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
}

export interface SiteServer {
  url: string
  close(): Promise<void>
}

export async function serveSite(root: string): Promise<SiteServer> {
  const base = resolve(root)
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end()
        return
      }
      let path: string
      try {
        path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
      } catch {
        res.writeHead(400).end()
        return
      }
      if (path.endsWith('/')) path += 'index.html'
      const file = resolve(join(base, path))
      const info = file.startsWith(base + sep) && !path.split('/').some((s) => s.startsWith('.')) ? await lstat(file).catch(() => null) : null
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
        return
      }
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
        'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      })
      if (req.method === 'HEAD') res.end()
      else createReadStream(file).pipe(res)
    })().catch(() => res.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
