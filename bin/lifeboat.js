#!/usr/bin/env -S node --max-semi-space-size=1
// Thin shim: all behaviour lives in src/cli/main.ts (compiled to dist/ by `npm install`). The one V8 flag keeps
// the young generation small, so peak memory stays near the live heap on 1 GB servers (docs/architecture.md).
import { main } from '../dist/cli/main.js'

await main(process.argv)
