// Preloaded into a child process (`node --import ./bench/_rss.mjs …`): prints the process's peak RSS on exit, so a
// benchmark can measure a real CLI run's memory apart from the servers the benchmark itself hosts.
process.on('exit', () => {
  process.stderr.write(`\nPEAK_RSS_KB ${process.resourceUsage().maxRSS}\n`)
})
