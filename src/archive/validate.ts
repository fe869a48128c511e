// Compiled validators for the schemas in schemas.ts. Ajv is loaded on first use only, so commands that never read
// or write records do not pay for it; each schema is compiled once per process.
import type { ValidateFunction } from 'ajv'
import type { RecordKind } from './format.js'
import { MANIFEST_SCHEMA, RECORD_SCHEMAS } from './schemas.js'

/** Returns null when `value` has the shape, else one line saying what is wrong (`/account/id must be string`). */
export type Check = (value: unknown) => string | null

export interface Validators {
  record(kind: RecordKind): Check
  manifest: Check
}

let loading: Promise<Validators> | null = null

export function validators(): Promise<Validators> {
  loading ??= (async () => {
    const { Ajv } = await import('ajv')
    const ajv = new Ajv({ allowUnionTypes: true, allErrors: false, code: { lines: false } })
    const wrap = (validate: ValidateFunction, root: string): Check => (value) => {
      if (validate(value)) return null
      const error = validate.errors?.[0]
      if (!error) return 'does not have the expected shape'
      const where = error.instancePath || root
      const allowed = error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : ''
      return `${where} ${error.message ?? 'is invalid'}${allowed}`
    }
    const compiled = new Map<RecordKind, Check>()
    return {
      record(kind) {
        let check = compiled.get(kind)
        if (!check) {
          check = wrap(ajv.compile(RECORD_SCHEMAS[kind]), 'the record')
          compiled.set(kind, check)
        }
        return check
      },
      manifest: wrap(ajv.compile(MANIFEST_SCHEMA), 'the manifest'),
    }
  })()
  return loading
}
