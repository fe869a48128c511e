// Preloaded into a CLI run (`--import ./bench/_modules.mjs`) with LIFEBOAT_LIST_MODULES=<file>: appends every ES
// module the process resolves to that file, one `MODULE <url>` line each, so a test can see what a start-up loads.
// (CommonJS files required by other CommonJS files are not listed; the package they belong to is.)
import { register } from 'node:module'

if (process.env.LIFEBOAT_LIST_MODULES) register('./_modules-hooks.mjs', import.meta.url)
