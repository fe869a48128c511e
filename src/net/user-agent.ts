// The User-Agent every request carries unless the caller sets one: `lifeboat/<version>`, so that server admins
// can recognise (and rate-limit, or contact) the tool in their logs.
import { toolVersion } from '../version.js'

export function defaultUserAgent(): string {
  return `lifeboat/${toolVersion()}`
}
