// Checks a parsed configuration file against docs/config.md and turns it into typed settings, or into one problem
// line per mistake (`key: what is wrong`; load.ts adds the file and line). The keys are declared once, in the two
// tables below; every check reads them. Values that may be secrets (anything given where a variable NAME belongs, and
// any value of an unknown or mistyped key) are never put into a message.
import { isEnvName } from '../env-name.js'
import { assertSecureUrl } from '../net/secure-url.js'
import { parseActor } from '../adapters/atproto/identity.js'
import { checkUserId } from '../adapters/matrix/session.js'
import { isLifeboatError } from '../errors.js'

export const NETWORKS = ['atproto', 'misskey', 'mastodon', 'matrix'] as const
export type Network = (typeof NETWORKS)[number]

export interface StoreConfig {
  path?: string
  endpoint?: string
  region?: string
  pathStyle?: boolean
  encrypt?: boolean
  /** The variable with an encrypted store's passphrase (the flag --store-passphrase-env). */
  storePassphraseEnv?: string
}

export interface AccountConfig {
  /** 1-based position in the file, as messages count. */
  index: number
  name: string
  network: Network
  server?: string
  handle?: string
  user?: string
  passwordEnv?: string
  tokenEnv?: string
}

export interface LifeboatConfig {
  store: StoreConfig
  accounts: AccountConfig[]
}

export interface Problem {
  /** The key path: `store.path`, `account[2].network`, `account[3]` (the table itself). */
  key: string
  text: string
}

type Check = (value: string) => string | null

interface KeySpec {
  type: 'string' | 'boolean'
  /** The property of StoreConfig/AccountConfig it becomes. */
  field: string
  /** A variable name: never shown, since a secret may have been typed in its place. */
  secretName?: boolean
  check?: Check
}

interface AccountKeySpec extends KeySpec {
  networks: readonly Network[]
}

/** JSON-quoted (control characters escaped) and cut, for messages. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
}

/** Runs one of the project's own validators and keeps its message (without the trailing period) as the problem. */
function fromValidator(run: () => unknown): string | null {
  try {
    run()
    return null
  } catch (error) {
    if (!isLifeboatError(error)) throw error
    return error.message.replace(/\.$/, '')
  }
}

const url: Check = (value) => fromValidator(() => assertSecureUrl(value, 'URL'))
const notEmpty: Check = (value) => (value.trim() === '' || /[\s\p{Cc}]/u.test(value) || value.length > 64 ? `${shown(value)} is not a usable value (1 to 64 characters, no spaces)` : null)
const NAME_RE = /^[A-Za-z0-9._@:-]{1,64}$/

function storePath(value: string): string | null {
  if (value.startsWith('s3://')) {
    const bucket = value.slice('s3://'.length).split('/')[0]!
    return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) ? null : `${shown(value)} does not name an S3 bucket (s3://bucket/prefix, the bucket 3 to 63 lowercase letters, digits, dots and hyphens)`
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `${shown(value)} is neither a path nor an s3:// address`
  return value.startsWith('/') ? null : `${shown(value)} is a relative path; give an absolute one (it must not depend on the directory the command runs in)`
}

const STORE_KEYS: Record<string, KeySpec> = {
  path: { type: 'string', field: 'path', check: storePath },
  endpoint: { type: 'string', field: 'endpoint', check: url },
  region: { type: 'string', field: 'region', check: notEmpty },
  'path-style': { type: 'boolean', field: 'pathStyle' },
  encrypt: { type: 'boolean', field: 'encrypt' },
  'passphrase-env': { type: 'string', field: 'storePassphraseEnv', secretName: true },
}
const S3_ONLY = ['endpoint', 'region', 'path-style']

const ALL = NETWORKS
const ACCOUNT_KEYS: Record<string, AccountKeySpec> = {
  network: { type: 'string', field: 'network', networks: ALL },
  name: { type: 'string', field: 'name', networks: ALL, check: (v) => (NAME_RE.test(v) ? null : `${shown(v)} is not a usable name (letters, digits and . _ @ : -, at most 64 characters)`) },
  server: { type: 'string', field: 'server', networks: ALL, check: url },
  handle: { type: 'string', field: 'handle', networks: ['atproto'], check: (v) => fromValidator(() => parseActor(v)) },
  user: { type: 'string', field: 'user', networks: ['matrix'], check: (v) => fromValidator(() => checkUserId(v, 'the user')) },
  'password-env': { type: 'string', field: 'passwordEnv', networks: ['atproto', 'matrix'], secretName: true },
  'token-env': { type: 'string', field: 'tokenEnv', networks: ['misskey', 'mastodon', 'matrix'], secretName: true },
}

/** What each network needs beyond `network`: every group must have at least one of its keys. */
const REQUIRED: Record<Network, string[][]> = {
  atproto: [['handle']],
  misskey: [['server'], ['token-env']],
  mastodon: [['server'], ['token-env']],
  matrix: [['server'], ['user'], ['token-env', 'password-env']],
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (value instanceof Date) return 'a date'
  if (isTable(value)) return 'a table'
  return typeof value === 'number' || typeof value === 'bigint' ? 'a number' : `a ${typeof value}`
}

/** Checks one table's keys against `specs`; returns the typed fields of the keys that passed. */
function checkKeys(table: Record<string, unknown>, prefix: string, specs: Record<string, KeySpec>, problems: Problem[], known: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(table)) {
    const path = `${prefix}.${key}`
    const spec = specs[key]
    if (!spec) {
      problems.push({ key: path, text: `unknown key; ${known} takes ${Object.keys(specs).join(', ')}` })
      continue
    }
    if (typeof value !== spec.type) {
      problems.push({ key: path, text: `must be a ${spec.type}, not ${typeName(value)}` })
      continue
    }
    if (spec.secretName && !isEnvName(value as string)) {
      problems.push({ key: path, text: 'is not an environment variable name (its value is not shown: it may be a secret). Give the NAME of the variable that holds the secret, e.g. MY_TOKEN' })
      continue
    }
    const problem = spec.type === 'string' && spec.check ? spec.check(value as string) : null
    if (problem) {
      problems.push({ key: path, text: problem })
      continue
    }
    fields[spec.field] = value
  }
  return fields
}

function checkStore(value: unknown, problems: Problem[]): StoreConfig {
  if (value === undefined) return {}
  if (!isTable(value)) {
    problems.push({ key: 'store', text: `must be a table ([store]), not ${typeName(value)}` })
    return {}
  }
  const store = checkKeys(value, 'store', STORE_KEYS, problems, '[store]') as StoreConfig
  const path = value.path
  if (typeof path === 'string' && !path.startsWith('s3://')) {
    for (const key of S3_ONLY) if (key in value) problems.push({ key: `store.${key}`, text: `only an s3:// store uses ${key}, and path is a directory` })
  }
  return store
}

function defaultName(account: Partial<AccountConfig>): string | undefined {
  if (account.handle) return account.handle
  if (account.user) return account.user
  if (account.server && account.network) return `${account.network}@${new URL(account.server).host}`
  return undefined
}

function checkAccount(value: unknown, index: number, problems: Problem[]): AccountConfig | null {
  const prefix = `account[${index}]`
  if (!isTable(value)) {
    problems.push({ key: prefix, text: `must be a table, not ${typeName(value)}` })
    return null
  }
  const before = problems.length
  const network = value.network
  if (network === undefined) {
    problems.push({ key: prefix, text: `has no network; give one of ${NETWORKS.join(', ')}` })
  } else if (typeof network === 'string' && !(NETWORKS as readonly string[]).includes(network)) {
    problems.push({ key: `${prefix}.network`, text: `${shown(network)} is not one of ${NETWORKS.join(', ')}` })
    return null
  }
  const fields = checkKeys(value, prefix, ACCOUNT_KEYS, problems, 'an account') as Partial<AccountConfig>
  const net = fields.network
  if (!net) return null
  for (const key of Object.keys(value)) {
    const spec = ACCOUNT_KEYS[key]
    if (spec && !spec.networks.includes(net)) problems.push({ key: `${prefix}.${key}`, text: `a ${net} account does not use ${key} (${key} is for ${spec.networks.join(', ')})` })
  }
  for (const group of REQUIRED[net]) {
    if (!group.some((key) => key in value)) problems.push({ key: prefix, text: `a ${net} account needs ${group.join(' or ')}` })
  }
  if (problems.length > before) return null
  return { ...fields, index, network: net, name: fields.name ?? defaultName(fields) ?? `${net}-${index}` } as AccountConfig
}

/** Validates the whole parsed file; `problems` is empty exactly when `config` is usable. */
export function validateConfig(parsed: Record<string, unknown>): { config: LifeboatConfig; problems: Problem[] } {
  const problems: Problem[] = []
  for (const key of Object.keys(parsed)) {
    if (key !== 'store' && key !== 'account') problems.push({ key, text: 'unknown table or key; the file takes [store] and [[account]] tables' })
  }
  const store = checkStore(parsed.store, problems)
  const accounts: AccountConfig[] = []
  const list = parsed.account
  if (list === undefined) {
    problems.push({ key: 'account', text: 'no accounts: add at least one [[account]] table' })
  } else if (!Array.isArray(list)) {
    problems.push({ key: 'account', text: `must be an array of tables ([[account]]), not ${typeName(list)}` })
  } else {
    if (list.length === 0) problems.push({ key: 'account', text: 'no accounts: add at least one [[account]] table' })
    list.forEach((entry, i) => {
      const account = checkAccount(entry, i + 1, problems)
      if (account) accounts.push(account)
    })
  }
  const byName = new Map<string, AccountConfig>()
  for (const account of accounts) {
    const other = byName.get(account.name)
    if (other) {
      const given = isTable((list as unknown[])[account.index - 1]) && 'name' in ((list as Record<string, unknown>[])[account.index - 1]!)
      problems.push(
        given
          ? { key: `account[${account.index}].name`, text: `${shown(account.name)} is already the name of account[${other.index}]` }
          : { key: `account[${account.index}]`, text: `its name ${shown(account.name)} (taken from its handle, user or server) is already account[${other.index}]'s; give each a name` },
      )
    } else byName.set(account.name, account)
  }
  return { config: { store, accounts }, problems }
}
