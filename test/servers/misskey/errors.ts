// Misskey API errors. Body shape and status mapping: misskey packages/backend/src/server/api/ApiCallService.ts and
// error.ts; every id below is either recorded in /work/shared/fixtures/misskey (file named) or copied from the
// endpoint's `meta.errors` upstream (path named). The same code carries a different id per endpoint, so errors are
// defined per endpoint, never shared by code.

export type ErrorKind = 'client' | 'permission' | 'server'

export interface ApiErrorDef {
  message: string
  code: string
  id: string
  kind?: ErrorKind
  httpStatusCode?: number
}

export class ApiError extends Error {
  readonly code: string
  readonly id: string
  readonly kind: ErrorKind
  readonly httpStatusCode: number | undefined
  readonly info: Record<string, unknown> | undefined

  constructor(def: ApiErrorDef, info?: Record<string, unknown>) {
    super(def.message)
    this.name = 'ApiError'
    this.code = def.code
    this.id = def.id
    this.kind = def.kind ?? 'client'
    this.httpStatusCode = def.httpStatusCode
    this.info = info
  }

  /** Status as ApiCallService picks it: explicit, else client 400, permission 403, server 500. */
  get status(): number {
    if (this.httpStatusCode != null) return this.httpStatusCode
    return this.kind === 'client' ? 400 : this.kind === 'permission' ? 403 : 500
  }

  toBody(): { error: Record<string, unknown> } {
    return {
      error: {
        message: this.message,
        code: this.code,
        id: this.id,
        kind: this.kind,
        ...(this.info != null ? { info: this.info } : {}),
      },
    }
  }
}

function def(message: string, code: string, id: string, extra: Partial<ApiErrorDef> = {}): ApiErrorDef {
  return { message, code, id, ...extra }
}

/** Errors raised by the call pipeline itself, before any endpoint runs. */
export const CALL_ERRORS = {
  // i__error-missing-token.json, i__error-wrong-auth-scheme.json
  credentialRequired: def('Credential required.', 'CREDENTIAL_REQUIRED', '1384574d-a912-4b81-8601-c7b1c4085df1', {
    httpStatusCode: 401,
  }),
  // i__error-invalid-token-16.json (401, not the 403 of older upstream code)
  authenticationFailed: def(
    'Authentication failed. Please ensure your token is correct.',
    'AUTHENTICATION_FAILED',
    'b0a7f5f8-dc2f-4171-b91f-de88ad238e14',
    { httpStatusCode: 401 },
  ),
  // i_export-notes__app-token-access-denied.json, i_move__anonymous.json
  accessDenied: def('Access denied.', 'ACCESS_DENIED', '56f35758-7dd5-468b-8439-5d6fb8ec9b8e'),
  // drive_files__limited-token-permission-denied.json
  permissionDenied: def(
    'Your app does not have the necessary permissions to use this endpoint.',
    'PERMISSION_DENIED',
    '1370e5b7-d4eb-4566-bb1d-7748ee6a1838',
    { kind: 'permission' },
  ),
  // following_create__ratelimited-429.json
  rateLimitExceeded: def('Rate limit exceeded. Please try again later.', 'RATE_LIMIT_EXCEEDED', 'd5826d14-3982-4d2e-8011-b9e9f02499ef', {
    httpStatusCode: 429,
  }),
  // users_notes__error-limit-101.json
  invalidParam: def('Invalid param.', 'INVALID_PARAM', '3d81ceae-475f-4600-b2a8-2bc116157532'),
  // unknown-endpoint__GET.json
  unknownEndpoint: def('Unknown API endpoint.', 'UNKNOWN_API_ENDPOINT', '2ca3b769-540a-4f08-9dd5-b5a825b6d0f1', {
    httpStatusCode: 404,
  }),
  // i_move__native-local-move.json (INTERNAL_ERROR wraps the thrown error as info.e)
  internalError: def(
    'Internal error occurred. Please contact us if the error persists.',
    'INTERNAL_ERROR',
    '5d37dbcb-891e-41ca-a3d6-e690c97775ac',
    { kind: 'server' },
  ),
  // upstream ApiCallService: prohibitMoved endpoints called by a moved account
  yourAccountMoved: def('You have moved your account.', 'YOUR_ACCOUNT_MOVED', '56f20ec9-fd06-4fa5-841b-edd6d7d4fa31', {
    httpStatusCode: 403,
  }),
} as const

/** `WWW-Authenticate` as recorded: per status/kind; none on 429, 500 and the GET 404. */
export function wwwAuthenticate(err: ApiError): string | undefined {
  if (err.code === 'CREDENTIAL_REQUIRED') return 'Bearer realm="Misskey"'
  if (err.code === 'AUTHENTICATION_FAILED') {
    return `Bearer realm="Misskey", error="invalid_token", error_description="${err.message}"`
  }
  if (err.status === 429 || err.code === 'UNKNOWN_API_ENDPOINT') return undefined
  if (err.kind === 'client') return `Bearer realm="Misskey", error="invalid_request", error_description="${err.message}"`
  if (err.kind === 'permission') return `Bearer realm="Misskey", error="insufficient_scope", error_description="${err.message}"`
  return undefined
}
