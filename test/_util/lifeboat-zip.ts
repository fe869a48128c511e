// Builds Lifeboat archives by hand with honest sizes and hashes, so a test can put exactly one defect in them
// (a bad record line, a hostile name, a malformed manifest) and see what readers and verify make of it.
import { createHash } from 'node:crypto'
import { buildRawZip, type RawZipOptions } from './raw-zip.js'

export interface HandMadeArchive {
  /** Member name → bytes; `<kind>.jsonl` members are counted into `counts`. */
  members: Record<string, string | Buffer>
  /** Fields replacing the manifest's (a key set to undefined is left out). */
  manifest?: Record<string, unknown>
  /** Members in the zip but not in the manifest. */
  unlisted?: Record<string, string | Buffer>
  deflate?: boolean
  zip?: RawZipOptions
}

export const HAND_MADE_SOURCE = { network: 'mastodon', server: 'https://old.example', account: { id: 'https://old.example/users/alice', handle: 'alice@old.example' } }

export function handMadeArchive(spec: HandMadeArchive): Buffer {
  const members: Record<string, { sha256: string; size: number }> = {}
  const counts: Record<string, number> = {}
  const entries = []
  for (const [name, body] of Object.entries(spec.members)) {
    const data = Buffer.from(body)
    members[name] = { sha256: createHash('sha256').update(data).digest('hex'), size: data.length }
    if (name.endsWith('.jsonl')) counts[name.slice(0, -'.jsonl'.length)] = data.toString('latin1').split('\n').length - 1
    entries.push({ name, data, deflate: spec.deflate })
  }
  for (const [name, body] of Object.entries(spec.unlisted ?? {})) entries.push({ name, data: Buffer.from(body) })
  const manifest: Record<string, unknown> = {
    format: 'lifeboat-archive', version: 1, tool: { name: 'lifeboat', version: '0.1.0' }, createdAt: '2026-01-01T00:00:00.000Z',
    source: HAND_MADE_SOURCE, since: null, counts, members, notes: [],
    ...spec.manifest,
  }
  for (const key of Object.keys(manifest)) if (manifest[key] === undefined) delete manifest[key]
  entries.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)), deflate: undefined })
  return buildRawZip(entries, spec.zip)
}
