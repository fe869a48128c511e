// The X adapter as the commands see it (src/adapters/registry.ts): X has no API Lifeboat can use for an account's
// data (and a suspended account has none at all), so it has no openSource or replay target; its one Source reads the
// archive X lets every account download (`lifeboat import x-archive`, through openXArchive).
import type { NetworkAdapter } from '../adapter.js'
import type { Output } from '../../output.js'
import { X_CAPABILITIES } from './capabilities.js'
import { openContainer } from './container.js'
import { XArchiveSource } from './source.js'

export interface OpenedXArchive {
  source: XArchiveSource
  close(): Promise<void>
}

/** Opens `path` (the downloaded .zip or its unpacked folder) and checks that it is an X archive naming its account. */
export async function openXArchive(path: string, options: { scratchDir: string; out: Output; signal: AbortSignal }): Promise<OpenedXArchive> {
  const container = await openContainer(path, options)
  try {
    const source = new XArchiveSource(path, container, options.out, options.signal)
    await source.identity()
    return { source, close: () => container.close() }
  } catch (error) {
    await container.close()
    throw error
  }
}

export const adapter: NetworkAdapter = { capabilities: X_CAPABILITIES }
