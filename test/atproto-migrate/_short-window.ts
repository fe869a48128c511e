// A dev-env PDS with its rate limits on and the hourly write bucket shortened, so that tests and the bench can meet
// the real limiter (packages/xrpc-server rate-limiter.ts over rate-limiter-flexible, with the PDS's real points: 5000
// per window, create = 3) without waiting an hour. The PDS hard-codes the window as `HOUR` from @atproto/common
// (packages/pds/src/index.ts `rateLimits.shared`), read once while the server is built, so the constant is swapped
// for the duration of TestPds.create and restored at once. The daily bucket and the 5-minute global bucket are kept.
import { createRequire } from 'node:module'
import { TestPds } from '@atproto/dev-env'

const require = createRequire(import.meta.url)

function timesModule(): { HOUR: number } {
  const common = require.resolve('@atproto/common', { paths: [require.resolve('@atproto/pds')] })
  const web = createRequire(common).resolve('@atproto/common-web')
  return createRequire(web)('./times') as { HOUR: number }
}

export async function createRateLimitedPds(plcUrl: string, windowMs: number): Promise<TestPds> {
  if (windowMs % 1000 !== 0) throw new Error('the limiter counts whole seconds')
  const times = timesModule()
  const hour = times.HOUR
  times.HOUR = windowMs
  try {
    return await TestPds.create({ didPlcUrl: plcUrl, rateLimitsEnabled: true })
  } finally {
    times.HOUR = hour
  }
}
