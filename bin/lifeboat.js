#!/usr/bin/env node
// Thin shim: all behaviour lives in src/cli/main.ts (compiled to dist/ by `npm install`).
import { main } from '../dist/cli/main.js'

await main(process.argv)
