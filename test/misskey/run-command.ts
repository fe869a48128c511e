// Runs a command's run() in-process and turns what it throws into the exit code and the two stderr lines that
// src/cli/main.ts would print, so tests can assert messages and exit codes without a built CLI (the commands are
// registered in program.ts by the lead; see the adapter report).
import { isLifeboatError } from '../../src/errors.js'
import { captureCli } from '../_util/cli.js'
import type { CliContext } from '../../src/cli/main.js'

export interface CommandRun<T> {
  code: number
  value: T | undefined
  error: Error | undefined
  /** `error: …` and `hint: …` as main() prints them, after whatever the command printed. */
  stderr: string
  stdout: string
}

export async function runCommand<T>(env: NodeJS.ProcessEnv, fn: (cli: CliContext, abort: () => void) => Promise<T>, options: { json?: boolean } = {}): Promise<CommandRun<T>> {
  const captured = captureCli({ env, json: options.json })
  try {
    const value = await fn(captured.cli, captured.abort)
    return { code: 0, value, error: undefined, stderr: captured.stderr(), stdout: captured.stdout() }
  } catch (error) {
    if (!isLifeboatError(error)) throw error
    const lines = `error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`
    return { code: error.exitCode, value: undefined, error, stderr: captured.stderr() + lines, stdout: captured.stdout() }
  }
}
