// The X importer's failures, each one line with a hint and an exit code from docs/cli.md: a damaged or hostile
// archive is 12 (nothing is written); a path that is not an X archive at all is 12 too, with a hint saying what to give.
import { BadArchiveError } from '../../errors.js'

const REQUEST = 'Give the .zip (or its unpacked folder) from X\'s "Download an archive of your data", unchanged.'

/** A data file that is not `name = <JSON>`: never evaluated, refused. */
export function notXData(what: string, why: string): BadArchiveError {
  return new BadArchiveError(`${what} is not X archive data: ${why}.`, { hint: REQUEST })
}

export function notXArchive(path: string, why: string): BadArchiveError {
  return new BadArchiveError(`${path} is not an X archive: ${why}.`, { hint: REQUEST })
}

/** A member whose name or link would lead outside the archive: the archive was tampered with, so none of it is read. */
export function escapingMember(path: string, member: string, why: string): BadArchiveError {
  return new BadArchiveError(`${path} holds a member that escapes the archive: ${JSON.stringify(member)} (${why}).`, { hint: `X never writes such names; ${REQUEST}` })
}
