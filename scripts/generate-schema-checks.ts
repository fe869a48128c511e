// Writes src/archive/schema-checks.generated.ts (see schema-checks-source.ts). Run after changing src/archive/schemas.ts.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { schemaChecksSource } from './schema-checks-source.js'

const target = fileURLToPath(new URL('../src/archive/schema-checks.generated.ts', import.meta.url))
writeFileSync(target, schemaChecksSource())
process.stdout.write(`wrote ${target}\n`)
