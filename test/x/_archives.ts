// Helpers for the X import tests: the fixture archives, read independently of the importer (JSON after the first `=`),
// and zips of them built byte for byte (test/_util/raw-zip.ts), including hostile ones.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildRawZip, type RawZipEntry } from '../_util/raw-zip.js'

export const FIXTURES = 'fixtures/x'
export const ERAS = {
  grailbird: `${FIXTURES}/grailbird-era_2014_hotoo-twitter`,
  tweetJs: `${FIXTURES}/tweet.js-era_2020_dsajgiouawj-TweetArchive_first-half`,
  noTweets: `${FIXTURES}/tweet.js-era_2020_hotoo-twitter_no-tweet.js`,
  tweetsJs2022: `${FIXTURES}/tweets.js-era_2022_JackLance-jacklance.github.io`,
  tweetsJs2024: `${FIXTURES}/tweets.js-era_2024_alrocar-x`,
} as const

export interface Expected {
  tweets?: number
  retweets?: number
  replies_self?: number
  replies_others?: number
  media_entities?: number
  media_files_present?: number
  file_items: Record<string, number>
  media_files: string[]
}

export async function expectedCounts(): Promise<Record<string, Expected>> {
  return JSON.parse(await readFile(join(FIXTURES, 'expected-counts.json'), 'utf8'))
}

/** A data file's JSON, read the simple way: everything after the first `=`. */
export async function dataFile<T = any>(path: string): Promise<T> {
  const text = await readFile(path, 'utf8')
  return JSON.parse(text.slice(text.indexOf('=') + 1).replace(/[\s;]+$/, '')) as T
}

export async function filesUnder(dir: string, prefix = ''): Promise<{ name: string; path: string }[]> {
  const out: { name: string; path: string }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await filesUnder(path, `${prefix}${entry.name}/`)))
    else out.push({ name: `${prefix}${entry.name}`, path })
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

/** The archive folder as the zip X hands out, optionally inside one top folder, plus extra (hostile) entries. */
export async function zipOf(dir: string, options: { top?: string; extra?: RawZipEntry[] } = {}): Promise<Buffer> {
  const entries: RawZipEntry[] = []
  for (const file of await filesUnder(dir)) entries.push({ name: `${options.top ?? ''}${file.name}`, data: await readFile(file.path), deflate: true })
  return buildRawZip([...entries, ...(options.extra ?? [])])
}
