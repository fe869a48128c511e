// Scrubbing of secrets from anything that may reach a log, an event, an error message or --json output.
// Two mechanisms, used together:
// - by shape: known secret query parameters, headers and JSON keys are replaced by `***` whatever their value;
// - by value: the CLI registers every token and password it reads (registerSecret), and redactText removes
//   those exact values (and their URL-encoded form) from any string, wherever they ended up.

const MASK = '***'

/** Query parameters that carry credentials: Matrix `access_token`, Misskey `i`, OAuth codes, signed-URL parts. */
const SECRET_PARAMS = new Set([
  'access_token',
  'refresh_token',
  'token',
  'i',
  'password',
  'passphrase',
  'key',
  'api_key',
  'apikey',
  'sig',
  'signature',
  'secret',
  'client_secret',
  'code',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
])

/** Headers that carry credentials; `x-ratelimit-bypass` is the AT Protocol PDS bypass key. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-ratelimit-bypass',
  'x-api-key',
  'x-auth-token',
  'x-csrf-token',
  'dpop',
])

/** JSON keys compared after lower-casing and dropping `_` and `-`: exact names, then suffixes. */
const SECRET_KEYS = new Set(['i', 'token', 'password', 'passphrase', 'secret', 'authorization', 'cookie'])
const SECRET_KEY_SUFFIXES = ['token', 'password', 'passphrase', 'secret', 'jwt', 'privatekey', 'apikey', 'recoverykey']

const secrets = new Set<string>()
let ordered: string[] = []

/** Remembers a secret value so that redactText scrubs it from every string from now on. Empty values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return
  const before = secrets.size
  secrets.add(value)
  const encoded = encodeURIComponent(value)
  if (encoded !== value) secrets.add(encoded)
  if (secrets.size !== before) ordered = [...secrets].sort((a, b) => b.length - a.length)
}

/** Forgets every registered secret; for tests. */
export function clearRegisteredSecrets(): void {
  secrets.clear()
  ordered = []
}

/** Removes every registered secret value, bearer/basic credentials and `param=value` credentials from free text. */
export function redactText(text: string): string {
  let out = text
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join(MASK)
  }
  out = out.replace(/\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${MASK}`)
  out = out.replace(/([?&](?:access_token|refresh_token|token|i|password|key|sig|signature|secret|code)=)[^&#\s"']+/gi, `$1${MASK}`)
  return out
}

/** The URL as text with credential query parameters and userinfo masked. Never throws. */
export function redactUrl(url: string | URL): string {
  let parsed: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : new URL(url.href)
  } catch {
    return redactText(String(url))
  }
  if (parsed.username) parsed.username = MASK
  if (parsed.password) parsed.password = MASK
  const names = [...new Set([...parsed.searchParams.keys()])]
  for (const name of names) {
    if (isSecretParam(name)) parsed.searchParams.set(name, MASK)
  }
  return redactText(parsed.href)
}

function isSecretParam(name: string): boolean {
  const lower = name.toLowerCase()
  return SECRET_PARAMS.has(lower) || lower.includes('token') || lower.includes('secret') || lower.includes('password')
}

function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase()
  return SECRET_HEADERS.has(lower) || lower.includes('token') || lower.includes('secret')
}

/** A plain copy of the headers (names as given; lower-case for a Headers object) with credential values masked. */
export function redactHeaders(headers: HeadersInit | Headers | Record<string, string | string[] | undefined>): Record<string, string> {
  const entries: Array<[string, string]> = []
  if (headers instanceof Headers) headers.forEach((value, name) => entries.push([name, value]))
  else if (Array.isArray(headers)) for (const [name, value] of headers) entries.push([String(name), String(value)])
  else
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) entries.push([name, Array.isArray(value) ? value.join(', ') : String(value)])
    }
  const out: Record<string, string> = {}
  for (const [name, value] of entries) out[name] = isSecretHeader(name) ? MASK : redactText(value)
  return out
}

function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[_-]/g, '')
  return SECRET_KEYS.has(normalized) || SECRET_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix))
}

/** A deep copy of a JSON-like value with secret keys masked and registered secrets scrubbed from strings. */
export function redactJson<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  // `seen` holds the objects on the path from the root: a real cycle is cut, while the same object reached twice by
  // different paths (a result and its error both naming one list) is written both times.
  if (seen.has(value)) return '[circular]'
  seen.add(value)
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen))
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      out[key] = isSecretKey(key) && item !== null && item !== undefined && item !== '' ? MASK : redactValue(item, seen)
    }
    return out
  } finally {
    seen.delete(value)
  }
}
