// V8 settings that keep a long export's peak memory near its live heap, set by bin/lifeboat.js before anything else
// loads, so they hold however the CLI is started (`lifeboat …`, `node bin/lifeboat.js …`, npm's shims, a systemd
// unit): no shebang flags, which BusyBox `env` (Alpine) cannot pass. docs/architecture.md "Memory" has the
// measurements. Each flag is one V8 reads whenever it decides, not only when the heap is set up; the young
// generation's maximum size (`--max-semi-space-size`) is not one of them: set here it changes nothing.
import { setFlagsFromString } from 'node:v8'

export const HEAP_FLAGS = [
  // The young generation starts at 1 MiB semi-spaces and never grows (V8 doubles it on busy scavenges, up to 16 MiB
  // each): what a page of records leaves behind is collected in small steps instead of being carried.
  '--semi-space-growth-factor=1',
  // V8's own low-memory mode: the old generation grows by a small factor between full collections instead of up to
  // 4 × the live heap, so garbage from a long run does not pile up before it is collected.
  '--optimize-for-size',
  // WebAssembly stays on the baseline compiler: Node's fetch parses HTTP with llhttp compiled to WebAssembly, and
  // recompiling it with the optimizing compiler in the background takes ~20–30 MB for a few seconds, which was the
  // peak of every small export.
  '--liftoff-only',
] as const

export function tuneHeap(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag)
}
