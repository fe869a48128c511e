// The one error vocabulary of Lifeboat. Every failure that reaches the user is a LifeboatError:
// a one-line `message` (what is wrong), a one-line `hint` (what to do), and an `exitCode` from
// the table in docs/cli.md. The numbers never change meaning; new failures get new numbers.
// Messages and hints must never contain secrets (tokens, passwords): callers build them from
// names and URLs that have passed through net/redact.ts.

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  partial: 3,
  auth: 4,
  remote: 5,
  unsupported: 6,
  notFound: 10,
  locked: 11,
  badArchive: 12,
  diskFull: 13,
  interrupted: 130,
  terminated: 143,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface LifeboatErrorOptions {
  hint?: string
  cause?: unknown
  /** Extra machine-readable detail for --json output (never secrets). */
  details?: Record<string, unknown>
}

export class LifeboatError extends Error {
  override name = 'LifeboatError'
  readonly exitCode: ExitCodeValue = ExitCode.failure
  readonly hint: string | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(message: string, options: LifeboatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.hint = options.hint
    this.details = options.details
  }
}

/** Bad flags, malformed handles or URLs, refused plain http: the user must change the command. */
export class UsageError extends LifeboatError {
  override name = 'UsageError'
  override readonly exitCode = ExitCode.usage
}

/** Some items failed while the rest succeeded; the per-item report says which. */
export class PartialFailureError extends LifeboatError {
  override name = 'PartialFailureError'
  override readonly exitCode = ExitCode.partial
}

/** Wrong, expired or insufficient credentials (401/403, wrong token class). */
export class AuthError extends LifeboatError {
  override name = 'AuthError'
  override readonly exitCode = ExitCode.auth
}

/** The server could not be reached, kept failing after retries, or answered something unexpected. */
export class RemoteError extends LifeboatError {
  override name = 'RemoteError'
  override readonly exitCode = ExitCode.remote
  readonly status: number | undefined

  constructor(message: string, options: LifeboatErrorOptions & { status?: number } = {}) {
    super(message, options)
    this.status = options.status
  }
}

/** The network, server or archive cannot do what was asked (e.g. Mastodon has no move API). */
export class UnsupportedError extends LifeboatError {
  override name = 'UnsupportedError'
  override readonly exitCode = ExitCode.unsupported
}

/** An account, snapshot, room or file that was named does not exist. */
export class NotFoundError extends LifeboatError {
  override name = 'NotFoundError'
  override readonly exitCode = ExitCode.notFound
}

/** Another run holds the lock on a store or journal. */
export class LockedError extends LifeboatError {
  override name = 'LockedError'
  override readonly exitCode = ExitCode.locked
}

/** An archive or store is corrupt, hostile, or of an unknown format version. */
export class BadArchiveError extends LifeboatError {
  override name = 'BadArchiveError'
  override readonly exitCode = ExitCode.badArchive
  readonly problems: string[]

  constructor(message: string, options: LifeboatErrorOptions & { problems?: string[] } = {}) {
    super(message, options)
    this.problems = options.problems ?? [message]
  }
}

/** The disk (or the user's quota) filled up while writing; what was staged is kept, so a rerun resumes. */
export class DiskFullError extends LifeboatError {
  override name = 'DiskFullError'
  override readonly exitCode = ExitCode.diskFull
}

/** The run was stopped by Ctrl-C / SIGTERM / an aborted signal: 143 for SIGTERM (as a shell reports it), else 130. */
export class InterruptedError extends LifeboatError {
  override name = 'InterruptedError'
  override readonly exitCode: typeof ExitCode.interrupted | typeof ExitCode.terminated
  /** The signal that stopped the run, when one did. */
  readonly signal: NodeJS.Signals | undefined

  constructor(message: string, options: LifeboatErrorOptions & { signal?: NodeJS.Signals } = {}) {
    super(message, options)
    this.signal = options.signal
    this.exitCode = options.signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted
  }
}

export function isLifeboatError(error: unknown): error is LifeboatError {
  return error instanceof LifeboatError
}

/** Throws InterruptedError when the signal has fired; call between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError('Interrupted.', { hint: 'Run the same command again to continue.' })
}
