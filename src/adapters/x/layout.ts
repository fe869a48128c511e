// Where the parts of an X archive are, by era (fixtures/x/README.md):
//   Grailbird (≤ 2018)   data/js/tweets/YYYY_MM.js, data/js/user_details.js
//   tweet.js (2019–2022) data/tweet.js (tweet-part1.js …), data/tweet_media/, data/account.js, data/manifest.js
//   tweets.js (2022 on)  data/tweets.js (tweets-part1.js …), data/tweets_media/, data/note-tweet.js, deleted-tweets.js
// The archive may sit inside one top-level folder (a repacked zip, or the folder the zip unpacked to).
import { notXArchive } from './errors.js'

export type Era = 'grailbird' | 'tweet.js' | 'tweets.js' | 'no tweets'

export interface Layout {
  /** `data/` or `<folder>/data/`. */
  data: string
  era: Era
  tweetFiles: string[]
}

const MARKERS = /^((?:[^/]+\/)?data\/)(?:manifest\.js|account\.js|tweets?\.js|tweets?-part\d+\.js|js\/user_details\.js|js\/tweets\/\d{4}_\d{2}\.js)$/

/** `<base>.js` then `<base>-part1.js`, `-part2.js` … in part order (X splits big types into parts). */
export function partsOf(names: ReadonlySet<string>, data: string, base: string): string[] {
  const parts = [...names]
    .map((n) => ({ n, m: n.startsWith(data) ? new RegExp(`^${base.replace(/[.-]/g, '\\$&')}-part(\\d+)\\.js$`).exec(n.slice(data.length)) : null }))
    .filter((p) => p.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((p) => p.n)
  return [...(names.has(`${data}${base}.js`) ? [`${data}${base}.js`] : []), ...parts]
}

export function findLayout(path: string, names: readonly string[]): Layout {
  const set = new Set(names)
  const data = names
    .map((n) => MARKERS.exec(n)?.[1])
    .filter((d): d is string => d !== undefined)
    .sort((a, b) => a.length - b.length)[0]
  if (data === undefined) throw notXArchive(path, 'it has no data/tweets.js, data/tweet.js, data/account.js or data/js/tweets/')
  const tweets = partsOf(set, data, 'tweets')
  if (tweets.length > 0) return { data, era: 'tweets.js', tweetFiles: tweets }
  const tweet = partsOf(set, data, 'tweet')
  if (tweet.length > 0) return { data, era: 'tweet.js', tweetFiles: tweet }
  const months = names.filter((n) => n.startsWith(`${data}js/tweets/`) && /^\d{4}_\d{2}\.js$/.test(n.slice(`${data}js/tweets/`.length))).sort()
  if (months.length > 0) return { data, era: 'grailbird', tweetFiles: months }
  return { data, era: 'no tweets', tweetFiles: [] }
}
