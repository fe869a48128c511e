// A CliContext for calling commands in-process, with stdout and stderr captured as text.
import { PassThrough } from 'node:stream'
import { spawn } from 'node:child_process'
import { Output } from '../../src/cli/output.js'
import type { CliContext } from '../../src/cli/main.js'

export interface CapturedCli {
  cli: CliContext
  stdout(): string
  stderr(): string
  abort(): void
}

export function captureCli(options: { json?: boolean; env?: NodeJS.ProcessEnv; verbose?: boolean } = {}): CapturedCli {
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (d) => (stdout += d))
  err.on('data', (d) => (stderr += d))
  const controller = new AbortController()
  return {
    cli: { out: new Output({ json: options.json, verbose: options.verbose, stdout: out, stderr: err }), signal: controller.signal, env: options.env ?? {} },
    stdout: () => stdout,
    stderr: () => stderr,
    abort: () => controller.abort(),
  }
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the built CLI (bin/lifeboat.js) as a child process. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; killAfterMs?: number; signal?: NodeJS.Signals } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/lifeboat.js', ...args], { env: { PATH: process.env.PATH, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    if (options.killAfterMs !== undefined) setTimeout(() => child.kill(options.signal ?? 'SIGINT'), options.killAfterMs)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
