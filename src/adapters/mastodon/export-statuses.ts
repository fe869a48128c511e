// Every status of the account: `GET /api/v1/accounts/:id/statuses` (mdocs: methods/accounts.md#statuses), 40 a page,
// all visibilities the token can see (the author sees their own private and direct statuses), replies and boosts
// included. A full export walks back in time along `rel="next"`; an incremental one (`--since`) starts at
// `min_id=<newest exported id>` and walks forward along `rel="prev"` until a page comes back empty.
//
// While the next page is fetched, the current page's media originals download and its edited statuses' histories
// (`GET /api/v1/statuses/:id/history`, mdocs: methods/statuses.md#history, 3.5+) are read; the page's records are
// written once those are in, pages in the order they were fetched. Pages are logged for resumption (resume.ts). As in
// every collection walk (paging.ts), a status already written is never written again, and a page that brings no new
// status ends the walk.
import type { ItemFailure } from '../adapter.js'
import type { ArchiveWriter } from '../../archive/writer.js'
import type { MediaRecord, MediaRef, PostRecord } from '../../archive/records.js'
import { throwIfAborted } from '../../errors.js'
import type { CredentialAccount, Status, StatusEdit } from './api.js'
import { compareIds, type MastodonClient } from './client.js'
import { isStatus } from './errors.js'
import { mapStatus } from './map.js'
import { fileName, mimeFromName, type MediaFetcher, type MediaMeta } from './media.js'
import { ResumeLog } from './resume.js'

export const STATUSES_PAGE_LIMIT = 40
/** Pages whose media and histories may be in progress at once (bounds memory, keeps the pipe full). */
const PAGES_IN_FLIGHT = 4

export interface StatusesJob {
  client: MastodonClient
  writer: ArchiveWriter
  media: MediaFetcher
  me: CredentialAccount
  localDomain: string
  /** Newest status id of an earlier archive: only newer statuses are exported. */
  sinceId?: string
  failures: ItemFailure[]
}

export interface StatusesResult {
  posts: number
  newestId: string | undefined
  resumedPages: number
}

export async function exportStatuses(job: StatusesJob): Promise<StatusesResult> {
  const { client, writer, me } = job
  const { out, signal } = client.context
  const path = `/api/v1/accounts/${encodeURIComponent(me.id)}/statuses`
  const start = client.url(path, job.sinceId ? { limit: STATUSES_PAGE_LIMIT, min_id: job.sinceId } : { limit: STATUSES_PAGE_LIMIT })
  const rel = job.sinceId ? 'prev' : 'next'
  const log = await ResumeLog.open<Status>(writer.stagingDir, start)
  if (log.storedPages > 0) out.info(`Resuming: ${log.storedPages} pages of statuses were already fetched by an interrupted run.`)
  writer.declare('posts')

  let posts = 0
  let newestId = job.sinceId
  const progress = out.progress('statuses', job.sinceId ? 0 : (me as { statuses_count?: number }).statuses_count ?? 0)
  let written: Promise<void> = Promise.resolve()
  const inFlight: Promise<void>[] = []

  const take = async (statuses: Status[]): Promise<void> => {
    for (const status of statuses) if (newestId === undefined || compareIds(status.id, newestId) > 0) newestId = status.id
    const prepared = statuses.map((status) => prepare(job, log, status))
    // Failures surface through the page's promise; these handlers only keep Node from calling them unhandled.
    for (const p of prepared) p.catch(() => undefined)
    const page = written.then(async () => {
      for (const item of await Promise.all(prepared)) {
        throwIfAborted(signal)
        await writer.write('posts', await finish(job, item))
        posts++
      }
      progress.tick(statuses.length)
    })
    page.catch(() => undefined)
    written = page
    inFlight.push(page)
    if (inFlight.length >= PAGES_IN_FLIGHT) await inFlight.shift()
  }

  const seen = new Set<string>()
  const unseen = (statuses: Status[]): Status[] => statuses.filter((status) => !seen.has(status.id) && Boolean(seen.add(status.id)))
  try {
    for await (const items of log.storedItems()) await take(unseen(items))
    let url = log.continueFrom
    while (url !== null) {
      throwIfAborted(signal)
      const { body, links } = await client.call<Status[]>('GET', url)
      const items = unseen(Array.isArray(body) ? body : [])
      const link = items.length > 0 ? (links[rel] ?? null) : null
      const next = link === url ? null : link
      await log.addPage(url, next, items)
      await take(items)
      url = next
    }
    await Promise.all(inFlight)
  } finally {
    // Never leave downloads writing into the staging area behind a thrown error.
    await Promise.allSettled(inFlight)
  }
  progress.done(`statuses: ${posts}${log.storedPages ? ` (${log.storedPages} pages from an interrupted run)` : ''}`)
  return { posts, newestId, resumedPages: log.storedPages }
}

interface Prepared {
  status: Status
  media: { key: string; meta: MediaMeta | null }[]
  history: StatusEdit[]
}

/** Starts a status's media downloads (staging only) and history read. */
async function prepare(job: StatusesJob, log: ResumeLog<Status>, status: Status): Promise<Prepared> {
  if (status.reblog) return { status, media: [], history: [] }
  const [media, history] = await Promise.all([
    Promise.all(status.media_attachments.map(async (attachment) => {
      const key = `media:${attachment.id}`
      const url = attachment.url ?? attachment.remote_url
      if (!url) {
        job.failures.push({ kind: 'media', item: `${status.uri} attachment ${attachment.id}`, reason: 'the server gives no URL for it' })
        return { key, meta: null }
      }
      const meta = await job.media.stage(key, url, {
        mime: mimeFromName(url),
        name: fileName(url),
        alt: attachment.description,
        sensitive: status.sensitive,
        source: { url, id: attachment.id },
        attachedTo: [status.uri],
        native: attachment,
      })
      return { key, meta }
    })),
    status.edited_at ? readHistory(job, log, status) : Promise.resolve([] as StatusEdit[]),
  ])
  return { status, media, history }
}

/** Records the staged media (in attachment order) and maps the status. */
async function finish(job: StatusesJob, prepared: Prepared): Promise<PostRecord> {
  const refs: MediaRef[] = []
  for (const { key, meta } of prepared.media) {
    if (!meta) continue
    const record = await job.writer.recordMedia({ key, meta: meta as MediaRecord })
    refs.push({ sha256: record.sha256, ...(record.mime ? { mime: record.mime } : {}), ...(record.alt ? { alt: record.alt } : {}) })
  }
  return mapStatus(prepared.status, { localDomain: job.localDomain, selfId: job.me.id, media: refs, history: prepared.history })
}

async function readHistory(job: StatusesJob, log: ResumeLog<Status>, status: Status): Promise<StatusEdit[]> {
  const stored = log.history.get(status.id)
  if (stored) return stored
  try {
    const versions = await job.client.get<StatusEdit[]>(`/api/v1/statuses/${encodeURIComponent(status.id)}/history`)
    await log.addHistory(status.id, versions)
    return versions
  } catch (error) {
    if (job.client.context.signal.aborted) throw error
    // Servers before 3.5 (and some forks) keep no history: nothing to carry, nothing failed.
    if (isStatus(error, 404)) return []
    job.failures.push({ kind: 'edits', item: status.uri, reason: (error as Error).message })
    return []
  }
}
