// lifeboat verify <archive>: recompute every hash and count (docs/cli.md). Exit 0 when sound, 12 listing each problem.
import type { Command } from 'commander'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { BadArchiveError } from '../errors.js'
import { verifyArchive, type VerifyReport } from '../archive/verify.js'

export async function run(archive: string, context: CliContext): Promise<VerifyReport> {
  const report = await verifyArchive(archive, { signal: context.signal })
  for (const problem of report.problems) context.out.event('problem', { problem }, `problem: ${problem}`)
  if (!report.ok) {
    throw new BadArchiveError(`${archive} is not sound: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found.`, {
      hint: 'Do not rely on this copy; verify another copy or export again.',
      problems: report.problems,
    })
  }
  context.out.result(
    { ok: true, archive, members: report.checkedMembers, bytes: report.checkedBytes, counts: report.manifest?.counts ?? {} },
    `${archive}: sound (${report.checkedMembers} members, ${report.checkedBytes} bytes checked).`,
  )
  return report
}

export function register(program: Command, context: CliContext): void {
  withExamples(
    program
      .command('verify')
      .description('check an archive: every member hash, size and record count')
      .argument('<archive>', 'a Lifeboat archive (.zip)')
      .action(async (archive: string) => {
        await run(archive, context)
      }),
    'lifeboat verify alice-2026-11-22.zip',
  )
}
