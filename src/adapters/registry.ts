// The networks Lifeboat knows, by name: each one's adapter (its index.ts `adapter`: capabilities, openSource,
// openTarget, migration) and the server flavours its aliases and moves serve. The commands and the CLI read this
// table. A loader imports its adapter only when a command needs it: each adapter costs memory and start-up time that
// other commands should not pay. A new network adds one line here (docs/architecture.md, "Adding a network").
import type { MigrationFactory, NetworkAdapter, TargetFactory } from './adapter.js'
import type { Network } from '../archive/format.js'
import { UnsupportedError } from '../errors.js'

interface Entry {
  load: () => Promise<NetworkAdapter>
  /** Whether its adapter has a replay target (known without loading it). */
  replays: boolean
  /** The server flavours its AccountMigration serves (`alias --to`, `move --from`). */
  migrationFlavors?: readonly string[]
}

const NETWORKS: Record<Network, Entry> = {
  atproto: { load: () => import('./atproto/index.js').then((m) => m.adapter), replays: true },
  misskey: { load: () => import('./misskey/index.js').then((m) => m.adapter), replays: true, migrationFlavors: ['misskey', 'sharkey', 'cherrypick'] },
  mastodon: { load: () => import('./mastodon/index.js').then((m) => m.adapter), replays: true, migrationFlavors: ['mastodon', 'gotosocial', 'akkoma', 'pleroma'] },
  matrix: { load: () => import('./matrix/index.js').then((m) => m.adapter), replays: true },
  x: { load: () => import('./x/index.js').then((m) => m.adapter), replays: false },
}

/** The adapter of `network`. */
export function networkAdapter(network: Network): Promise<NetworkAdapter> {
  return NETWORKS[network].load()
}

// Tests and benchmarks replace a network's target or migration by one with their knobs (short backoffs, scaled
// limits); these win over the table.
const targetOverrides = new Map<Network, () => Promise<TargetFactory>>()
const migrationOverrides: { load: () => Promise<MigrationFactory>; flavors: readonly string[] }[] = []

export function registerTargetFactory(network: Network, load: () => Promise<TargetFactory>): void {
  targetOverrides.set(network, load)
}

export function registerMigrationFactory(flavors: readonly string[], load: () => Promise<MigrationFactory>): void {
  migrationOverrides.unshift({ flavors, load })
}

/** The loader of `network`'s replay target, if it has one. */
export function targetFactoryLoader(network: Network): (() => Promise<TargetFactory>) | undefined {
  const override = targetOverrides.get(network)
  if (override) return override
  const entry = NETWORKS[network]
  if (!entry.replays) return undefined
  return async () => {
    const adapter = await entry.load()
    if (!adapter.openTarget) throw new UnsupportedError(`Replaying onto ${network} is not available yet.`)
    return { network, create: adapter.openTarget }
  }
}

export async function migrationFor(flavor: string): Promise<MigrationFactory> {
  const override = migrationOverrides.find((f) => f.flavors.includes(flavor))
  if (override) return override.load()
  const network = (Object.keys(NETWORKS) as Network[]).find((n) => NETWORKS[n].migrationFlavors?.includes(flavor))
  const migration = network ? (await NETWORKS[network].load()).migration : undefined
  if (!migration) {
    const known = Object.values(NETWORKS).flatMap((n) => n.migrationFlavors ?? [])
    throw new UnsupportedError(`Aliases and moves on ${flavor} are not supported.`, { hint: `Supported: ${known.join(', ')}.` })
  }
  return migration
}
