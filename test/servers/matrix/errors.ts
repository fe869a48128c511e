/**
 * Matrix error responses. Shape: `{errcode, error, ...extra}` (spec: client-server-api "Standard error
 * response"). Handlers throw `MatrixError`; server.ts turns it into the HTTP reply.
 */

export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'MatrixError'
  }

  body(): Record<string, unknown> {
    return { errcode: this.errcode, error: this.message, ...this.extra }
  }
}

export function forbidden(message: string): MatrixError {
  return new MatrixError(403, 'M_FORBIDDEN', message)
}

export function notFound(message: string): MatrixError {
  return new MatrixError(404, 'M_NOT_FOUND', message)
}

export function badJson(message: string): MatrixError {
  return new MatrixError(400, 'M_BAD_JSON', message)
}

export function invalidParam(message: string): MatrixError {
  return new MatrixError(400, 'M_INVALID_PARAM', message)
}

/**
 * "Not a member" as Synapse words it (fixtures 151-153: also used for rooms that do not exist, so a
 * client cannot probe for room existence).
 */
export function notInRoom(userId: string, roomId: string): MatrixError {
  return forbidden(`User ${userId} not in room ${roomId}, and room previews are disabled`)
}
