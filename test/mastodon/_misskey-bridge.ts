// Lets Mastodon test servers find the users of a Misskey test server: a `DirectoryMember` (test/servers/mastodon/
// directory.ts) that answers for the Misskey server's host from its live state, standing in for the WebFinger and
// actor fetches a real Mastodon makes of a Misskey instance. Actor URIs are Misskey's own (`<url>/users/<id>`,
// upstream genLocalUserUri via localUserUri), so accounts exported from either side name the same actor.
import type { DirectoryActor, DirectoryMember } from '../servers/mastodon/directory.js'
import { localUserUri } from '../servers/misskey/instance.js'
import type { MisskeyTestServer } from '../servers/misskey/server.js'
import type { UserRecord } from '../servers/misskey/state.js'

export function misskeyDirectoryMember(server: MisskeyTestServer): DirectoryMember {
  const inst = server.instance
  const actorOf = (user: UserRecord): DirectoryActor => ({
    uri: localUserUri(inst, user),
    username: user.username,
    host: server.host,
    url: `${server.url}/@${user.username}`,
    displayName: user.name ?? '',
    note: user.description ?? '',
    locked: user.isLocked,
    bot: user.isBot,
    alsoKnownAs: user.alsoKnownAs ?? [],
    movedTo: user.movedToUri,
  })
  const local = (user: UserRecord | undefined) => (user && user.host === null && !user.isSuspended ? actorOf(user) : undefined)
  return {
    host: server.host,
    lookup: (username) => local(inst.state.findUserByAcct(username, null)),
    lookupUri: (uri) => local([...inst.state.users.values()].find((u) => u.host === null && localUserUri(inst, u) === uri)),
  }
}
