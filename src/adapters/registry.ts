// Which networks can be replayed onto, and which server flavours support aliases and moves: the CLI's wiring
// (src/cli/networks.ts) fills these tables with loaders, and the commands read them. A loader imports its adapter only
// when a command needs it: each adapter costs memory and start-up time that other commands should not pay.
import type { MigrationFactory, TargetFactory } from './adapter.js'
import type { Network } from '../archive/format.js'
import { UnsupportedError } from '../errors.js'

const targets = new Map<Network, () => Promise<TargetFactory>>()
const migrations: { load: () => Promise<MigrationFactory>; flavors: readonly string[] }[] = []

/** Replay targets by network; an adapter joins by exporting a TargetFactory from its index.ts. */
export function registerTargetFactory(network: Network, load: () => Promise<TargetFactory>): void {
  targets.set(network, load)
}

/** The loader of `network`'s replay target, if it has one. */
export function targetFactoryLoader(network: Network): (() => Promise<TargetFactory>) | undefined {
  return targets.get(network)
}

/** Networks join by registering the flavours their MigrationFactory serves. */
export function registerMigrationFactory(flavors: readonly string[], load: () => Promise<MigrationFactory>): void {
  migrations.push({ flavors, load })
}

export async function migrationFor(flavor: string): Promise<MigrationFactory> {
  const entry = migrations.find((f) => f.flavors.includes(flavor))
  if (!entry) {
    const known = migrations.flatMap((f) => f.flavors)
    throw new UnsupportedError(`Aliases and moves on ${flavor} are not supported.`, { hint: known.length ? `Supported: ${known.join(', ')}.` : undefined })
  }
  return entry.load()
}
