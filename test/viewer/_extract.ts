// Unzips a Lifeboat archive into a folder, as a person double-clicking the zip would (members only, via the reader).
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { ArchiveReader } from '../../src/archive/reader.js'

export async function extractArchive(archive: string, dir: string): Promise<void> {
  const reader = await ArchiveReader.open(archive)
  try {
    for (const name of [...reader.members.keys(), 'manifest.json']) {
      const chunks: Buffer[] = []
      if (name === 'manifest.json') chunks.push(Buffer.from(JSON.stringify(reader.manifest)))
      else for await (const chunk of await reader.openMember(name)) chunks.push(chunk as Buffer)
      const path = join(dir, ...name.split('/'))
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, Buffer.concat(chunks))
    }
  } finally {
    reader.close()
  }
}
