// The AT Protocol benchmark account: `records` posts written 200 at a time, the first `blobs` of them with an image.
import { createAccount, type SampleAccount } from '../src/demo/sample-account.js'
import { solidPng } from '../src/demo/png.js'

export async function seedAtprotoAccount(pds: string, name: string, records: number, blobs: number): Promise<SampleAccount> {
  const account = await createAccount(pds, name)
  const agent = account.agent
  const now = Date.now()
  const uploaded = []
  for (let i = 0; i < blobs; i++) {
    const { data } = await agent.uploadBlob(solidPng(120, 90, [i & 0xff, (i * 7) & 0xff, 90], i), { encoding: 'image/png' })
    uploaded.push(data.blob)
  }
  const writes: { $type: 'com.atproto.repo.applyWrites#create'; collection: string; value: Record<string, unknown> }[] = []
  for (let i = 0; i < records; i++) {
    const createdAt = new Date(now - (records - i) * 1000).toISOString()
    const value: Record<string, unknown> = { $type: 'app.bsky.feed.post', text: `post number ${i} with some text to make it realistic`, createdAt, langs: ['en'] }
    if (i < blobs) value.embed = { $type: 'app.bsky.embed.images', images: [{ image: uploaded[i], alt: `image ${i}` }] }
    writes.push({ $type: 'com.atproto.repo.applyWrites#create' as const, collection: 'app.bsky.feed.post', value })
    if (writes.length === 200) {
      await agent.com.atproto.repo.applyWrites({ repo: account.did, writes: writes.splice(0) })
    }
  }
  if (writes.length) await agent.com.atproto.repo.applyWrites({ repo: account.did, writes })
  return account
}
