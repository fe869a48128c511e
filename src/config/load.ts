// Reads, checks and validates the configuration file (docs/config.md): exit 10 when it does not exist, exit 2 when it
// cannot be read, is writable by others, is not TOML, or has mistakes (one problem line each, with file and line).
import { readFile, stat } from 'node:fs/promises'
import { parse, TomlError } from 'smol-toml'
import { NotFoundError, UsageError, type LifeboatErrorOptions } from '../errors.js'
import { keyLines } from './key-lines.js'
import { locateConfig, type ConfigLocation } from './locate.js'
import { validateConfig, type LifeboatConfig } from './validate.js'

/** Mistakes in the file: every one is a line of `problems` (`file:line: key: what`). Exit 2. */
export class ConfigError extends UsageError {
  override name = 'ConfigError'
  readonly problems: string[]

  constructor(message: string, options: LifeboatErrorOptions & { problems: string[] }) {
    super(message, options)
    this.problems = options.problems
  }
}

export interface LoadedConfig extends LifeboatConfig {
  location: ConfigLocation
}

const FIX_HINT = 'Fix the file (docs/config.md describes every key), then run the command again.'

function mistakes(path: string, problems: string[]): ConfigError {
  const message = problems.length === 1 ? problems[0]! : `${path} has ${problems.length} mistakes; nothing was backed up.`
  return new ConfigError(message, { problems, hint: FIX_HINT })
}

async function readText(location: ConfigLocation): Promise<string> {
  const { path } = location
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new NotFoundError(`No configuration file at ${path}${location.source === 'default' ? '' : ` (named by ${location.source})`}.`, {
        hint: location.source === 'default'
          ? 'Write one (docs/config.md), or name it with --config FILE; to back up one account without it, use `lifeboat backup atproto …`.'
          : 'Check the path.',
      })
    }
    throw new UsageError(`The configuration file ${path} cannot be read (${code ?? 'error'}).`, { hint: 'Check its permissions.', cause: error })
  }
  if (!info.isFile()) throw new UsageError(`The configuration file ${path} is not a file.`, { hint: 'Name the file itself with --config.' })
  // Group- or world-writable: whoever can edit it decides where each account's secret is sent (docs/config.md).
  if (process.platform !== 'win32' && (info.mode & 0o022) !== 0) {
    throw new UsageError(`The configuration file ${path} is writable by others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}): whoever can edit it can send your secrets to a server of their choosing.`, {
      hint: `Run: chmod go-w ${path}`,
    })
  }
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`The configuration file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { hint: 'Check its permissions.', cause: error })
  }
}

/** Checks `text` as the file at `path` would be checked; throws ConfigError listing every mistake. */
export function parseConfig(text: string, path: string): LifeboatConfig {
  let parsed: Record<string, unknown>
  try {
    parsed = parse(text) as Record<string, unknown>
  } catch (error) {
    if (!(error instanceof TomlError)) throw error
    // The parser's message is followed by an excerpt of the file: keep its first line only.
    const first = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')
    throw mistakes(path, [`${path}:${error.line}:${error.column}: not valid TOML: ${first}`])
  }
  const { config, problems } = validateConfig(parsed)
  if (problems.length === 0) return config
  const lines = keyLines(text)
  const located = problems.map((p) => {
    // A key's own line, else its table's (account[2] for account[2].network when the key is missing).
    const line = lines.get(p.key) ?? lines.get(p.key.replace(/\.[^.[\]]+$/, ''))
    return `${path}${line ? `:${line}` : ''}: ${p.key}: ${p.text}`
  })
  throw mistakes(path, located)
}

/** Finds, reads and validates the configuration file. */
export async function loadConfig(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<LoadedConfig> {
  const location = locateConfig(flag, env)
  const text = await readText(location)
  return { ...parseConfig(text, location.path), location }
}

/**
 * The store path of the file at `path` as it reads now, or undefined when the file does not exist yet or names no
 * store (a scheduled command may be set up before its file is written). Mistakes in an existing file are thrown.
 */
export async function configuredStore(path: string): Promise<string | undefined> {
  try {
    return (await loadConfig(path, {})).store.path
  } catch (error) {
    if (error instanceof NotFoundError) return undefined
    throw error
  }
}
