// lifeboat view <archive|folder>... -o <site>: a static, offline viewer site of one or more archives
// (docs/viewer.md); --serve serves it on 127.0.0.1 until interrupted.
import type { Command } from 'commander'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import type { CliContext } from '../cli/main.js'
import { withExamples } from '../cli/help.js'
import { UsageError } from '../errors.js'
import { buildSite, type BuildSiteResult } from '../viewer/site.js'
import { serveSite } from '../viewer/serve.js'

export interface ViewOptions {
  output?: string
  serve?: boolean
}

export interface ViewResult extends BuildSiteResult {
  url: string | null
}

/** Builds the site; with `serve`, serves it and resolves only when the context's signal aborts (Ctrl-C). */
export async function run(archives: string[], options: ViewOptions, context: CliContext, hooks: { onServing?: (url: string) => void } = {}): Promise<ViewResult> {
  if (!options.output && !options.serve) throw new UsageError('Say where to write the site with -o <folder>, or pass --serve.', { hint: 'lifeboat view alice.zip -o alice-site' })
  const temp = options.output ? null : await mkdtemp(join(tmpdir(), 'lifeboat-view-'))
  try {
    const result = await buildSite(archives, options.output ?? join(temp!, 'site'), { signal: context.signal, warn: (line) => context.out.warn(line) })
    const human = `Wrote ${result.output}: ${result.posts} posts, ${result.events} messages, ${result.media} media files from ${result.archives} archive${result.archives === 1 ? '' : 's'}.`
    if (!options.serve) {
      context.out.result({ ok: true, ...result, url: null }, `${human}\nOpen ${join(result.output, 'index.html')} in a browser.`)
      return { ...result, url: null }
    }
    const server = await serveSite(result.output)
    try {
      context.out.event('serving', { url: server.url }, human)
      if (!context.out.json) context.out.data(`${server.url}\n`)
      context.out.info('Serving on 127.0.0.1 only; press Ctrl-C to stop.')
      hooks.onServing?.(server.url)
      if (!context.signal.aborted) await once(context.signal, 'abort')
    } finally {
      await server.close()
    }
    context.out.result({ ok: true, ...result, url: server.url })
    return { ...result, url: server.url }
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true })
  }
}

export function register(program: Command, context: CliContext): void {
  withExamples(
    program
      .command('view')
      .description('write an offline viewer site (timeline, search, threads, media, people) for one or more archives')
      .argument('<archives...>', 'Lifeboat archives (.zip) or unzipped archive folders; several merge into one timeline')
      .option('-o, --output <folder>', 'folder to write the site into (new, empty, or an earlier lifeboat view site)')
      .option('--serve', 'serve the site on 127.0.0.1 at a random port and print its URL, until Ctrl-C')
      .action(async (archives: string[], options: ViewOptions) => {
        await run(archives, options, context)
      }),
    'lifeboat view alice-2026-11-22.zip -o alice-site',
    'lifeboat view bsky.zip misskey.zip mastodon.zip -o my-life-log',
    'lifeboat view alice.zip --serve',
  )
}
