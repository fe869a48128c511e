// Parameter validation with the error reports ajv gives upstream (packages/backend/src/server/api/endpoint-base.ts):
// INVALID_PARAM with info {param: <JSON pointer into the endpoint's paramDef>, reason: <ajv message>}.
// Recorded: users_notes__error-limit-101 ("#/properties/limit/maximum", "must be <= 100"), error-limit-0,
// error-limit-string ("must be integer": JSON bodies are type-strict), error-missing-userId ("#/required"),
// users_following__error-limit-101 ("#/allOf/1/properties/..."), users_show__error-no-params
// ("#/allOf/0/anyOf/0/required"), users_show__error-text-plain ("must be object"), notes_show__error-bad-id-type.
// Keyword order follows ajv's vocabularies: type, then required, then anyOf, then properties; defaults are applied.
import { ApiError, CALL_ERRORS } from './errors.js'

export type PropType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object'

export interface PropSchema {
  type: PropType
  nullable?: boolean
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  maxItems?: number
  enum?: readonly unknown[]
  items?: PropSchema
  default?: unknown
}

export interface ParamDef {
  properties: Record<string, PropSchema>
  required?: string[]
  /** `anyOf: [{required: [...]}, ...]`: at least one group must be present. */
  anyOf?: string[][]
  /** Pointer of the schema holding `properties`/`required`, e.g. '#/allOf/1' where upstream wraps in allOf. */
  propsPath?: string
  /** Pointer of the schema holding `anyOf`, e.g. '#/allOf/0'. */
  anyOfPath?: string
  /** Pointer reported when the body is not an object. */
  rootPath?: string
}

function invalid(param: string, reason: string): ApiError {
  return new ApiError(CALL_ERRORS.invalidParam, { param, reason })
}

function typeOk(value: unknown, type: PropType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'array':
      return Array.isArray(value)
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
  }
}

function checkValue(value: unknown, schema: PropSchema, path: string): void {
  if (value === null) {
    if (schema.nullable) return
    throw invalid(`${path}/type`, `must be ${schema.type}`)
  }
  if (!typeOk(value, schema.type)) throw invalid(`${path}/type`, `must be ${schema.type}`)
  if (schema.enum != null && !schema.enum.includes(value)) {
    throw invalid(`${path}/enum`, 'must be equal to one of the allowed values')
  }
  if (typeof value === 'number') {
    if (schema.maximum != null && value > schema.maximum) throw invalid(`${path}/maximum`, `must be <= ${schema.maximum}`)
    if (schema.minimum != null && value < schema.minimum) throw invalid(`${path}/minimum`, `must be >= ${schema.minimum}`)
  }
  if (typeof value === 'string') {
    if (schema.maxLength != null && value.length > schema.maxLength) {
      throw invalid(`${path}/maxLength`, `must NOT have more than ${schema.maxLength} characters`)
    }
    if (schema.minLength != null && value.length < schema.minLength) {
      throw invalid(`${path}/minLength`, `must NOT have fewer than ${schema.minLength} characters`)
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems != null && value.length > schema.maxItems) {
      throw invalid(`${path}/maxItems`, `must NOT have more than ${schema.maxItems} items`)
    }
    if (schema.items != null) for (const item of value) checkValue(item, schema.items, `${path}/items`)
  }
}

/** Validates `body` against `def`, fills defaults, and returns the params object the endpoint sees. */
export function validateParams(body: unknown, def: ParamDef): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`${def.rootPath ?? '#'}/type`, 'must be object')
  }
  const ps = { ...(body as Record<string, unknown>) }
  const propsPath = def.propsPath ?? '#'
  for (const key of def.required ?? []) {
    if (ps[key] === undefined) throw invalid(`${propsPath}/required`, `must have required property '${key}'`)
  }
  if (def.anyOf != null && !def.anyOf.some((group) => group.every((key) => ps[key] !== undefined))) {
    const first = def.anyOf[0] ?? []
    const missing = first.find((key) => ps[key] === undefined) ?? first[0]
    throw invalid(`${def.anyOfPath ?? '#'}/anyOf/0/required`, `must have required property '${missing}'`)
  }
  for (const [key, schema] of Object.entries(def.properties)) {
    if (ps[key] === undefined) {
      if (schema.default !== undefined) ps[key] = schema.default
      continue
    }
    checkValue(ps[key], schema, `${propsPath}/properties/${key}`)
  }
  return ps
}

/** The paging parameters of QueryService.makePaginationQuery users (default limit per endpoint). */
export function pagingProps(defaultLimit: number): Record<string, PropSchema> {
  return {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: defaultLimit },
    sinceId: { type: 'string' },
    untilId: { type: 'string' },
    sinceDate: { type: 'integer' },
    untilDate: { type: 'integer' },
  }
}
