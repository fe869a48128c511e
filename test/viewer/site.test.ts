// `lifeboat view` without a browser: what it writes and where, hostile archives, folders, reruns, --serve, and the
// viewer embedded in every new archive.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { run as view } from '../../src/commands/view.js'
import { ArchiveReader } from '../../src/archive/reader.js'
import { verifyArchive } from '../../src/archive/verify.js'
import { runCommand } from '../_util/cli.js'
import { buildRawZip } from '../_util/raw-zip.js'
import { writeSampleArchive, HOSTILE_TEXT } from './_archives.js'
import { extractArchive } from './_extract.js'
import { EMBED_MAX_POSTS, stageViewer } from '../../src/viewer/embed.js'

async function walk(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await walk(path)))
    else out.push(path)
  }
  return out
}

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')
const SITE_NAME = /^(index\.html|\.lifeboat-view|viewer\/(app\.js|app\.css|data\/(meta|posts-\d{5}|events-\d{5})\.js)|media\/[0-9a-f]{64}\.[a-z0-9]+)$/

/** A well-formed archive whose records are hostile: traversal in sha256 values, ids and MIME types. */
function hostileZip(): Buffer {
  const png = Buffer.from('89504e470d0a1a0a', 'hex')
  const good = sha(png)
  const posts = [
    { id: '../../../../outside', createdAt: '2024-01-01T00:00:00Z', text: HOSTILE_TEXT, media: [{ sha256: '../../../../etc/passwd', alt: 'x' }, { sha256: good, alt: '<b>alt</b>', mime: 'image/png' }] },
  ]
  const media = [
    // media.jsonl's own sha256 must be 64 hex digits (the record schema refuses others with exit 12): one names no member.
    { sha256: 'f'.repeat(64), size: 1, mime: 'image/png', source: {} },
    { sha256: good, size: png.length, mime: 'image/png/../../../../x', source: {} },
  ]
  const members: Record<string, Buffer> = {
    'posts.jsonl': Buffer.from(posts.map((p) => JSON.stringify(p) + '\n').join('')),
    'media.jsonl': Buffer.from(media.map((m) => JSON.stringify(m) + '\n').join('')),
    [`media/${good.slice(0, 2)}/${good}`]: png,
    'index.html': Buffer.from('<script>alert("code from the archive")</script>'),
  }
  const manifest = {
    format: 'lifeboat-archive',
    version: 1,
    tool: { name: 'lifeboat', version: '0.1.0' },
    createdAt: '2024-01-01T00:00:00Z',
    // The network itself must be one the format names (the manifest schema refuses others with exit 12).
    source: { network: 'misskey', server: 'javascript:alert(1)', account: { id: '../../who', handle: '<script>' } },
    since: null,
    counts: { posts: 1, media: 2 },
    members: Object.fromEntries(Object.entries(members).map(([name, data]) => [name, { sha256: sha(data), size: data.length }])),
    notes: [],
  }
  return buildRawZip([...Object.entries(members).map(([name, data]) => ({ name, data })), { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }])
}

describe('lifeboat view (site)', () => {
  let dir: string
  let archive: string

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-view-'))
    archive = join(dir, 'alice.zip')
    await writeSampleArchive(archive)
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('writes the page, chunked data and media under extension-bearing names, all inside -o', async () => {
    const out = join(dir, 'site')
    const run = await runCommand({}, (cli) => view([archive], { output: out }, cli))
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.value!.posts, 12)
    assert.equal(run.value!.media, 3)
    const files = (await walk(out)).map((f) => relative(out, f))
    for (const file of files) assert.match(file, SITE_NAME)
    assert.equal(files.filter((f) => f.startsWith('media/') && f.endsWith('.png')).length, 3)
    const html = await readFile(join(out, 'index.html'), 'utf8')
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; script-src 'self';/)
    assert.match(html, /connect-src 'none'/)
    // Data files hand JSON to the page; markup in post text is escaped even there.
    const chunk = await readFile(join(out, 'viewer/data/posts-00000.js'), 'utf8')
    assert.match(chunk, /^LIFEBOAT\.chunk\("p",0,\[/)
    assert.ok(!chunk.includes('<script>'))
    assert.equal((await stat(out)).mode & 0o777, 0o700)
  })

  it('refuses a non-empty folder it did not write, replaces one it did, and leaves nothing else behind', async () => {
    const other = join(dir, 'mine')
    await mkdir(other)
    await writeFile(join(other, 'notes.txt'), 'keep me')
    const refused = await runCommand({}, (cli) => view([archive], { output: other }, cli))
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /not empty and was not written by lifeboat view/)
    assert.equal(await readFile(join(other, 'notes.txt'), 'utf8'), 'keep me')

    const out = join(dir, 'again')
    assert.equal((await runCommand({}, (cli) => view([archive], { output: out }, cli))).code, 0)
    await writeFile(join(out, 'viewer/data/posts-00099.js'), 'stale')
    assert.equal((await runCommand({}, (cli) => view([archive], { output: out }, cli))).code, 0)
    assert.ok(!(await readdir(join(out, 'viewer/data'))).includes('posts-00099.js'))
    assert.ok(!(await readdir(dir)).some((name) => name.includes('lifeboat-view.')), 'no staging or old folder left')
  })

  it('a hostile archive cannot steer a write outside -o, and its own index.html is never used', async () => {
    const box = join(dir, 'hostile')
    await mkdir(box)
    const zip = join(box, 'hostile.zip')
    await writeFile(zip, hostileZip())
    const out = join(box, 'out', 'site')
    const run = await runCommand({}, (cli) => view([zip], { output: out }, cli))
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual((await readdir(box)).sort(), ['hostile.zip', 'out'])
    assert.deepEqual(await readdir(join(box, 'out')), ['site'])
    const files = (await walk(out)).map((f) => relative(out, f))
    for (const file of files) assert.match(file, SITE_NAME)
    assert.ok(files.some((f) => f.endsWith('.bin')), 'an odd MIME type gives .bin, never a name from the archive')
    assert.doesNotMatch(await readFile(join(out, 'index.html'), 'utf8'), /code from the archive/)
    const meta = await readFile(join(out, 'viewer/data/meta.js'), 'utf8')
    assert.ok(!meta.includes('javascript:'), 'non-http URLs are dropped')

    // An archive with a traversing member name is refused before anything is written.
    const bad = join(box, 'out', 'refused')
    const refused = await runCommand({}, (cli) => view(['fixtures/archives/broken-path-traversal.zip'], { output: bad }, cli))
    assert.equal(refused.code, 12)
    await assert.rejects(stat(bad))
  })

  it('every new archive carries the viewer, covered by the manifest; an unzipped archive is a site, and `view` reads folders', async () => {
    const embedded = join(dir, 'embedded.zip')
    await writeSampleArchive(embedded, { viewer: true })
    assert.ok((await verifyArchive(embedded)).ok)
    const reader = await ArchiveReader.open(embedded)
    const names = [...reader.members.keys()]
    reader.close()
    for (const name of ['index.html', 'viewer/app.js', 'viewer/app.css', 'viewer/data/meta.js', 'viewer/data/posts-00000.js']) assert.ok(names.includes(name), name)
    const unzipped = join(dir, 'unzipped')
    await extractArchive(embedded, unzipped)
    const chunk = await readFile(join(unzipped, 'viewer/data/posts-00000.js'), 'utf8')
    assert.match(chunk, /"media\/[0-9a-f]{2}\/[0-9a-f]{64}"/, 'the embedded page points at the archive media members')

    // A symbolic link planted in the folder is not followed.
    const planted = join(dir, 'secret.txt')
    await writeFile(planted, 'secret')
    const media = (await walk(join(unzipped, 'media')))[0]!
    await rm(media)
    await symlink(planted, media)
    const out = join(dir, 'from-folder')
    const run = await runCommand({}, (cli) => view([unzipped], { output: out }, cli))
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.value!.posts, 12)
    assert.equal(run.value!.media, 2)
    for (const file of await walk(out)) assert.notEqual(await readFile(file, 'utf8').catch(() => ''), 'secret')
  })

  it('the viewer is left out of an archive too large to project in memory, and the writer says so', async () => {
    await assert.rejects(
      stageViewer({ source: { network: 'misskey', server: null, account: { id: 'x' } }, kindPaths: new Map(), profilePath: null, media: new Set(), postCount: 6, maxPosts: 5, dir: join(dir, 'embed') }),
      /6 posts \(more than 5\); run `lifeboat view`/,
    )
    assert.ok(EMBED_MAX_POSTS >= 100_000)
  })

  it('--serve serves the site on 127.0.0.1, prints the URL, serves nothing outside it, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, ['bin/lifeboat.js', 'view', archive, '--serve'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d
        const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)
        if (match) resolve(match[0])
      })
      child.on('close', () => reject(new Error(`exited early: ${stderr}`)))
    })
    const index = await fetch(url)
    assert.equal(index.status, 200)
    assert.match(index.headers.get('content-security-policy')!, /default-src 'none'/)
    assert.match(await index.text(), /viewer\/app\.js/)
    assert.equal((await fetch(url + 'viewer/data/meta.js')).headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.equal((await fetch(url + '..%2f..%2fetc%2fpasswd')).status, 404)
    assert.equal((await fetch(url + '.lifeboat-view')).status, 404)
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    child.kill('SIGINT')
    // Ctrl-C is how --serve ends; like every command stopped by a signal it exits 130 (docs/cli.md).
    assert.equal(await closed, 130)
  })

  it('says what is wrong in one line when -o is missing or an archive does not exist', async () => {
    const missing = await runCommand({}, (cli) => view([archive], {}, cli))
    assert.equal(missing.code, 2)
    const absent = await runCommand({}, (cli) => view([join(dir, 'nope.zip')], { output: join(dir, 'x') }, cli))
    assert.equal(absent.code, 10)
    assert.equal(absent.stderr.split('\n').filter(Boolean).length, 2)
  })
})
