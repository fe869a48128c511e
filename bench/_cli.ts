// Runs the built CLI as a user's shell does: bin/lifeboat.js executed directly (its `#!/usr/bin/env node` line), or
// with `how: 'node'` as `node bin/lifeboat.js` (no shebang), with bench/_rss.mjs preloaded through NODE_OPTIONS to
// report the process's peak RSS.
import { spawn } from 'node:child_process'

export interface CliRun {
  code: number | null
  ms: number
  rssKb: number
  stdout: string
  stderr: string
}

export function runLifeboat(args: string[], env: NodeJS.ProcessEnv = {}, how: 'exec' | 'node' = 'exec'): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const [command, argv] = how === 'node' ? [process.execPath, ['bin/lifeboat.js', ...args]] : ['./bin/lifeboat.js', args]
    const child = spawn(command, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ./bench/_rss.mjs`.trim() },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, ms: performance.now() - started, rssKb: Number(/PEAK_RSS_KB (\d+)/.exec(stderr)?.[1] ?? 0), stdout, stderr }))
  })
}
