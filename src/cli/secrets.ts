// Secrets come from an environment variable (named by a flag, never given as one) or from a prompt on the
// terminal with echo off. Whatever is read is registered for redaction before anything else can print it.
import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { registerSecret } from '../net/redact.js'
import { AuthError, UsageError } from '../errors.js'
import type { SecretReader, SecretRequest } from '../adapters/adapter.js'
import { isEnvName } from '../env-name.js'

function notAnEnvName(flag: string): UsageError {
  // The value is not echoed: a user who typed the secret itself into the flag must not see it printed back.
  return new UsageError(`The value given to ${flag} is not an environment variable name.`, {
    hint: 'Flags such as --password-env and --token-env take the NAME of a variable that holds the secret (e.g. LIFEBOAT_TOKEN), never the secret itself.',
  })
}

/**
 * Checks every `--…-env <NAME>` option the command was given before it runs (a preAction hook in src/cli/program.ts),
 * so a secret typed into the flag is refused with exit 2 before any request, and never printed.
 */
export function checkEnvNameOptions(command: { opts(): Record<string, unknown>; options: readonly { attributeName(): string; long?: string | undefined }[] }): void {
  const values = command.opts()
  for (const option of command.options) {
    const key = option.attributeName()
    const value = values[key]
    if (key.endsWith('Env') && typeof value === 'string' && !isEnvName(value)) throw notAnEnvName(option.long ?? key)
  }
}

/** Returns the secret, or undefined when it is optional, unset and cannot be prompted for. */
export async function readSecret(request: SecretRequest & { required: true }): Promise<string>
export async function readSecret(request: SecretRequest & { required?: false }): Promise<string | undefined>
export async function readSecret(request: SecretRequest & { required?: boolean }): Promise<string | undefined> {
  if (!isEnvName(request.envName)) throw notAnEnvName(`the ${request.label} flag`)
  const value = request.env[request.envName]
  if (value) {
    registerSecret(value)
    return value
  }
  if (request.explicit) {
    throw new AuthError(`The environment variable ${request.envName} is not set.`, { hint: `Set ${request.envName} to the ${request.label}, then run the command again.` })
  }
  if ((request.prompt ?? true) && process.stdin.isTTY && process.stderr.isTTY) {
    const answer = await promptHidden(`${request.label}: `)
    if (answer) {
      registerSecret(answer)
      return answer
    }
  }
  if (request.required) {
    throw new AuthError(`No ${request.label} was given.`, { hint: `Set ${request.envName} (or name another variable with the flag), or run in a terminal to be asked.` })
  }
  return undefined
}

/** The CLI's SecretReader (the adapters' contract, src/adapters/adapter.ts): an environment variable or a prompt. */
export const terminalSecrets: SecretReader = { read: readSecret }

async function promptHidden(question: string): Promise<string> {
  process.stderr.write(question)
  const muted = new Writable({ write: (_chunk, _encoding, callback) => callback() })
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true })
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve))
  } finally {
    rl.close()
    process.stderr.write('\n')
  }
}
