// verifyArchive: recomputes every member's sha256 and size, every kind's record count, checks every record line
// against its kind's schema (schemas.ts), and checks that each media member is named by its own hash and that
// media.jsonl points only at media present. Lists every problem found (the first bad line of each member).
import { createHash } from 'node:crypto'
import { BadArchiveError, NotFoundError, isLifeboatError, throwIfAborted } from '../errors.js'
import { ArchiveReader, parseRecordLine } from './reader.js'
import { kindMember, mediaMember, RECORD_KINDS, MANIFEST_NAME, MAX_RECORD_LINE_BYTES, type RecordKind } from './format.js'
import { LineSplitter, LineTooLongError, type Line } from './lines.js'
import type { Manifest, MediaRecord } from './records.js'
import { validators, type Check } from './validate.js'

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
  /**
   * Parse and schema-check every record line (default true); false suits a caller that checked each record against
   * the same schema before writing it, where the hashes show those bytes are what the zip holds.
   */
  checkRecords?: boolean
}

const KIND_OF_MEMBER = new Map<string, RecordKind>(RECORD_KINDS.map((kind) => [kindMember(kind), kind]))

/** Checks the record lines of one member as its bytes stream past; remembers the first problem only. */
class RecordChecker {
  problem: string | null = null
  #splitter = new LineSplitter(MAX_RECORD_LINE_BYTES)

  constructor(
    readonly archive: string,
    readonly member: string,
    readonly kind: RecordKind,
    readonly check: Check,
  ) {}

  push(chunk: Buffer): void {
    if (this.problem) return
    this.#lines(() => this.#splitter.push(chunk))
  }

  end(): void {
    if (!this.problem) this.#lines(() => this.#splitter.end())
  }

  #lines(lines: () => Iterable<Line>): void {
    try {
      for (const line of lines()) {
        if (line.text.length === 0) throw new BadArchiveError(`${this.member} line ${line.number} is empty`)
        parseRecordLine(this.archive, this.kind, line, this.check)
      }
    } catch (error) {
      if (error instanceof LineTooLongError) this.problem = `${this.member} ${error.message}`
      else if (isLifeboatError(error)) this.problem = error.message.replace(` in ${this.archive}`, '').replace(/\.$/, '')
      else throw error
    }
  }
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
    const checks = options.checkRecords ?? true ? await validators() : null
    for (const info of reader.members.values()) {
      throwIfAborted(options.signal)
      const hash = createHash('sha256')
      let size = 0
      let lines = 0
      const kind = KIND_OF_MEMBER.get(info.name)
      const records = checks && kind ? new RecordChecker(path, info.name, kind, checks.record(kind)) : null
      try {
        for await (const chunk of await reader.openMember(info.name, { check: false })) {
          const bytes = chunk as Buffer
          hash.update(bytes)
          size += bytes.length
          if (info.name.endsWith('.jsonl')) for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++
          records?.push(bytes)
        }
        records?.end()
      } catch (error) {
        report.problems.push(`${info.name} cannot be read: ${(error as Error).message}`)
        continue
      }
      if (records?.problem) report.problems.push(records.problem)
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
      // Each record's shape was checked above (or by the writer); this pass only follows the references.
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
