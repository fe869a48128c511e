// Runs the built CLI as a user's shell does: bin/lifeboat.js executed directly (so its shebang's V8 flags apply),
// with bench/_rss.mjs preloaded through NODE_OPTIONS to report the process's peak RSS.
import { spawn } from 'node:child_process'

export interface CliRun {
  code: number | null
  ms: number
  rssKb: number
  stdout: string
  stderr: string
}

export function runLifeboat(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn('./bin/lifeboat.js', args, {
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
