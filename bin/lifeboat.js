#!/usr/bin/env node
// Thin shim: all behaviour lives in src/cli/main.ts (compiled to dist/ by `npm install`). The heap settings come first,
// before any other module loads (src/cli/heap.ts, docs/architecture.md "Memory").
import { tuneHeap } from '../dist/cli/heap.js'

tuneHeap()
const { main } = await import('../dist/cli/main.js')
await main(process.argv)
