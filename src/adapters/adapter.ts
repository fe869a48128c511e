// THE contract between Lifeboat's commands and its network adapters.
//
// Data flows one way: Source -> records -> ArchiveWriter (export, backup); ArchiveReader -> Target (replay, restore).
// Adapters speak their protocol and nothing else: they never write files (the export command owns the
// ArchiveWriter) and never retry (net/http-client does, beneath them). Every list is an async iterable so nothing is
// buffered whole. A Target's writes are idempotent and report per item instead of throwing for one bad item.
import type { Network, RecordKind } from '../archive/format.js'
import type { AccountRef, ListRecord, MediaRef, PostRecord, RecordsByKind, RelationRecord } from '../archive/records.js'
import type { ArchiveReader } from '../archive/reader.js'
import type { ArchiveWriter } from '../archive/writer.js'
import type { JournalEntry } from '../replay/journal.js'
import type { HttpClient, HttpClientOptions } from '../net/http-client.js'
import type { Output } from '../output.js'

/** What every adapter is given: the one HTTP client, the run's abort signal, where to report, and how to ask for a
 * secret. The caller (the CLI) decides where secrets come from; an adapter only says which one it needs. */
export interface AdapterContext {
  http: HttpClient
  signal: AbortSignal
  out: Output
  secrets: SecretReader
}

/** One secret an adapter needs (a token, a password, a passphrase). */
export interface SecretRequest {
  /** What the secret is, for prompts and messages: "app password for alice.test". */
  label: string
  /** The environment variable named by the user's flag, or the default name. */
  envName: string
  /** Whether the user named the variable explicitly (then it must be set). */
  explicit: boolean
  env: NodeJS.ProcessEnv
  /** Default true: ask on the terminal when the variable is unset and stdin is a TTY. */
  prompt?: boolean
}

/**
 * Reads a secret for an adapter. Contract: the value is registered for redaction (net/redact.ts) before it is returned;
 * a variable the user named explicitly but left unset, or a required secret nobody gave, is an AuthError; a value is
 * never echoed. `required: true` always returns a string; otherwise undefined means "not given".
 */
export interface SecretReader {
  read(request: SecretRequest & { required: true }): Promise<string>
  read(request: SecretRequest & { required?: boolean }): Promise<string | undefined>
}

/** Declared up front and checked before any network call (docs/adapters/<network>.md has the matrix). */
export interface Capabilities {
  network: Network
  /** Kinds a Source can export. */
  exports: readonly RecordKind[]
  /** Kinds a Target can replay; the replay driver refuses any other kind up front (UnsupportedError). */
  replays: readonly ReplayKind[]
  /**
   * Networks whose archives a Target can replay, when not every network's (Matrix replays Matrix archives only): the
   * driver refuses any other archive up front (BadArchiveError).
   */
  replaysFrom?: readonly Network[]
  alias: boolean
  move: boolean
}

/** Every kind a replay knows; the driver runs them in the order of REPLAY_ORDER (src/replay/replay.ts). */
export type ReplayKind = 'follows' | 'lists' | 'mutes' | 'blocks' | 'domain-blocks' | 'likes' | 'rooms' | 'direct' | 'account-data' | 'profile' | 'posts'

/** Export side. The export command drives it and hands it the writer for media and native payloads. */
export interface Source {
  readonly capabilities: Capabilities
  /** Who and where, as the archive manifest will name them. */
  describe(): Promise<{ server: string | null; account: AccountRef }>
  /**
   * Optional: called by the export driver (src/archive/source-export.ts) once exportTo is about to follow, just before
   * the archive writer opens, so a Source can send the requests that need nothing from the writer while it opens.
   * exportTo must work the same without it; describe() sends nothing of the kind.
   */
  beginExport?(): void
  /**
   * Streams everything the source holds into the writer: records of every kind it exports, media (each checked as
   * the protocol allows), native payloads and compat files. Reports progress through the context's Output.
   * Per-item failures that leave the rest intact are returned, not thrown.
   */
  exportTo(writer: ArchiveWriter, options: ExportOptions): Promise<ExportReport>
}

export interface ExportOptions {
  /** Only what is newer than this earlier archive's contents (`--since`). */
  since?: SinceState
}

export interface SinceState {
  createdAt: string
  /** Per-kind newest ids or cursors the earlier archive recorded (adapter-defined). */
  cursor: unknown
}

export interface ExportReport {
  counts: Partial<Record<RecordKind, number>>
  failures: ItemFailure[]
  /** Adapter cursor to record in the manifest's `since` for a later `--since` run. */
  cursor?: unknown
}

export interface ItemFailure {
  kind: string
  item: string
  reason: string
}

/** Replay side: each call is idempotent. */
export type Outcome =
  | { status: 'applied' }
  | { status: 'unchanged' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string }
  /** The subject (an account, a room) cannot be found from the target: the replay ends with exit 3 and names it. */
  | { status: 'unresolved'; reason: string }
  /** A limit (e.g. Mastodon's 400 follows a day) stops this kind until `until`; the rest of the kind waits too. */
  | { status: 'deferred'; reason: string; until: string }

export interface ResolvedAccount {
  /** The target network's own id for the account (DID, Misskey user id, Mastodon account id, MXID). */
  targetId: string
  ref: AccountRef
}

export interface Target {
  readonly capabilities: Capabilities
  /** Who we are on the target, for journals and messages. */
  whoami(): Promise<AccountRef>
  /** Finds the archive's account on the target; null when it does not exist or cannot be reached from there. */
  resolve(account: AccountRef): Promise<ResolvedAccount | null>
  follow(account: ResolvedAccount, settings: RelationRecord): Promise<Outcome>
  block?(account: ResolvedAccount): Promise<Outcome>
  mute?(account: ResolvedAccount, settings: RelationRecord): Promise<Outcome>
  /**
   * Creates the list if needed (matched by name) and adds the members; one outcome per member. Called with no
   * members for an empty list, it may return one outcome for the list itself (else the driver counts it applied).
   */
  list?(list: ListRecord, members: ResolvedAccount[]): Promise<Outcome[]>
  /**
   * Optional batching for networks that write many items per request (AT Protocol's applyWrites takes 200): the
   * driver hands over up to `batchSize` resolved items of one kind and records each returned outcome in the journal.
   */
  batchSize?: number
  applyBatch?(kind: 'follows' | 'blocks', items: { account: ResolvedAccount; record: RelationRecord }[]): Promise<Outcome[]>
  blockDomain?(domain: string): Promise<Outcome>
  /** AT Protocol: like a post by its URI. */
  like?(subject: string): Promise<Outcome>
  /** Lines describing how the pending work fits the server's caps (e.g. "400 follows a day: done by <date>"). */
  plan?(pending: Record<string, number>): string[]
  /** Re-creates posts (AT Protocol); driven by src/replay/posts.ts. */
  posts?: PostTarget
  /**
   * Kinds the target replays as its own steps instead of through the calls above (Matrix: profile, rooms, direct,
   * account-data), for kinds the archive holds as something other than accounts. For each kind in
   * `capabilities.replays` that has an entry here, the driver (src/replay/replay.ts) asks for the kind's steps, in
   * the kind's place in REPLAY_ORDER, and takes them one at a time: it skips a step the journal records as done
   * (`done-before`), only reports it in a dry run (`planned`), otherwise runs it and records its outcome (append and
   * fsync) before asking for the next one, reports every item, and after a deferred outcome leaves the kind's other
   * journaled steps for a later run. Since the next step is asked for only once the last is recorded, a step may read
   * what an earlier one recorded (`run.targetOf`). A step never repeats a write blindly: it reads the target first
   * and reports `unchanged` when the item is already there, so a lost journal costs reads, not duplicates.
   */
  steps?: Partial<Record<ReplayKind, (run: StepRun) => AsyncIterable<ReplayStep>>>
  /** Releases what the target holds (a device it logged in as); the replay command calls it once, after the replay. */
  close?(): Promise<void>
}

/** What a target's `steps` are given: the archive, whether this is a dry run, and what the journal holds so far. */
export interface StepRun {
  archive: ArchiveReader
  dryRun: boolean
  /** The target's id that an `applied` or `unchanged` entry recorded for an item (a joined room's ID). */
  targetOf(kind: ReplayKind, key: string): string | undefined
}

/** An Outcome, with the target's id for the item when there is one (the journal keeps it as `targetId`). */
export type StepOutcome = Outcome & { targetId?: string }

/**
 * One item of a kind a target replays as steps (`Target.steps`):
 * - `skip`: nothing to do for it (an archived room the old account had left); reported as skipped, not journaled.
 * - `run`: one idempotent step, journaled under `key` (stable within its kind, e.g. a room ID). If `run` throws, the
 *   driver makes the error the outcome: `deferred` until `retryAt` for a RemoteError carrying one (a server's wait
 *   longer than the HTTP client takes), else `failed`, tried again by a rerun; an AuthError or an interruption ends
 *   the run instead. `again` lets a final entry run once more (a room that needed an invite that has now arrived);
 *   `plan` is what a dry run says it would do.
 * - `converge`: a step that reads the target and writes only what is missing (a merge into a list that later items
 *   add to), so it is not journaled and runs on every run, after a deferral too.
 */
export type ReplayStep =
  | { subject: string; skip: string }
  | { subject: string; key: string; plan?: string; again?: (entry: JournalEntry) => boolean; run: (step: StepContext) => Promise<StepOutcome> }
  | { subject: string; plan?: string; converge: () => Promise<StepOutcome> }

/** What a journaled step is given when it runs. */
export interface StepContext {
  /** What an earlier run recorded for this item (a `failed` entry may say that a write was cut short). */
  earlier: JournalEntry | undefined
  /**
   * Records, before a write that must not be made twice (creating a room), that it is under way: a run killed during
   * the write leaves a `failed` entry with this reason, and the next run's step finds it in `earlier` and looks for
   * what the write made instead of making it again.
   */
  starting(reason: string): Promise<void>
}

/** A re-created post as later posts refer to it: its first record, its last (what replies answer), its thread root. */
export interface CreatedPost {
  uri: string
  cid: string
  lastUri: string
  lastCid: string
  rootUri: string
  rootCid: string
}

/** What a post refers to: a post re-created earlier in the replay, or the source id of someone else's post. */
export type PostLink = { created: CreatedPost } | { foreign: string; root?: string | null } | null

export interface PostLinks {
  parent: PostLink
  quote: PostLink
  repost: PostLink
  /** The bytes of an archive medium. */
  media(ref: MediaRef): Promise<Buffer>
  /** Whether the archive marks a medium sensitive. */
  sensitive(sha256: string): boolean
}

export type PostOutcome = Outcome & {
  created?: CreatedPost
  /** Parts of the post that could not be carried (a refused video, an audio file), each reported as its own item. */
  notes?: { subject: string; reason: string }[]
}

export interface PostTarget {
  /** How many records the post becomes (split text, media follow-ups), for the plan. */
  records(post: PostRecord): number
  create(post: PostRecord, links: PostLinks): Promise<PostOutcome>
  /** Lines saying how long `records` writes take under the server's limits. */
  plan(pending: { posts: number; records: number }): string[]
}

export type RecordOf<K extends RecordKind> = RecordsByKind[K]

/** Flags the replay, alias and move commands pass to a network's factory; each network reads the ones it needs. */
export interface TargetFlags {
  server?: string
  homeserver?: string
  user?: string
  handle?: string
  pds?: string
  plc?: string
  tokenEnv?: string
  passwordEnv?: string
}

/** Each adapter's index.ts exports one of these; the replay command looks it up by network. */
export interface TargetFactory {
  network: Network
  /** Checks the flags, logs in, and returns the target with the names used for its journal. */
  create(flags: TargetFlags, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<{ target: Target; server: string; account: string }>
}

/** Flags `lifeboat export <network>` passes to the network's `openSource`; each network reads the ones it needs. */
export interface SourceFlags {
  /** The account's server (Misskey, Mastodon-API), PDS (AT Protocol: else found from the handle) or homeserver. */
  server?: string
  /** The account: a handle or DID (AT Protocol), an MXID (Matrix). */
  account?: string
  plc?: string
  tokenEnv?: string
  passwordEnv?: string
  /** AT Protocol: ask for an app password on the terminal. */
  login?: boolean
  /** An earlier archive of the same account (`--since`): the Source exports only what is newer. */
  since?: string
  /**
   * Instead of `since`: asked once the account is known, for the `--since` state the caller already holds (the store's
   * backups keep it in the parent snapshot, src/backup/). Undefined means a full export.
   */
  sinceFor?: (account: AccountRef) => Promise<SinceState | undefined>
  /** Matrix: which rooms, whether left ones too, and an Element key export with its passphrase's variable. */
  rooms?: string
  includeLeft?: boolean
  keys?: string
  passphraseEnv?: string
}

/** A Source ready to export, with the `--since` state read from the earlier archive, and what to release after. */
export interface OpenedSource {
  source: Source
  since?: SinceState
  close(): Promise<void>
}

/**
 * What each adapter's index.ts exports as `adapter`, and src/adapters/registry.ts hands to the commands: what the
 * network can do, how to open it as a Source (export, backup) and as a Target (replay), and its aliases and moves.
 */
export interface NetworkAdapter {
  capabilities: Capabilities
  /** Checks the flags, reads the secrets, logs in. Networks without an API (X) have none. */
  openSource?(flags: SourceFlags, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<OpenedSource>
  /** Options the Source needs of the run's one HTTP client (e.g. more connections per host). */
  sourceHttp?: Partial<HttpClientOptions>
  openTarget?: TargetFactory['create']
  migration?: MigrationFactory
}

/** One result line of a move preflight: every check must pass before a move is attempted. */
export interface PreflightCheck {
  name: string
  ok: boolean
  detail: string
}

/**
 * Aliases and moves (ActivityPub family). `addAlias` runs as the NEW account; `preflight` and `move` run as the OLD
 * account. Networks without an API for a step implement it as printed instructions plus a verification that the
 * user's manual step took effect (Mastodon).
 */
export interface AccountMigration {
  /**
   * Adds `oldAccount` (`@user@host`) to the account's aliases, keeping the existing ones; returns them as read back,
   * and `confirmed` when the adapter itself matched the old account among them (its actor URI, however it is shaped).
   */
  addAlias(oldAccount: string): Promise<{ aliases: string[]; changed: boolean; instructions?: string[]; confirmed?: boolean }>
  /** Checks that `newAccount` resolves from here and names this account among its aliases. */
  preflight(newAccount: string): Promise<PreflightCheck[]>
  /** Irreversible: moves this account to `newAccount`. Returns instructions instead when the network has no API. */
  move(newAccount: string): Promise<{ moved: boolean; instructions?: string[] }>
}

export interface MigrationFactory {
  /** `mastodon`, `gotosocial`, `akkoma`, `misskey` … (the flavour decides the endpoints). */
  flavors: readonly string[]
  create(flags: TargetFlags & { flavor: string }, context: AdapterContext, env: NodeJS.ProcessEnv): Promise<{ migration: AccountMigration; account: AccountRef; server: string }>
}
