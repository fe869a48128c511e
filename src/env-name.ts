// What a flag such as --token-env or a config file's `token_env` may name.
// A plausible variable name (docs/cli.md "Secrets"): letters, digits and _, at most 64 characters, and one case
// throughout (LIFEBOAT_TOKEN, my_token). Tokens such as Matrix's `syt_bWVAZXhh…` are also made of [A-Za-z0-9_] but
// are long and mix cases, so they are refused rather than echoed back in "variable … is not set".
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

export function isEnvName(name: string): boolean {
  return ENV_NAME_RE.test(name) && !(/[a-z]/.test(name) && /[A-Z]/.test(name))
}
