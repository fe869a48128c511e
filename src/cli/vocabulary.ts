// One flag vocabulary across networks (docs/cli.md "Flag vocabulary"). A renamed flag keeps its old spelling as a
// hidden alias for a release: the old option stays registered (hidden from --help), and the new one writes the same
// option value, so the command's code and in-process callers keep reading the old attribute.
import { Option, type Command } from 'commander'

/**
 * Shows `to` (e.g. '--server <url>') in place of the existing option `from` (e.g. '--pds'), which stays accepted but
 * hidden. Both set the attribute of `from` (and of `to`); a mandatory `from` makes `to` the mandatory one, so either
 * spelling satisfies it and the error for neither names the new spelling.
 */
export function renameOption(command: Command, from: string, to: string, description?: string): Command {
  const old = command.options.find((o) => o.long === from)
  if (!old) throw new Error(`renameOption: ${command.name()} has no ${from}`)
  old.hideHelp()
  const renamed = new Option(to, description ?? old.description)
  if (old.defaultValue !== undefined) renamed.default(old.defaultValue, old.defaultValueDescription)
  if (old.mandatory) {
    old.makeOptionMandatory(false)
    renamed.makeOptionMandatory(true)
  }
  command.addOption(renamed)
  // commander passes no value for a flag without an argument: present means true.
  command.on(`option:${renamed.name()}`, (value: unknown) => {
    command.setOptionValueWithSource(old.attributeName(), renamed.isBoolean() ? true : value, 'cli')
  })
  command.on(`option:${old.name()}`, (value: unknown) => {
    command.setOptionValueWithSource(renamed.attributeName(), old.isBoolean() ? true : value, 'cli')
  })
  return command
}

/**
 * Registers `olds` (e.g. '--pds <url>') as hidden spellings of the existing option `to` (e.g. '--to-server'): each is
 * accepted, not in --help, and sets `to`'s attribute. For a command whose one option had a name per network.
 */
export function hiddenAliases(command: Command, to: string, ...olds: string[]): Command {
  const target = command.options.find((o) => o.long === to)
  if (!target) throw new Error(`hiddenAliases: ${command.name()} has no ${to}`)
  for (const flags of olds) {
    const old = new Option(flags, `old spelling of ${to}`).hideHelp()
    command.addOption(old)
    command.on(`option:${old.name()}`, (value: unknown) => command.setOptionValueWithSource(target.attributeName(), value, 'cli'))
  }
  return command
}
