// The compiled schema checks (src/archive/schema-checks.generated.ts) are what scripts/schema-checks-source.ts makes
// of today's schemas: a schema changed without `npm run generate:schema-checks` fails here. Every kind has its check.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { RECORD_KINDS } from '../../src/archive/format.js'
import { validators } from '../../src/archive/validate.js'
import { schemaChecksSource } from '../../scripts/schema-checks-source.js'

test('the compiled schema checks are up to date with src/archive/schemas.ts', async () => {
  const committed = await readFile(new URL('../../src/archive/schema-checks.generated.ts', import.meta.url), 'utf8')
  assert.ok(committed === schemaChecksSource(), 'src/archive/schema-checks.generated.ts is stale: run `npm run generate:schema-checks`')
})

test('every record kind and the manifest have a compiled check, which answers as the schema says', async () => {
  const checks = await validators()
  for (const kind of RECORD_KINDS) {
    assert.equal(typeof checks.record(kind), 'function', kind)
    assert.equal(checks.record(kind)(42), 'the record must be object', kind)
  }
  assert.equal(checks.record('following')({ account: { id: 'did:plc:x' } }), null)
  assert.equal(checks.record('following')({ account: { id: 7 } }), '/account/id must be string')
  assert.match(checks.manifest({ format: 'x' }) ?? '', /^the manifest must have required property/)
})
