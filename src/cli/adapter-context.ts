// Builds the AdapterContext every adapter receives: one HTTP client for the run, wired to the run's abort
// signal and reporting retries and rate-limit waits to the user.
import type { AdapterContext } from '../adapters/adapter.js'
import { createHttpClient, type HttpClientOptions } from '../net/http-client.js'
import type { CliContext } from './main.js'

export function adapterContext(cli: CliContext, overrides: Partial<HttpClientOptions> = {}): AdapterContext {
  const http = createHttpClient({
    signal: cli.signal,
    onEvent: (event) => {
      const seconds = (event.waitMs / 1000).toFixed(1)
      const human =
        event.type === 'retry'
          ? `retrying ${event.url} in ${seconds}s (${event.reason ?? event.status})`
          : event.type === 'rate-limited'
            ? `rate-limited by ${new URL(event.url).host}; waiting ${seconds}s as it asks`
            : `pacing requests to ${new URL(event.url).host} for ${seconds}s before its limit runs out`
      if (event.type === 'retry') cli.out.debug(human)
      else if (event.waitMs >= 2000) cli.out.info(human)
      cli.out.event(event.type, { url: event.url, status: event.status ?? null, waitMs: event.waitMs })
    },
    ...overrides,
  })
  return { http, signal: cli.signal, out: cli.out }
}
