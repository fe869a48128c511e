// Start-up: `lifeboat --version` and `lifeboat --help` against bare `node -e 0`, time (median of 7) and peak RSS, in
// the same run. Commands and SDKs load only when a command runs (src/cli/program.ts), so these stay near bare Node.
import { spawn } from 'node:child_process'
import { report } from './_report.js'

interface Run {
  ms: number
  rssKb: number
}

function once(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--import', './bench/_rss.mjs', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', () => resolve({ ms: performance.now() - started, rssKb: Number(/PEAK_RSS_KB (\d+)/.exec(stderr)?.[1] ?? 0) }))
  })
}

async function median(args: string[]): Promise<Run> {
  const runs: Run[] = []
  for (let i = 0; i < 7; i++) runs.push(await once(args))
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  return { ms: mid(runs.map((r) => r.ms)), rssKb: mid(runs.map((r) => r.rssKb)) }
}

const bare = await median(['-e', '0'])
for (const args of [['--version'], ['--help']]) {
  const run = await median(['bin/lifeboat.js', ...args])
  report({ name: `lifeboat ${args[0]} time`, value: run.ms, baseline: bare.ms, unit: 'ms', against: 'node -e 0', note: 'goal ≤ 1.5' })
  report({ name: `lifeboat ${args[0]} peak RSS`, value: run.rssKb / 1024, baseline: bare.rssKb / 1024, unit: 'MiB', against: 'node -e 0', note: 'goal ≤ 1.5' })
}
