// What a run of any command has, whoever started it (the CLI, a scheduled loop, a test): where to report, the run's
// abort signal, the environment secrets are read from, and how to ask for a secret. Modules below the CLI (adapters,
// backups, replay) take this, never the CLI's own context, so nothing outside src/cli/ imports src/cli/.
import type { AdapterContext, SecretReader } from './adapters/adapter.js'
import { createHttpClient, type HttpClientOptions } from './net/http-client.js'
import type { Output } from './output.js'

export interface RunContext {
  out: Output
  signal: AbortSignal
  env: NodeJS.ProcessEnv
  secrets: SecretReader
}

/** The AdapterContext every adapter receives: one HTTP client for the run, wired to the run's abort signal and
 * reporting retries and rate-limit waits to the user. */
export function adapterContext(run: RunContext, overrides: Partial<HttpClientOptions> = {}): AdapterContext {
  const http = createHttpClient({
    signal: run.signal,
    onEvent: (event) => {
      const seconds = (event.waitMs / 1000).toFixed(1)
      const human =
        event.type === 'retry'
          ? `retrying ${event.url} in ${seconds}s (${event.reason ?? event.status})`
          : event.type === 'rate-limited'
            ? `rate-limited by ${new URL(event.url).host}; waiting ${seconds}s as it asks`
            : `pacing requests to ${new URL(event.url).host} for ${seconds}s before its limit runs out`
      if (event.type === 'retry') run.out.debug(human)
      else if (event.waitMs >= 2000) run.out.info(human)
      run.out.event(event.type, { url: event.url, status: event.status ?? null, waitMs: event.waitMs })
    },
    ...overrides,
  })
  return { http, signal: run.signal, out: run.out, secrets: run.secrets }
}
