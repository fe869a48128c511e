// The export names of the compiled checks in schema-checks.generated.ts: a record kind in camelCase
// (`renote-mutes` -> `renoteMutes`), since a module's export names must be identifiers; the manifest's is `manifest`.
import type { RecordKind } from './format.js'

export function checkExportName(kind: RecordKind | 'manifest'): string {
  return kind.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())
}
