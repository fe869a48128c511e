// Parses a command line with the real command tree without running anything (schedule's check of the command it
// will run; tests of the flag vocabulary). Public commander API only: a preAction hook on the root runs once commander
// has checked every option and argument of the command that would run, after the root's own hooks (the checks of
// the command line itself, e.g. that --token-env names a variable) and before the command's own hooks (which look
// at this machine, e.g. whether -o's folder exists) and its action; it stops the run there and names that command.
import type { Command } from 'commander'

class Parsed {
  constructor(readonly command: Command) {}
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)]
}

/**
 * The command `args` (without `node lifeboat`) would run in `program`, with its options parsed, or null when it names
 * none (e.g. `--version`). Commander's own errors (unknown command or option, missing argument) are thrown, silently:
 * `program` prints nothing. `program` is used up: build one for each call.
 */
export async function parseOnly(program: Command, args: string[]): Promise<Command | null> {
  for (const command of allCommands(program)) command.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} })
  program.hook('preAction', (_root, command) => {
    throw new Parsed(command)
  })
  try {
    await program.parseAsync(args, { from: 'user' })
  } catch (error) {
    if (error instanceof Parsed) return error.command
    throw error
  }
  return null
}
