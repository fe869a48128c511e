// Issue 2's figures: archive writing throughput against a plain copy of the same bytes, and the peak RSS of writing
// 1 GiB of media against writing 10 MiB (memory must not grow with the archive).
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { ArchiveWriter } from '../src/archive/writer.js'
import { report, timed } from './_report.js'

const source = { network: 'atproto' as const, server: null, account: { id: 'did:plc:bench' } }

async function makeMedia(dir: string, totalBytes: number, fileBytes: number): Promise<string[]> {
  const files: string[] = []
  for (let written = 0, i = 0; written < totalBytes; written += fileBytes, i++) {
    const path = join(dir, `m${i}.jpg`)
    await writeFile(path, randomBytes(Math.min(fileBytes, totalBytes - written)))
    files.push(path)
  }
  return files
}

export async function writeArchive(files: string[], output: string): Promise<void> {
  const writer = await ArchiveWriter.open({ path: output, source, force: true })
  let n = 0
  for (const file of files) {
    const media = await writer.addMedia(createReadStream(file), { key: file, meta: { mime: 'image/jpeg', source: { id: file } } })
    await writer.write('posts', { id: `p${n++}`, createdAt: new Date(0).toISOString(), text: 'x', media: [{ sha256: media.sha256 }] })
  }
  await writer.finish()
}

async function childMode(): Promise<void> {
  const [, , , dir, bytes] = process.argv
  await mkdir(dir!, { recursive: true })
  const files = await makeMedia(dir!, Number(bytes), 8 * 1024 * 1024)
  await writeArchive(files, join(dir!, 'out.zip'))
  // VmHWM, not getrusage's maxRSS, which Linux carries over from the forking parent (see bench/_rss.mjs).
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  process.stdout.write(`RSS ${hwm ? hwm[1] : process.resourceUsage().maxRSS}\n`)
}

function peakRss(bytes: number): number {
  const dir = join(tmpdir(), `lifeboat-bench-rss-${bytes}-${process.pid}`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/archive.bench.ts', '--child', dir, String(bytes)], { encoding: 'utf8' })
  spawnSync('rm', ['-rf', dir])
  const match = /RSS (\d+)/.exec(run.stdout)
  if (!match) throw new Error(`child failed: ${run.stderr}`)
  return Number(match[1]) / 1024
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return childMode()
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-archive-'))
  try {
    const total = 256 * 1024 * 1024
    const files = await makeMedia(dir, total, 4 * 1024 * 1024)
    const copyDir = await mkdtemp(join(dir, 'copy-'))
    const copy = await timed(async () => {
      for (const [i, file] of files.entries()) await pipeline(createReadStream(file), createWriteStream(join(copyDir, `c${i}`)))
    })
    // The archive is fsynced before its rename (docs/archive-format.md §3.4); a plain copy is not. The copy's own
    // fsync, timed apart, shows how much of the gap that guarantee is.
    const synced = await timed(async () => {
      for (const i of files.keys()) {
        const handle = await open(join(copyDir, `c${i}`), 'r+')
        await handle.sync()
        await handle.close()
      }
    })
    const archive = await timed(() => writeArchive(files, join(dir, 'bench.zip')))
    const mbps = (ms: number) => total / 1024 / 1024 / (ms / 1000)
    report({ name: 'archive write throughput (256 MiB media)', value: mbps(archive.ms), baseline: mbps(copy.ms), unit: 'MiB/s', against: 'a plain stream copy of the same files', note: 'higher is better; goal ≥ 0.8; the writer stages, then zips (2 writes of every byte), then checks the central directory' })
    report({ name: 'archive write throughput, against a durable copy', value: mbps(archive.ms), baseline: mbps(copy.ms + synced.ms), unit: 'MiB/s', against: 'the same copy, then each file fsynced (as the archive is before its rename)', note: 'higher is better; shows the share of the gap that durability is' })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const small = peakRss(10 * 1024 * 1024)
  const large = peakRss(1024 * 1024 * 1024)
  report({ name: 'peak RSS writing 1 GiB of media', value: large, baseline: small, unit: 'MiB', against: 'peak RSS writing 10 MiB', note: '≈1.0 means memory does not grow with the archive' })
}

await main()
