// Where the configuration file is (docs/config.md "Where it is"): --config, then LIFEBOAT_CONFIG, then the XDG
// location. Pure: the caller passes the environment, so tests need no real home directory.
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'

export const CONFIG_ENV = 'LIFEBOAT_CONFIG'

export interface ConfigLocation {
  path: string
  /** How the path was chosen, for messages: "--config", "LIFEBOAT_CONFIG" or "default". */
  source: '--config' | typeof CONFIG_ENV | 'default'
}

export function locateConfig(flag: string | undefined, env: NodeJS.ProcessEnv): ConfigLocation {
  if (flag !== undefined && flag !== '') return { path: flag, source: '--config' }
  const fromEnv = env[CONFIG_ENV]
  if (fromEnv) return { path: fromEnv, source: CONFIG_ENV }
  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config')
  return { path: join(base, 'lifeboat', 'config.toml'), source: 'default' }
}
