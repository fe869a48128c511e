// Checks of records and manifests against the schemas in schemas.ts. The checks are compiled ahead of time
// (schema-checks.generated.ts, by scripts/schema-checks-source.ts) and loaded on first use only, so commands that
// never read or write records do not pay for them, and none pays for compiling schemas at start-up.
import type { RecordKind } from './format.js'
import { checkExportName } from './schema-check-names.js'

/** Returns null when `value` has the shape, else one line saying what is wrong (`/account/id must be string`). */
export type Check = (value: unknown) => string | null

export interface Validators {
  record(kind: RecordKind): Check
  manifest: Check
}

/** The shape of an Ajv standalone validation function: true, or false with `errors` set on it. */
interface CompiledCheck {
  (value: unknown): boolean
  errors?: { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[] | null
}

let loading: Promise<Validators> | null = null

export function validators(): Promise<Validators> {
  loading ??= (async () => {
    const compiled = (await import('./schema-checks.generated.js')) as unknown as Record<string, CompiledCheck>
    const wrap = (validate: CompiledCheck, root: string): Check => (value) => {
      if (validate(value)) return null
      const error = validate.errors?.[0]
      if (!error) return 'does not have the expected shape'
      const where = error.instancePath || root
      const allowed = error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : ''
      return `${where} ${error.message ?? 'is invalid'}${allowed}`
    }
    const checks = new Map<RecordKind, Check>()
    return {
      record(kind) {
        let check = checks.get(kind)
        if (!check) {
          check = wrap(compiled[checkExportName(kind)]!, 'the record')
          checks.set(kind, check)
        }
        return check
      },
      manifest: wrap(compiled.manifest!, 'the manifest'),
    }
  })()
  return loading
}
