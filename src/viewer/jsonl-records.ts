// A JSON Lines file's records, read a block of lines at a time (src/archive/lines.ts `fileBlocks` and `lineBlocks`):
// what the embedded viewer reads back after an export (a 100,000-event room is ~34 MB) and `lifeboat view` reads from
// an unzipped archive. Lines come a block at a time, not one async step each as `splitLines` hands them out.
import { MAX_RECORD_LINE_BYTES } from '../archive/format.js'
import { fileBlocks, lineBlocks, LineTooLongError } from '../archive/lines.js'
import { BadArchiveError } from '../errors.js'

/** Every record of a JSON Lines file, parsed; empty lines are skipped; a line that is not JSON, or longer than the limit, is a bad archive. */
export async function* jsonlRecords(path: string, maxBytes = MAX_RECORD_LINE_BYTES): AsyncGenerator<unknown> {
  try {
    for await (const { first, lines } of lineBlocks(fileBlocks(path), maxBytes)) {
      for (let i = 0; i < lines.length; i++) {
        const text = lines[i]!
        if (text.length === 0) continue
        let record: unknown
        try {
          record = JSON.parse(text)
        } catch (error) {
          throw new BadArchiveError(`${path} line ${first + i} is not valid JSON.`, { cause: error })
        }
        yield record
      }
    }
  } catch (error) {
    if (error instanceof LineTooLongError) {
      throw new BadArchiveError(`${path} ${error.message}.`, { hint: 'No Lifeboat record is that large: the archive is damaged or hostile; use another copy.' })
    }
    throw error
  }
}
