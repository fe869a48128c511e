// The sample archives in fixtures/mastodon/ are what build.ts makes from sources/, byte for byte, and hold the
// members an importer expects at their archive paths.

import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { it } from 'node:test'
import { ZipReader } from '../../../src/files/zip-reader.js'
import { build, TAR_NAME, ZIP_NAME } from '../../../fixtures/mastodon/build.js'

const FIXTURES = new URL('../../../fixtures/mastodon/', import.meta.url)

function tarNames(gz: Buffer): string[] {
  const tar = gunzipSync(gz)
  const names: string[] = []
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512)
    if (header.every((b) => b === 0)) break
    names.push(header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, ''))
    const size = Number.parseInt(header.subarray(124, 135).toString('ascii'), 8)
    at += 512 + Math.ceil(size / 512) * 512
  }
  return names
}

async function zipNames(path: string): Promise<string[]> {
  const zip = await ZipReader.open(path)
  zip.close()
  return zip.entries.map((e) => e.name)
}

it('rebuilds the committed sample archives byte for byte', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mastodon-fixtures-'))
  try {
    await build(dir)
    for (const name of [ZIP_NAME, TAR_NAME]) {
      assert.deepEqual(readFileSync(join(dir, name)), readFileSync(new URL(name, FIXTURES)), `${name} is stale: run fixtures/mastodon/build.ts`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

it('lays out members as Mastodon does: outbox first in the zip, media first in the tar.gz, actor last', async () => {
  const zip = await zipNames(new URL(ZIP_NAME, FIXTURES).pathname)
  assert.deepEqual(zip, ['outbox.json', 'media_attachments/files/113/060/508/854/960/110/original/79282c872098d65d.png', 'likes.json', 'bookmarks.json', 'avatar.png', 'header.png', 'actor.json'])
  const tar = tarNames(readFileSync(new URL(TAR_NAME, FIXTURES)))
  assert.equal(tar[0], 'media_attachments/files/000/146/459/original/f59eb11efe5d8172.jpg')
  assert.deepEqual(tar.slice(2), ['outbox.json', 'likes.json', 'bookmarks.json', 'avatar.jpg', 'header.jpg', 'actor.json'])
})
