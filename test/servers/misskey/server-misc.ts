// Small HTTP helpers of the fake server: JSON responses, and the MiAuth check route
// POST /api/miauth/{session}/check (no auth): {ok: true, token, user} the first time after miauth/gen-token issued a
// token for the session, {ok: false} on every later call, both 200 (miauth__check.json, miauth__check-again.json).
import type { ServerResponse } from 'node:http'
import type { Instance } from './instance.js'
import { packUserDetailed } from './pack-user.js'

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

export function miauthCheck(inst: Instance, session: string): Record<string, unknown> {
  const token = inst.state.miauthSessions.get(session)
  const record = token == null ? undefined : inst.state.tokens.get(token)
  const user = record == null ? undefined : inst.state.users.get(record.userId)
  if (token == null || user == null) return { ok: false }
  inst.state.miauthSessions.delete(session)
  return { ok: true, token, user: packUserDetailed(inst, user, null) }
}
