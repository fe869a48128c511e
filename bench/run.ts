// `npm run bench`: runs each bench/*.bench.ts in its own process (so one's memory cannot skew another's) and prints
// every figure with its same-run baseline and the ratio. `npm run bench -- atproto` runs only matching files.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const filter = process.argv.slice(2)
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)))
  .sort()

const rows: { file: string; name: string; value: string; baseline: string; ratio: string; against: string }[] = []
let failed = 0
for (const file of files) {
  process.stderr.write(`running ${file} …\n`)
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `bench/${file}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] })
  if (run.status !== 0) {
    failed++
    process.stderr.write(`${file} failed (exit ${run.status})\n`)
  }
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('BENCH ')) continue
    const f = JSON.parse(line.slice(6)) as { name: string; value: number; baseline: number; unit: string; ratio: number | null; against: string; note?: string }
    rows.push({
      file,
      name: f.name,
      value: `${f.value.toFixed(1)} ${f.unit}`,
      baseline: `${f.baseline.toFixed(1)} ${f.unit}`,
      ratio: f.ratio === null ? 'n/a' : `${f.ratio.toFixed(2)}x`,
      against: f.against + (f.note ? ` (${f.note})` : ''),
    })
  }
}

const widths = { name: 0, value: 0, baseline: 0, ratio: 0 }
for (const r of rows) for (const k of Object.keys(widths) as (keyof typeof widths)[]) widths[k] = Math.max(widths[k], r[k].length)
console.log(`${'figure'.padEnd(widths.name)}  ${'value'.padStart(widths.value)}  ${'baseline'.padStart(widths.baseline)}  ${'ratio'.padStart(widths.ratio)}  baseline is`)
for (const r of rows) {
  console.log(`${r.name.padEnd(widths.name)}  ${r.value.padStart(widths.value)}  ${r.baseline.padStart(widths.baseline)}  ${r.ratio.padStart(widths.ratio)}  ${r.against}`)
}
process.exit(failed > 0 ? 1 : 0)
