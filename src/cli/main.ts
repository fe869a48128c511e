// The one place where errors become messages and exit codes (docs/cli.md "Exit codes").
// Commands throw; main() prints one line saying what is wrong, one line saying what to do, and sets
// process.exitCode. No stack trace reaches the user unless --verbose is given (and then through redaction).
import { Output } from '../output.js'
import { buildProgram } from './program.js'
import { ExitCode, InterruptedError, isLifeboatError, type LifeboatError } from '../errors.js'
import { redactText } from '../net/redact.js'
import { diskFullErrorFromAnywhere, isDiskFull } from '../files/disk-full.js'
import type { RunContext } from '../run-context.js'
import { terminalSecrets } from './secrets.js'

/** A RunContext (src/run-context.ts) and what only the command line has. */
export interface CliContext extends RunContext {
  /** Builds the whole command tree for another context (set by buildProgram): lets a command parse a command line,
   * as `schedule` does, without importing the tree that imports it. */
  commandTree?: (context: CliContext) => Promise<import('commander').Command>
}

function globalFlags(argv: string[]): { json: boolean; quiet: boolean; verbose: boolean } {
  const args = argv.slice(2)
  const stop = args.indexOf('--')
  const flags = stop === -1 ? args : args.slice(0, stop)
  return { json: flags.includes('--json'), quiet: flags.includes('--quiet') || flags.includes('-q'), verbose: flags.includes('--verbose') || flags.includes('-v') }
}

export async function main(argv: string[]): Promise<void> {
  const out = new Output(globalFlags(argv))
  const controller = new AbortController()
  let interrupts = 0
  // Ctrl-C (SIGINT) and SIGTERM abort the run's signal; every command stops at its next check, leaving what it wrote
  // resumable, and the run ends with 130 (SIGINT) or 143 (SIGTERM) after exactly one line on stderr, printed here.
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++
    const stop = new InterruptedError(`Interrupted by ${signal}.`, { signal, hint: 'Run the same command again to continue where it stopped.' })
    if (interrupts > 1) {
      // A second signal means "now": nothing complete-looking exists, since every output is renamed into place last.
      process.exit(stop.exitCode)
    }
    out.stopProgress()
    out.error(`Interrupted by ${signal}: stopping. Run the same command again to continue where it stopped${signal === 'SIGINT' ? ' (Ctrl-C again quits at once)' : ''}.`)
    controller.abort(stop)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A reader that stops early (`lifeboat --help | head`, `follows … | head`) closes the pipe: not an error to report.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
  })

  const context: CliContext = { out, signal: controller.signal, env: process.env, secrets: terminalSecrets }
  try {
    const program = await buildProgram(context, argv)
    await program.parseAsync(argv)
    // A command that finished in spite of the signal still reports that it was stopped: scripts see 130/143.
    if (controller.signal.aborted && controller.signal.reason instanceof InterruptedError) process.exitCode = controller.signal.reason.exitCode
  } catch (error) {
    process.exitCode = report(out, error, controller.signal)
  } finally {
    out.flush()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/**
 * Prints one failure as `error:` and `hint:` lines (and the one --json result: the fields the command stated, if any,
 * with `ok: false` and `error`) and returns its exit code.
 */
export function report(out: Output, error: unknown, signal: AbortSignal): number {
  out.stopProgress()
  const commanderCode = (error as { code?: string }).code
  if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
    // commander has already printed its message; help and version are successes.
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') return ExitCode.ok
    return ExitCode.usage
  }
  // Once a signal stopped the run, whatever the command threw on its way out (an aborted request, a partial result)
  // is the interruption; main() has already said so in one line.
  const stoppedBySignal = signal.aborted && signal.reason instanceof InterruptedError && signal.reason.signal !== undefined
  const lifeboatError: LifeboatError | null = stoppedBySignal
    ? (signal.reason as InterruptedError)
    : isLifeboatError(error)
      ? error
      : isDiskFull(error)
        ? diskFullErrorFromAnywhere(error as NodeJS.ErrnoException)
        : signal.aborted
          ? new InterruptedError('Interrupted.', { hint: 'Run the same command again to continue where it stopped.' })
          : null
  // A result the command already stated (its counts, items …) and this failure become one result object.
  const stated = out.takeResult() ?? {}
  if (lifeboatError) {
    const problems = (lifeboatError as { problems?: string[] }).problems
    out.result(
      { ...stated, ok: false, error: { name: lifeboatError.name, message: lifeboatError.message, hint: lifeboatError.hint ?? null, exitCode: lifeboatError.exitCode, problems: problems ?? null, ...lifeboatError.details } },
    )
    out.flush()
    if (stoppedBySignal) return lifeboatError.exitCode
    out.error(`error: ${lifeboatError.message}`)
    if (lifeboatError.hint) out.error(`hint: ${lifeboatError.hint}`)
    if (out.verbose && lifeboatError.cause) out.error(redactText(String((lifeboatError.cause as Error).stack ?? lifeboatError.cause)))
    return lifeboatError.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  out.result({ ...stated, ok: false, error: { name: 'InternalError', message, hint: null, exitCode: ExitCode.failure } })
  out.flush()
  out.error(`error: ${message}`)
  out.error('hint: this is a bug in Lifeboat; rerun with --verbose and report the output (it holds no secrets).')
  if (out.verbose && error instanceof Error) out.error(redactText(error.stack ?? ''))
  return ExitCode.failure
}
