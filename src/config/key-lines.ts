// Best-effort line numbers for the keys of a TOML file, so that a mistake can be reported as `file:line: key`.
// smol-toml returns plain values without positions; this scans the text for `[table]`, `[[array]]` headers and
// `key =` lines. Dotted keys, inline tables and keys inside multi-line strings are not located (the message then
// names the key without a line), which is all a hint needs.

/**
 * Maps `store` and `store.path`, `account[2]` and `account[2].network` (arrays of tables counted from 1) and top-level
 * `key` to the 1-based line where they appear.
 */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>()
  const arrayCounts = new Map<string, number>()
  let prefix = ''
  let inMultiline: string | null = null
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    const lineNo = i + 1
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = null
      return
    }
    const array = /^\[\[\s*([A-Za-z0-9_-]+)\s*\]\]/.exec(line)
    const table = array ? null : /^\[\s*([A-Za-z0-9_-]+)\s*\]/.exec(line)
    if (array) {
      const n = (arrayCounts.get(array[1]!) ?? 0) + 1
      arrayCounts.set(array[1]!, n)
      prefix = `${array[1]}[${n}]`
      lines.set(prefix, lineNo)
      return
    }
    if (table) {
      prefix = table[1]!
      if (!lines.has(prefix)) lines.set(prefix, lineNo)
      return
    }
    const key = /^([A-Za-z0-9_-]+|"[^"\\]*")\s*=\s*(.*)$/.exec(line)
    if (!key) return
    const name = key[1]!.replace(/^"|"$/g, '')
    const path = prefix ? `${prefix}.${name}` : name
    if (!lines.has(path)) lines.set(path, lineNo)
    for (const quote of ['"""', "'''"]) {
      const rest = key[2]!
      if (rest.startsWith(quote) && rest.split(quote).length === 2) inMultiline = quote
    }
  })
  return lines
}
