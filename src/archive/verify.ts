// verifyArchive: recomputes every member's sha256 and size, every kind's record count, and checks that each media
// member is named by its own hash and that media.jsonl points only at media present. Lists every problem found.
import { createHash } from 'node:crypto'
import { BadArchiveError, NotFoundError, isLifeboatError, throwIfAborted } from '../errors.js'
import { ArchiveReader } from './reader.js'
import { kindMember, mediaMember, RECORD_KINDS, MANIFEST_NAME } from './format.js'
import type { Manifest, MediaRecord } from './records.js'

export interface VerifyReport {
  path: string
  ok: boolean
  problems: string[]
  manifest: Manifest | null
  checkedMembers: number
  checkedBytes: number
}

export interface VerifyOptions {
  signal?: AbortSignal
  /** Throw BadArchiveError listing the problems instead of returning a report with ok=false. */
  throwOnProblems?: boolean
}

export async function verifyArchive(path: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const report: VerifyReport = { path, ok: false, problems: [], manifest: null, checkedMembers: 0, checkedBytes: 0 }
  let reader: ArchiveReader
  try {
    reader = await ArchiveReader.open(path, { strict: false })
  } catch (error) {
    // A path that names no file is a mistake in the command (exit 10), not a problem of an archive.
    if (!isLifeboatError(error) || error instanceof NotFoundError || options.throwOnProblems) throw error
    report.problems.push(error.message)
    return report
  }
  try {
    report.manifest = reader.manifest
    report.problems.push(...reader.problems)
    const lineCounts = new Map<string, number>()
    for (const info of reader.members.values()) {
      throwIfAborted(options.signal)
      const hash = createHash('sha256')
      let size = 0
      let lines = 0
      try {
        for await (const chunk of await reader.openMember(info.name)) {
          const bytes = chunk as Buffer
          hash.update(bytes)
          size += bytes.length
          if (info.name.endsWith('.jsonl')) for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++
        }
      } catch (error) {
        report.problems.push(`${info.name} cannot be read: ${(error as Error).message}`)
        continue
      }
      report.checkedMembers++
      report.checkedBytes += size
      const digest = hash.digest('hex')
      const declared = reader.manifest.members[info.name]!
      if (size !== declared.size) report.problems.push(`${info.name} has ${size} bytes, the manifest says ${declared.size}`)
      else if (digest !== declared.sha256) report.problems.push(`${info.name} is damaged: its sha256 is ${digest}, the manifest says ${declared.sha256}`)
      if (info.name.startsWith('media/') && info.name !== mediaMember(digest)) {
        report.problems.push(`${info.name} does not match its content-address (sha256 ${digest})`)
      }
      if (info.name.endsWith('.jsonl')) lineCounts.set(info.name, lines)
    }
    for (const kind of RECORD_KINDS) {
      const declared = reader.manifest.counts[kind]
      const member = kindMember(kind)
      if (declared === undefined) continue
      const counted = lineCounts.get(member)
      if (counted !== undefined && counted !== declared) report.problems.push(`${member} holds ${counted} records, the manifest says ${declared}`)
    }
    if (reader.has(kindMember('media')) && !report.problems.some((p) => p.includes('media.jsonl'))) {
      for await (const record of reader.records('media') as AsyncIterable<MediaRecord>) {
        if (!reader.manifest.members[mediaMember(record.sha256)]) {
          report.problems.push(`media.jsonl refers to ${record.sha256}, which is not in the archive`)
        }
      }
    }
    if (!Object.hasOwn(reader.manifest.members, MANIFEST_NAME) === false) report.problems.push('the manifest lists itself')
  } finally {
    reader.close()
  }
  report.ok = report.problems.length === 0
  if (!report.ok && options.throwOnProblems) {
    throw new BadArchiveError(`${path} failed verification: ${report.problems[0]}`, { problems: report.problems })
  }
  return report
}
