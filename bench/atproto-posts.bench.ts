// Issue 15's figure: `lifeboat replay --to atproto --posts` onto an account of a real PDS with its rate limits on:
// the posts per hour the replay sustains, as a ratio to the rate the write limit allows, and the 429s met.
//
// Method. A reference PDS allows 5,000 write points an hour per account and a post is a putRecord of 2 points, so the
// limit's rate is 2,500 posts an hour (2,375 with the 5% the pacer leaves for the person's own use). A ratio above 1
// means the limit, not Lifeboat, sets the pace of a real run, which the pacer then holds at 0.95 of the limit (its
// waits and deferrals are shown by test/atproto-posts/resume.test.ts and, for the same pacer, bench/atproto-replay).
// Shortening the PDS's hour to a minute, as the follows benchmark does, would not measure pacing here: one write per
// post at a few tens of ms cannot fill 2,375 posts into a minute on a shared machine, so the run is measured
// unthrottled (POSTS writes stay below one window's points) and the hour is a real hour. The posts are text with a
// tag and a link, one in ten a reply to the one before; the replay is the real command through 20 ms of latency.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestPlc } from '@atproto/dev-env'
import { AtpAgent } from '@atproto/api'
import { ArchiveWriter } from '../src/archive/writer.js'
import { run as replay } from '../src/commands/replay.js'
import { registerTargetFactory } from '../src/adapters/registry.js'
import { captureCli } from '../test/_util/cli.js'
import { startFaultProxy } from '../test/_util/fault-proxy.js'
import { createRateLimitedPds } from '../test/atproto-migrate/_short-window.js'
import { report } from './_report.js'

const POSTS = 1000
const WINDOW_S = 3600
const POINTS_PER_WINDOW = 5000
const PUT_POINTS = 2

async function main(): Promise<void> {
  registerTargetFactory('atproto', () => import('../src/adapters/atproto/index.js').then((m) => m.replayTarget))
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-bench-posts-'))
  const plc = await TestPlc.create({})
  const pds = await createRateLimitedPds(plc.url, WINDOW_S * 1000)
  const writeTimes: number[] = []
  const proxy = await startFaultProxy({
    target: pds.url,
    latencyMs: 20,
    skip: (req) => {
      if (req.url?.includes('com.atproto.repo.putRecord')) writeTimes.push(Date.now())
      return true
    },
  })
  try {
    const archive = join(dir, 'posts.zip')
    const self = 'https://social.example/users/me'
    const writer = await ArchiveWriter.open({ path: archive, source: { network: 'mastodon', server: 'https://social.example', account: { id: self } } })
    writer.declare('posts')
    const start = Date.parse('2018-01-01T00:00:00Z')
    for (let i = 0; i < POSTS; i++) {
      const reply = i % 10 === 9 ? { replyTo: { id: `${self}/statuses/${i - 1}` } } : {}
      await writer.write('posts', { id: `${self}/statuses/${i}`, createdAt: new Date(start + i * 3_600_000).toISOString(), text: `Post number ${i} #bench https://example.com/${i}`, visibility: 'public', ...reply })
    }
    await writer.finish()
    const agent = new AtpAgent({ service: pds.url })
    await agent.createAccount({ handle: 'writer.test', email: 'writer@example.test', password: 'writer-password-1' })
    const { data: appPassword } = await agent.com.atproto.server.createAppPassword({ name: 'bench' })

    process.stderr.write(`replaying ${POSTS} posts …\n`)
    const out = captureCli({ env: { APP_PW: appPassword.password }, json: true })
    const started = Date.now()
    const summary = await replay(archive, { to: 'atproto', handle: 'writer.test', pds: proxy.url, plc: plc.url, passwordEnv: 'APP_PW', posts: true }, out.cli)
    const seconds = (Date.now() - started) / 1000
    const applied = summary.counts.posts?.applied ?? 0
    if (applied !== POSTS) throw new Error(`only ${applied} of ${POSTS} posts were re-created`)
    const events = out.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string })
    const tooMany = events.filter((e) => e.event === 'rate-limited').length
    const limitRate = POINTS_PER_WINDOW / PUT_POINTS
    report({
      name: `atproto posts: ${POSTS} posts, posts per hour`,
      value: (POSTS / seconds) * WINDOW_S,
      baseline: limitRate,
      unit: 'posts/h',
      against: `the write limit's rate (${POINTS_PER_WINDOW} points an hour at ${PUT_POINTS} a post)`,
      note: `higher is better; above 1 the limit sets the pace and the pacer holds 0.95 of it; ${((writeTimes.at(-1)! - writeTimes[0]!) / POSTS).toFixed(0)} ms a post between writes`,
    })
    report({
      name: 'atproto posts: 429 answers met',
      value: tooMany,
      baseline: writeTimes.length,
      unit: 'responses',
      against: 'putRecord calls made',
      note: '0 is the aim',
    })
  } finally {
    await proxy.close()
    await pds.close()
    await plc.close()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
