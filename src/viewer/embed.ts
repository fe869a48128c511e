// The viewer inside every new archive (docs/archive-format.md §2 "viewer members"): index.html, viewer/app.js,
// viewer/app.css and viewer/data/*.js, built from the records just staged. Media are not copied: the page points at
// the archive's own media/ab/<sha256> members, so an unzipped archive opens by double-clicking index.html.
import { createReadStream } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { mediaMember, type RecordKind } from '../archive/format.js'
import type { Manifest, ProfileRecord } from '../archive/records.js'
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../files/atomic-file.js'
import { viewerFiles } from './files.js'
import { project } from './project.js'
import { readJsonl } from './sources.js'

export interface StagedViewerFile {
  member: string
  path: string
  sha256: string
  size: number
  crc32: number
}

export interface EmbedInput {
  source: Manifest['source']
  /** Staged path of each kind's JSON Lines file. */
  kindPaths: Map<RecordKind, string>
  profilePath: string | null
  /** sha256 of every media member the archive will hold. */
  media: Set<string>
  postCount: number
  maxPosts?: number
  /** Empty folder to write the viewer files into. */
  dir: string
}

/**
 * Above this many posts the viewer is not embedded (the writer notes it in the manifest): the projection is sorted in
 * memory, and an export must stay within a small server's memory. `lifeboat view` has no such limit.
 */
export const EMBED_MAX_POSTS = 250_000

export async function stageViewer(input: EmbedInput): Promise<StagedViewerFile[]> {
  const max = input.maxPosts ?? EMBED_MAX_POSTS
  if (input.postCount > max) throw new Error(`${input.postCount} posts (more than ${max}); run \`lifeboat view\` on the archive instead`)
  const projection = await project([
    {
      source: input.source,
      async *records(kind) {
        const path = input.kindPaths.get(kind)
        if (path) yield* readJsonl(createReadStream(path), path)
      },
      profile: async () => (input.profilePath ? (JSON.parse(await readFile(input.profilePath, 'utf8')) as ProfileRecord) : null),
      mediaUrl: (sha256) => (input.media.has(sha256) ? mediaMember(sha256) : null),
    },
  ])
  await mkdir(input.dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  const staged: StagedViewerFile[] = []
  let n = 0
  for await (const file of viewerFiles(projection)) {
    const path = join(input.dir, String(n++))
    await writeFile(path, file.data, { mode: PRIVATE_FILE_MODE })
    staged.push({ member: file.name, path, sha256: createHash('sha256').update(file.data).digest('hex'), size: file.data.length, crc32: crc32(file.data) })
  }
  return staged
}
