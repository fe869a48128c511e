// A sample AT Protocol account for the demo and the tests: posts with facets, a reply, a quote, images with alt
// text, an external link, likes, reposts, follows, a block, a curated list and a profile with an avatar.
// It talks to a real PDS over HTTP; nothing here is a stub.
import { AtpAgent, RichText } from '@atproto/api'
import { solidPng } from './png.js'

export interface SampleAccount {
  did: string
  handle: string
  password: string
  agent: AtpAgent
}

export interface SampleWorld {
  alice: SampleAccount
  friends: SampleAccount[]
  /** What was created for alice, for tests to compare against an export. */
  created: { posts: string[]; likes: number; reposts: number; follows: string[]; blocks: string[]; listMembers: string[]; images: number }
}

export async function createAccount(pdsUrl: string, name: string, password = `${name}-password-123`): Promise<SampleAccount> {
  const agent = new AtpAgent({ service: pdsUrl })
  const handle = `${name}.test`
  await agent.createAccount({ handle, email: `${name}@example.test`, password })
  return { did: agent.session!.did, handle, password, agent }
}

async function uploadImage(agent: AtpAgent, seed: number) {
  const png = solidPng(16 + seed, 12 + seed, [(seed * 53) & 0xff, (seed * 97) & 0xff, 200], seed)
  const { data } = await agent.uploadBlob(png, { encoding: 'image/png' })
  return data.blob
}

async function post(agent: AtpAgent, text: string, extra: Record<string, unknown> = {}): Promise<{ uri: string; cid: string }> {
  const rt = new RichText({ text })
  await rt.detectFacets(agent)
  return agent.post({ text: rt.text, facets: rt.facets, langs: ['en'], createdAt: new Date().toISOString(), ...extra })
}

/** Seeds alice (the account the demo backs up) and two friends on one PDS. `posts` adds plain filler posts. */
export async function seedSampleWorld(pdsUrl: string, options: { extraPosts?: number } = {}): Promise<SampleWorld> {
  const alice = await createAccount(pdsUrl, 'alice')
  const bob = await createAccount(pdsUrl, 'bob')
  const carol = await createAccount(pdsUrl, 'carol')
  const mallory = await createAccount(pdsUrl, 'mallory')
  const a = alice.agent
  const posts: string[] = []
  let images = 0

  const avatar = await uploadImage(a, 1)
  images++
  await a.upsertProfile(() => ({ displayName: 'Alice Example', description: 'Testing Lifeboat backups.', avatar }))

  const bobPost = await post(bob.agent, 'Hello from bob')
  const first = await post(a, `Hello @${bob.handle}! Reading https://atproto.com today #lifeboat`)
  posts.push(first.uri)
  const reply = await post(a, 'Replying to myself', { reply: { root: first, parent: first } })
  posts.push(reply.uri)
  const quote = await post(a, 'Quoting bob', { embed: { $type: 'app.bsky.embed.record', record: bobPost } })
  posts.push(quote.uri)
  const photo1 = await uploadImage(a, 2)
  const photo2 = await uploadImage(a, 3)
  images += 2
  const withImages = await post(a, 'Two pictures', {
    embed: { $type: 'app.bsky.embed.images', images: [{ image: photo1, alt: 'a red square' }, { image: photo2, alt: 'a green square' }] },
  })
  posts.push(withImages.uri)
  const link = await post(a, 'A link card', {
    embed: { $type: 'app.bsky.embed.external', external: { uri: 'https://example.com/article', title: 'An article', description: 'About backups' } },
  })
  posts.push(link.uri)
  for (let i = 0; i < (options.extraPosts ?? 0); i++) posts.push((await post(a, `Filler post number ${i}`)).uri)

  await a.like(bobPost.uri, bobPost.cid)
  await a.repost(bobPost.uri, bobPost.cid)
  await a.follow(bob.did)
  await a.follow(carol.did)
  await a.app.bsky.graph.block.create({ repo: alice.did }, { subject: mallory.did, createdAt: new Date().toISOString() })
  const list = await a.app.bsky.graph.list.create(
    { repo: alice.did },
    { name: 'Friends', purpose: 'app.bsky.graph.defs#curatelist', description: 'People I trust', createdAt: new Date().toISOString() },
  )
  for (const member of [bob, carol]) {
    await a.app.bsky.graph.listitem.create({ repo: alice.did }, { subject: member.did, list: list.uri, createdAt: new Date().toISOString() })
  }
  await a.app.bsky.actor.putPreferences({ preferences: [{ $type: 'app.bsky.actor.defs#adultContentPref', enabled: false }] })

  return {
    alice,
    friends: [bob, carol, mallory],
    created: { posts, likes: 1, reposts: 1, follows: [bob.did, carol.did], blocks: [mallory.did], listMembers: [bob.did, carol.did], images },
  }
}
