// Child process standing in for a running PDS: keeps inserting rows into WAL-mode databases, one transaction per row,
// and reports the highest committed id of each database on every line of stdout. Stops when stdin closes.
import Database from 'better-sqlite3'

const paths = process.argv.slice(2)
const dbs = paths.map((path) => {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // No automatic checkpoints: recent commits stay in the -wal file, as they do between a busy PDS's checkpoints,
  // so a copy of the main file alone would miss them.
  db.pragma('wal_autocheckpoint = 0')
  return { db, insert: db.prepare('INSERT INTO rows (payload) VALUES (?)') }
})
let stop = false
process.stdin.resume()
process.stdin.on('end', () => {
  stop = true
})
let n = 0
function tick(): void {
  if (stop) {
    for (const { db } of dbs) db.close()
    process.exit(0)
  }
  const ids = dbs.map(({ insert }) => Number(insert.run(`row ${n++} `.repeat(40)).lastInsertRowid))
  process.stdout.write(`${ids.join(' ')}\n`)
  setImmediate(tick)
}
tick()
