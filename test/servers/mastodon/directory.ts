// A shared directory of in-process test instances: the stand-in for WebFinger + ActivityPub actor fetches
// between servers. `GET /api/v2/search?resolve=true` (mastodon `app/services/resolve_account_service.rb`),
// GoToSocial's alias/move (which dereference the target, `internal/processing/account/move.go`) and Akkoma's
// move (`User.fetch_by_nickname`) consult it; a follow of a resolved account is delivered to its instance.
//
// Any test server can join by implementing `DirectoryMember` (a Misskey test server maps its users to
// `DirectoryActor`s). Lookups are live, so an alias or move made on one instance is seen by the others at once.

export interface DirectoryActor {
  /** ActivityPub id. */
  uri: string
  username: string
  /** The acct domain of the actor's instance. */
  host: string
  url: string
  displayName: string
  note: string
  locked: boolean
  bot: boolean
  alsoKnownAs: string[]
  movedTo: string | null
}

export interface DirectoryMember {
  host: string
  lookup(username: string): DirectoryActor | undefined
  lookupUri(uri: string): DirectoryActor | undefined
  /** An accepted follow arriving from another instance (optional: members that track followers). */
  receiveFollow?(follower: DirectoryActor, targetUri: string): void
  receiveUnfollow?(follower: DirectoryActor, targetUri: string): void
}

export class FediDirectory {
  private readonly members = new Map<string, DirectoryMember>()

  register(member: DirectoryMember): void {
    this.members.set(member.host.toLowerCase(), member)
  }

  unregister(host: string): void {
    this.members.delete(host.toLowerCase())
  }

  hosts(): string[] {
    return [...this.members.keys()]
  }

  /** `user@host` or `@user@host`; undefined when the host is not in the directory or has no such user. */
  resolveAcct(acct: string): DirectoryActor | undefined {
    const match = /^@?([^@\s]+)@([^@\s]+)$/.exec(acct.trim())
    if (!match) return undefined
    return this.members.get(match[2]!.toLowerCase())?.lookup(match[1]!)
  }

  resolveUri(uri: string): DirectoryActor | undefined {
    for (const member of this.members.values()) {
      const actor = member.lookupUri(uri)
      if (actor) return actor
    }
    return undefined
  }

  deliverFollow(follower: DirectoryActor, target: DirectoryActor): void {
    this.members.get(target.host.toLowerCase())?.receiveFollow?.(follower, target.uri)
  }

  deliverUnfollow(follower: DirectoryActor, target: DirectoryActor): void {
    this.members.get(target.host.toLowerCase())?.receiveUnfollow?.(follower, target.uri)
  }
}

export function createFediDirectory(): FediDirectory {
  return new FediDirectory()
}
