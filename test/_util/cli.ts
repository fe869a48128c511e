// A CliContext for calling commands in-process, with stdout and stderr captured as text.
import { Writable } from 'node:stream'
import { spawn } from 'node:child_process'
import { Output } from '../../src/output.js'
import { terminalSecrets } from '../../src/cli/secrets.js'
import { report, type CliContext } from '../../src/cli/main.js'
import { buildProgram } from '../../src/cli/program.js'

export interface CapturedCli {
  cli: CliContext
  stdout(): string
  stderr(): string
  abort(): void
}

export function captureCli(options: { json?: boolean; env?: NodeJS.ProcessEnv; verbose?: boolean } = {}): CapturedCli {
  let stdout = ''
  let stderr = ''
  // Writables that append synchronously, so stdout() sees what flush() just wrote.
  const out = new Writable({ write: (d, _e, done) => ((stdout += d), done()) })
  const err = new Writable({ write: (d, _e, done) => ((stderr += d), done()) })
  const controller = new AbortController()
  const output = new Output({ json: options.json, verbose: options.verbose, stdout: out, stderr: err })
  return {
    cli: { out: output, signal: controller.signal, env: options.env ?? {}, secrets: terminalSecrets, commandTree: (context) => buildProgram(context) },
    // As at the end of a CLI run: the held --json result is written once the command is over (src/output.ts).
    stdout: () => (output.flush(), stdout),
    stderr: () => stderr,
    abort: () => controller.abort(),
  }
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the built CLI (bin/lifeboat.js) as a child process. `killWhen` sends `signal` (default SIGINT) once the promise
 * it returns resolves (an event: a file appeared, see wait.ts); it gets the stderr read so far.
 */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; killWhen?: (stderr: () => string) => Promise<void>; signal?: NodeJS.Signals } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/lifeboat.js', ...args], { env: { PATH: process.env.PATH, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    let exited = false
    child.on('exit', () => (exited = true))
    options.killWhen?.(() => stderr).then(
      () => exited || child.kill(options.signal ?? 'SIGINT'),
      () => exited || child.kill('SIGKILL'),
    )
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export interface CommandRun<T> {
  code: number
  value: T | undefined
  error: Error | undefined
  stderr: string
  stdout: string
}

/**
 * Runs a command's run() in-process; a failure is reported exactly as the CLI reports it (src/cli/main.ts `report`),
 * so tests can check exit codes and the `error:`/`hint:` lines without a built CLI.
 */
export async function runCommand<T>(env: NodeJS.ProcessEnv, fn: (cli: CliContext, abort: () => void) => Promise<T>, options: { json?: boolean } = {}): Promise<CommandRun<T>> {
  const captured = captureCli({ env, json: options.json })
  try {
    const value = await fn(captured.cli, captured.abort)
    return { code: 0, value, error: undefined, stderr: captured.stderr(), stdout: captured.stdout() }
  } catch (error) {
    const code = report(captured.cli.out, error, captured.cli.signal)
    return { code, value: undefined, error: error as Error, stderr: captured.stderr(), stdout: captured.stdout() }
  }
}

export interface SpawnedCli {
  child: ReturnType<typeof spawn>
  /** Resolves once what the CLI printed so far satisfies `ready` (e.g. a --json event or a line on stderr). */
  waitFor(ready: (output: { stdout: string; stderr: string }) => boolean): Promise<void>
  done: Promise<CliRun>
}

/** Starts the built CLI and lets a test act on what it prints: interrupt tests signal after an event, never a delay. */
export function spawnCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnedCli {
  const child = spawn(process.execPath, [new URL('../../bin/lifeboat.js', import.meta.url).pathname, ...args], {
    env: { PATH: process.env.PATH, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = { stdout: '', stderr: '' }
  const waiters: { ready: (o: typeof output) => boolean; resolve: () => void }[] = []
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.ready(output)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  }
  child.stdout!.on('data', (d) => ((output.stdout += d), check()))
  child.stderr!.on('data', (d) => ((output.stderr += d), check()))
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, ...output })))
  return {
    child,
    done,
    waitFor: (ready) =>
      new Promise<void>((resolve, reject) => {
        if (ready(output)) return resolve()
        waiters.push({ ready, resolve })
        void done.then((run) => reject(new Error(`the CLI ended (${run.code}) before the awaited output:\n${run.stderr}`)))
      }),
  }
}
