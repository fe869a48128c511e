// Wire types of the AT Protocol endpoints Lifeboat calls (lexicons under bluesky-social/atproto `lexicons/com/atproto`).

/** com.atproto.sync.getLatestCommit */
export interface LatestCommit {
  cid: string
  rev: string
}

/** com.atproto.sync.listBlobs: `cursor` is returned even on the last non-empty page; stop on an empty page. */
export interface ListBlobsPage {
  cids: string[]
  cursor?: string
}

/** com.atproto.sync.listRepos (limit ≤ 1000) */
export interface ListReposPage {
  repos: { did: string; head: string; rev: string; active?: boolean; status?: string }[]
  cursor?: string
}

/** com.atproto.sync.getRepoStatus */
export interface RepoStatus {
  did: string
  active: boolean
  status?: string
  rev?: string
}

/** com.atproto.server.createSession */
export interface Session {
  did: string
  handle: string
  accessJwt: string
  refreshJwt: string
  active?: boolean
  status?: string
}

/** com.atproto.server.checkAccountStatus */
export interface AccountStatus {
  activated: boolean
  validDid: boolean
  repoCommit: string
  repoRev: string
  repoBlocks: number
  indexedRecords: number
  privateStateValues: number
  expectedBlobs: number
  importedBlobs: number
}

/** com.atproto.repo.listMissingBlobs */
export interface MissingBlobsPage {
  blobs: { cid: string; recordUri: string }[]
  cursor?: string
}
