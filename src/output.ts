// Everything Lifeboat says goes through Output. Contract (docs/cli.md "Output"):
// - human text, warnings and progress go to stderr; stdout carries only data: the command's printed result
//   (e.g. `follows --format csv`), or with --json newline-delimited events and one final result object (held until
//   the command ends, so a failure after the result merges into it: see result());
// - progress bars only when stderr is a terminal and neither --json nor --quiet is set; otherwise plain lines,
//   at most one per few seconds per task;
// - every string passes through redactText, so a registered secret can never reach a terminal, a log or a pipe;
// - every string passes through escapeControl (text for people) or escapeControlData (stdout data, --json lines), so a control
//   character from outside (a member name, a handle, a display name, post text, a server's error message) can never
//   move the cursor, retitle the window or hide text: no command has to remember it.
import cliProgress from 'cli-progress'
import { redactText, redactJson } from './net/redact.js'

/**
 * C0 controls but newline and tab, DEL, C1 controls, and the Unicode bidirectional overrides and isolates (which
 * reorder what a terminal shows). Newline stays: our own multi-line messages use it.
 */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

function hex(char: string): string {
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : unicode(char)
}

function unicode(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** Shows control characters as `\x1b`-style escapes, so text for people can never act on the terminal. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, hex)
}

/**
 * The same for stdout data and --json lines, as `\u001b`-style escapes: inside a JSON string that is still the same
 * JSON (JSON.stringify already escapes C0 that way; DEL, C1 and bidi controls it leaves raw), in CSV or text plain
 * visible characters.
 */
export function escapeControlData(text: string): string {
  return text.replace(CONTROL, unicode)
}

export interface OutputOptions {
  json?: boolean
  quiet?: boolean
  verbose?: boolean
  stdout?: NodeJS.WritableStream & { isTTY?: boolean }
  stderr?: NodeJS.WritableStream & { isTTY?: boolean }
}

export interface Progress {
  /** Advance by `n` (default 1) and optionally grow the total. */
  tick(n?: number, total?: number): void
  setTotal(total: number): void
  done(summary?: string): void
}

const PLAIN_PROGRESS_INTERVAL_MS = 5000

export class Output {
  readonly json: boolean
  readonly quiet: boolean
  readonly verbose: boolean
  #stdout: NodeJS.WritableStream & { isTTY?: boolean }
  #stderr: NodeJS.WritableStream & { isTTY?: boolean }
  #bars = new Set<cliProgress.SingleBar>()
  #held: Record<string, unknown> | null = null

  constructor(options: OutputOptions = {}) {
    this.json = options.json ?? false
    this.quiet = options.quiet ?? false
    this.verbose = options.verbose ?? false
    this.#stdout = options.stdout ?? process.stdout
    this.#stderr = options.stderr ?? process.stderr
  }

  /** A line for people (stderr), hidden by --quiet. */
  info(text: string): void {
    if (!this.quiet) this.#line(text)
  }

  /** Detail shown only with --verbose. */
  debug(text: string): void {
    if (this.verbose && !this.quiet) this.#line(text)
  }

  /** Warnings are shown even with --quiet. */
  warn(text: string): void {
    this.#line(`warning: ${text}`)
  }

  error(text: string): void {
    this.#line(text)
  }

  /** A machine-readable event: one JSON line on stdout with --json, a human line (if `human` given) otherwise. */
  event(type: string, data: Record<string, unknown>, human?: string): void {
    if (this.json) this.#stdout.write(escapeControlData(redactText(JSON.stringify(redactJson({ event: type, ...data })))) + '\n')
    else if (human !== undefined) this.info(human)
  }

  /**
   * The command's final result: one JSON object with --json; `human` text on stderr otherwise (at once). The JSON
   * object is held until the command ends (flush(), which main() calls), so that a command that states its result and
   * then throws (a replay with failures, an export with failed items) still ends with exactly one result: main()'s
   * report() takes the held fields and writes them once, with `ok: false` and the `error`. A second result writes the
   * held one first, so nothing is lost.
   */
  result(data: Record<string, unknown>, human?: string): void {
    if (this.json) {
      this.flush()
      this.#held = data
    } else if (human !== undefined && !this.quiet) this.#line(human)
  }

  /** Writes the held --json result, if any. */
  flush(): void {
    const held = this.#held
    if (!held) return
    this.#held = null
    this.#stdout.write(escapeControlData(redactText(JSON.stringify(redactJson({ event: 'result', ...held })))) + '\n')
  }

  /** Takes the held --json result without writing it: a failure's report merges its fields into the one result. */
  takeResult(): Record<string, unknown> | null {
    const held = this.#held
    this.#held = null
    return held
  }

  /** Raw data for stdout (e.g. a CSV) when not in --json mode. */
  data(text: string): void {
    this.#stdout.write(escapeControlData(redactText(text)))
  }

  progress(label: string, total = 0): Progress {
    if (this.quiet || this.json) return { tick() {}, setTotal() {}, done() {} }
    if (this.#stderr.isTTY) return this.#barProgress(label, total)
    return this.#plainProgress(label, total)
  }

  #barProgress(label: string, total: number): Progress {
    const bar = new cliProgress.SingleBar(
      { stream: this.#stderr as NodeJS.WritableStream, format: `${escapeControl(label)} [{bar}] {value}/{total} {eta_formatted}`, hideCursor: false, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    )
    bar.start(total, 0)
    this.#bars.add(bar)
    let value = 0
    return {
      tick: (n = 1, newTotal?: number) => {
        value += n
        if (newTotal !== undefined) bar.setTotal(newTotal)
        bar.update(value)
      },
      setTotal: (t) => bar.setTotal(t),
      done: (summary) => {
        bar.stop()
        this.#bars.delete(bar)
        if (summary) this.info(summary)
      },
    }
  }

  #plainProgress(label: string, initialTotal: number): Progress {
    let value = 0
    let total = initialTotal
    let last = Date.now()
    return {
      tick: (n = 1, newTotal?: number) => {
        value += n
        if (newTotal !== undefined) total = newTotal
        if (Date.now() - last >= PLAIN_PROGRESS_INTERVAL_MS) {
          last = Date.now()
          this.info(`${label}: ${value}${total ? `/${total}` : ''}`)
        }
      },
      setTotal: (t) => {
        total = t
      },
      done: (summary) => {
        if (summary) this.info(summary)
      },
    }
  }

  /** Stops any progress bar so that an error message starts on a clean line. */
  stopProgress(): void {
    for (const bar of this.#bars) bar.stop()
    this.#bars.clear()
  }

  #line(text: string): void {
    this.#stderr.write(escapeControl(redactText(text)) + '\n')
  }
}
