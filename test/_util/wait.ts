// Waiting for an event instead of a delay: tests that interrupt a run do it when the run has visibly started (a
// file appeared, a line was printed), however fast or slow the machine is. Every wait is bounded.
import { readdir } from 'node:fs/promises'

/** Resolves once `check` returns true, polling every `everyMs`; rejects after `withinMs` (a bound, not a timing). */
export async function until(check: () => boolean | Promise<boolean>, what: string, withinMs = 120_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + withinMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Resolves once `dir` exists and holds an entry whose name passes `match` (default: any entry). */
export function entryAppears(dir: string, match: (name: string) => boolean = () => true): Promise<void> {
  return until(async () => (await readdir(dir).catch(() => [] as string[])).some(match), `an entry in ${dir}`)
}
