// Preloaded into a child process (`--import ./bench/_rss.mjs`): prints the process's peak RSS on exit, so a
// benchmark can measure a real CLI run's memory apart from the servers the benchmark itself hosts.
// It reads VmHWM from /proc/self/status, not getrusage's maxRSS: Linux carries ru_maxrss across fork and exec, so a
// child forked from a benchmark that hosts a PDS would report at least the parent's size.
import { readFileSync } from 'node:fs'

function peakKb() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    if (match) return Number(match[1])
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS
}

process.on('exit', () => {
  process.stderr.write(`\nPEAK_RSS_KB ${peakKb()}\n`)
})
