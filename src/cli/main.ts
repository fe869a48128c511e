// The one place where errors become messages and exit codes (docs/cli.md "Exit codes").
// Commands throw; main() prints one line saying what is wrong, one line saying what to do, and sets
// process.exitCode. No stack trace reaches the user unless --verbose is given (and then through redaction).
import { Output } from './output.js'
import { buildProgram } from './program.js'
import { ExitCode, InterruptedError, isLifeboatError, type LifeboatError } from '../errors.js'
import { redactText } from '../net/redact.js'
import { diskFullErrorFromAnywhere, isDiskFull } from '../files/disk-full.js'

export interface CliContext {
  out: Output
  signal: AbortSignal
  env: NodeJS.ProcessEnv
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
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++
    if (interrupts > 1) {
      // A second Ctrl-C means "now": nothing complete-looking exists, since every output is renamed into place last.
      process.exit(ExitCode.interrupted)
    }
    out.stopProgress()
    out.error(`Stopping (${signal}); press Ctrl-C again to quit at once.`)
    controller.abort(new InterruptedError('Interrupted.'))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const context: CliContext = { out, signal: controller.signal, env: process.env }
  const program = buildProgram(context)
  try {
    await program.parseAsync(argv)
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
  const lifeboatError: LifeboatError | null = isLifeboatError(error)
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
