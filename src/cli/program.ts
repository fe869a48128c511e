// The commander tree. Each command lives in src/commands/<name>.ts and exports register(program, context).
import { Command } from 'commander'
import { toolVersion } from '../archive/format.js'
import type { CliContext } from './main.js'
import { register as registerVerify } from '../commands/verify.js'
import { register as registerInspect } from '../commands/inspect.js'
import { register as registerExportAtproto } from '../commands/export-atproto.js'

export function buildProgram(context: CliContext): Command {
  const program = new Command('lifeboat')
    .description('Get social accounts out and carry them to a new home.')
    .version(toolVersion(), '--version', 'print the version')
    .option('--json', 'newline-delimited JSON events on stdout, ending with one result object')
    .option('-q, --quiet', 'print only warnings and errors')
    .option('-v, --verbose', 'print more detail (never secrets)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) })
    .exitOverride()
    .addHelpText('after', '\nExit codes and --json events: docs/cli.md')
  for (const register of [registerExportAtproto, registerVerify, registerInspect]) register(program, context)
  exitOverrideAll(program)
  return program
}

function exitOverrideAll(command: Command): void {
  for (const sub of command.commands) {
    sub.exitOverride()
    sub.configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) })
    exitOverrideAll(sub)
  }
}

/** Adds the "Example:" block every command's --help must show. */
export function withExamples(command: Command, ...examples: string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`)
}
