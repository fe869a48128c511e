// Help-text helpers shared by every command's registration. Kept apart from program.ts, which imports the commands:
// a command that imported program.ts would close an import cycle.
import type { Command } from 'commander'

/** The parent command `name` (e.g. `export`, `import`), created on first use by whichever subcommand registers first. */
export function parentCommand(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description)
}

/** Adds the "Example:" block every command's --help must show. */
export function withExamples(command: Command, ...examples: string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`)
}
