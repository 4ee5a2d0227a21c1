/**
 * The Copier's pure planner. From what RDS lists (snapshots shared with the DR account, and the manual snapshots in
 * the home and DR regions) it derives, per recovery point, where its copy stands and which copy or delete to start
 * now. The Copier applies {@link CopyPlan.actions}; the Checker returns only {@link CopyPlan.progress}, so both
 * always agree on what "pending" and "waiting" mean.
 *
 * Pipeline per recovery point (identifier `drCopyId(sourceAccount, dbId, recoveryPoint)` in every region;
 * docs/copy-topology.md):
 * - fan-out (default): shared snapshot -> home-region copy (stage `dr`) and, at the same time, shared snapshot ->
 *   DR-region copy (stage `dr-region`) in one cross-account cross-region CopyDBSnapshot. DB instances only: DB
 *   clusters follow two-step (see {@link isFanOut}).
 * - two-step: shared snapshot -> home-region copy (stage `dr`, DR key) -> DR-region copy (stage `dr-region`, DR-region
 *   key) -> optionally delete the home copy.
 * - direct: shared snapshot -> DR-region copy in one CopyDBSnapshot/CopyDBClusterSnapshot call. The API accepts a
 *   source ARN in another account *and* another region for both kinds:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html and
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html
 *   (SourceDBSnapshotIdentifier / SourceDBClusterSnapshotIdentifier).
 * - single account (stack role `both`): when `RPL_SOURCE_ACCOUNTS` lists the Lambda's own account, its own manual
 *   `rpl-*` snapshots of stage `source` are sources too. There is no cross-account hop, so they always go straight
 *   into the DR region (stage `dr-region`, DR-region key), whatever the mode.
 *
 * Copy window: a copy *from a source snapshot* of a recovery point older than `RPL_COPY_WINDOW_HOURS` is never
 * started (skipped, `outside-copy-window`). The DR Janitor keeps every copy inside that window, so a copy it deleted
 * by retention is never made again while the source still holds the original.
 */
import { BoundedCache } from "../lib/boundedCache";
import type { ItemFailure } from "../lib/errors";
import { drCopyIdBody, ID_PREFIX, timeSlug } from "../lib/identifiers";
import { type DbKind, recoveryTimeOf, type Snapshot, stageOf } from "../lib/model";
import { IN_PROGRESS_STATUSES, isCopyInFlight, listMemoOf } from "../lib/rds";
import { isOwned, MANAGED_BY_VALUE, TAG } from "../lib/tags";
import type { CopyConfig } from "./config";
import type { CopyScope } from "./event";
import { dbAllowance, dbKeyOf, inFlightPerDb } from "./perDbCap";

/** Snapshot statuses that mean "a copy is still running" (defined with the raw count in lib/rds.ts). */
export { IN_PROGRESS_STATUSES };

/** Where the planner's inputs come from (all listed by the handler, nothing else is read). */
export interface CopyPlanInput {
  readonly config: CopyConfig;
  readonly scope: CopyScope;
  /** The run's time (from the handler's clock): the copy window is measured back from it. */
  readonly now: Date;
  /** Snapshots shared with this account, listed in the home region (`SnapshotType: shared`). Tags are empty. */
  readonly shared: readonly Snapshot[];
  /**
   * Manual snapshots in the home region, owned or not (a foreign one can block our identifier). They belong to the
   * Lambda's own account, so in a single-account stack the source-stage ones among them are sources too.
   */
  readonly home: readonly Snapshot[];
  /** Manual snapshots in the DR region; empty when no DR region is configured. */
  readonly regional: readonly Snapshot[];
  /**
   * Owned copies in progress per destination region, counted over a full listing, for a run whose `home`/`regional`
   * listings were narrowed to its scope (the limit counts copies of every DB). Regions left out are counted from
   * `home`/`regional`.
   */
  readonly inFlight?: Readonly<Record<string, number>>;
}

/** Pipeline stage a copy lands in. */
export type CopyStage = "dr" | "dr-region";

/** Start one CopyDBSnapshot / CopyDBClusterSnapshot in `region`. */
export interface CopyAction {
  readonly type: "copy";
  /** `<sourceAccount>/<dbId>`: what a failure is reported against. */
  readonly item: string;
  readonly kind: DbKind;
  readonly stage: CopyStage;
  /** Destination region (the client the call is sent with). */
  readonly region: string;
  /** ARN of the snapshot copied from (always an ARN: the source is shared, or in another region). */
  readonly sourceArn: string;
  readonly targetId: string;
  /** The DR key of the destination region, from the config. Never the source snapshot's key. */
  readonly kmsKeyId: string;
  /** The complete `rpl-*` tag set written on the copy. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Delete the intermediate home-region copy of a recovery point whose DR-region copy is available. */
export interface DeleteIntermediateAction {
  readonly type: "delete-intermediate";
  readonly item: string;
  readonly kind: DbKind;
  readonly region: string;
  readonly snapshotId: string;
  readonly arn: string;
}

/** Anything the Copier does. */
export type CopyPlanAction = CopyAction | DeleteIntermediateAction;

/** Where one recovery point stands. */
export type CopyPhase =
  /** The cross-account copy (home region, or DR region in direct mode) has not started. */
  | "copy-needed"
  /** The home-region copy is running. */
  | "home-in-progress"
  /** The home-region copy is available; the DR-region copy has not started. */
  | "region-copy-needed"
  /** The DR-region copy is running (two-step second leg, or direct copy). */
  | "region-in-progress"
  /** The final copy (DR region if configured, else home region) is available. */
  | "done"
  /** Something needs an operator; see `reason`. */
  | "failed";

/** One recovery point of one source DB. */
export interface CopyItemView {
  readonly item: string;
  readonly targetId: string;
  readonly kind: DbKind;
  readonly sourceAccount: string;
  readonly dbId: string;
  readonly recoveryPoint: Date;
  readonly phase: CopyPhase;
  /** Why the item failed (phase `failed`). */
  readonly failure?: ItemFailure;
}

/** Reason of a snapshot skipped because its recovery point is older than `RPL_COPY_WINDOW_HOURS`. */
export const OUTSIDE_COPY_WINDOW = "outside-copy-window";

/** A source snapshot (shared, or the account's own) that was looked at and left alone, with the reason. */
export interface SkippedSnapshot {
  /** ARN of the source snapshot. */
  readonly id: string;
  readonly reason: string;
  /** Extra context (e.g. the recovery point and the window for {@link OUTSIDE_COPY_WINDOW}). */
  readonly detail?: string;
}

/** What the Checker reports and the Copier's summary is built from. */
export interface CopyProgress {
  /** Recovery points in scope. */
  readonly items: readonly CopyItemView[];
  /** Items neither done nor failed: the state machine should wait and check again while this is > 0. */
  readonly pending: number;
  /** Identifiers of in-scope copies that are running now. */
  readonly inProgress: readonly string[];
  /**
   * The running copies behind {@link inProgress}, in the same order (the copy each in-progress item waits for): their
   * `progress` and `createdAt` time the check loop's next look (copy/nextCheck.ts).
   */
  readonly running: readonly Snapshot[];
  /** Owned copies in progress per destination region (all scopes: the limit is per region). */
  readonly inFlight: Readonly<Record<string, number>>;
  /**
   * Copies that should start but have no free slot, or whose DB already holds its per-DB cap
   * (`maxCopiesInFlightPerDb`, perDbCap.ts); they start on a later run.
   */
  readonly waiting: number;
  /** Number of actions the Copier would take now (copies within the limit, intermediate deletes). */
  readonly ready: number;
  /** Items the planner already knows cannot proceed. */
  readonly failures: readonly ItemFailure[];
  readonly skipped: readonly SkippedSnapshot[];
  /** False when a scope was given and nothing (shared snapshot or copy) matched it. */
  readonly scopeMatched: boolean;
}

/** The planner's result. */
export interface CopyPlan {
  /** In execution order: intermediate deletes first (they free snapshot quota), then copies by priority. */
  readonly actions: readonly CopyPlanAction[];
  readonly progress: CopyProgress;
}

/**
 * Per source DB (kind, account, identifier): what the priority order reads. One per DB and kind, shared by all its
 * recovery points.
 */
class DbState {
  /** Newest fully copied recovery point (ms); -Infinity when none. */
  newestDone = Number.NEGATIVE_INFINITY;
  /** Newest recovery point with a copy waiting in the destination region of pass {@link neededPass}. */
  needed = Number.NEGATIVE_INFINITY;
  neededPass = -1;
  /** Per-DB cap (chooseCapped), for pass {@link capPass}: copies it may still start, and its best ones so far. */
  capPass = -1;
  capAllowance = 0;
  capBest: Candidate[] | undefined = undefined;
  /** {@link dbKeyOf} of this DB, on first use. */
  capKey: string | undefined = undefined;
  constructor(
    /** Its index in {@link Items.states}. */
    readonly no: number,
    readonly db: DbRecord,
    readonly kind: DbKind,
  ) {}
}

/** Per source account and DB identifier: the strings every recovery point of it shares, worked out once per run. */
interface DbRecord {
  /** `<sourceAccount>/<dbId>` */
  readonly item: string;
  readonly account: string;
  readonly dbId: string;
  /** `dbId` lowercased (a `db` scope compares it), on first use. */
  lower: string | undefined;
  /** Index of {@link drCopyIdBody}(account, dbId) in {@link Items.bodies}; -1 until first used. */
  body: number;
  instance: DbState | undefined;
  cluster: DbState | undefined;
  /** States of other kinds (never made by RDS listings; kept so any kind string behaves the same). */
  other: Map<string, DbState> | undefined;
}

/** Where a copy's source is: none, the item's source snapshot, or its home-region copy. */
const NEED_NONE = 0;
const NEED_SOURCE = 1;
const NEED_HOME = 2;

/** {@link CopyPhase} by code: an item's phase is stored as its index here. */
const PHASES = [
  "copy-needed",
  "home-in-progress",
  "region-copy-needed",
  "region-in-progress",
  "done",
  "failed",
] as const satisfies readonly CopyPhase[];
const COPY_NEEDED = 0;
const HOME_IN_PROGRESS = 1;
const REGION_COPY_NEEDED = 2;
const REGION_IN_PROGRESS = 3;
const DONE = 4;
const FAILED = 5;

/**
 * The recovery points of one run (one item per recovery point of a source DB), stored column-wise in typed arrays
 * indexed by item number (the order items were added): a sweep at 1,000 DBs has ~48,000 of them, and one object per
 * item, plus one identifier string, made the run allocate ~20 MB that lived until it ended (young-generation
 * collections copying it were the largest single cost; docs/performance.md). Snapshots are referred to by their
 * index in the input listings. Views ({@link CopyItemView}) and copy identifiers are made only when read.
 *
 * Items are keyed like RDS keys snapshots (kind and identifier) without hashing an identifier per item: a copy
 * identifier is `rpl-<body>-<slug>` with a 13-character slug (lib/identifiers.ts), so (body, kind, slug) names it
 * exactly. Bodies and slugs are numbered once per run (the body once per DB, the slug once per minute), and an
 * open-addressing table of item numbers is keyed by the three numbers; an identifier listed by RDS is split back
 * into body and slug to be looked up. Identifiers of another shape cannot be copy identifiers and are kept by full
 * identifier.
 */
class Items {
  n = 0;
  /** The item's {@link DbState} (DB record and kind), by index in {@link states}. */
  readonly state: Int32Array;
  /** Body number, kind number and slug number: the item's key (body -1 for identifiers of another shape). */
  readonly body: Int32Array;
  readonly kindNo: Int32Array;
  readonly slug: Int32Array;
  /** Recovery point, ms since the epoch. */
  readonly rp: Float64Array;
  /** Index of the source snapshot in `shared` (or in `home` when {@link ownSource}); -1 when none. */
  readonly source: Int32Array;
  /** The source is the account's own `source`-stage snapshot (single-account stack): copy straight to the DR region. */
  readonly ownSource: Uint8Array;
  /** Index in `home` / `regional` of the snapshot listed under the item's kind and identifier; -1 when none. */
  readonly home: Int32Array;
  readonly regional: Int32Array;
  readonly phase: Uint8Array;
  /** Copy into the home region (stage `dr`, DR key) due now, and from where ({@link NEED_NONE} ...). */
  readonly homeNeed: Uint8Array;
  /** Copy into the DR region (stage `dr-region`, DR-region key) due now, and from where. */
  readonly regionNeed: Uint8Array;
  /** Fan-out: a copy from the source is due but the recovery point is outside the copy window. */
  readonly dueFromSource: Uint8Array;
  /** Failures by item (few). */
  readonly failure = new Map<number, ItemFailure>();
  /** Identifier and source region of items adopted from one of our copies (others derive both from their source). */
  private readonly adoptedId = new Map<number, string>();
  private readonly adoptedRegion = new Map<number, string>();

  readonly states: DbState[] = [];
  /** `rpl-<body>-` per body number, and body numbers by body text. */
  readonly bodies: string[] = [];
  private readonly bodyNo = new Map<string, number>();
  /** Slug per slug number, and slug numbers by text and by minute. */
  private readonly slugs: string[] = [];
  private readonly slugNo = new Map<string, number>();
  private readonly slugOfMinute = new Map<number, number>();
  private lastMinute = Number.NaN;
  private lastMinuteSlug = -1;
  private readonly kinds: string[] = [];
  private readonly dbs = new Map<string, Map<string, DbRecord>>();
  /** The first record made per DB identifier (whichever its account). */
  private readonly firstDbById = new Map<string, DbRecord>();
  private lastDb: DbRecord | undefined = undefined;
  /** Open-addressing table of item number + 1 (0 = empty), keyed by (body, kind, slug). */
  private readonly table: Int32Array;
  private readonly mask: number;
  /** Items whose identifier is not copy-shaped, by kind and identifier. */
  private readonly others = new Map<string, Map<string, number>>();

  /** Zeroed scratch of the run (`scratchLength` entries), in the columns' buffer. */
  readonly scratch: Int32Array;

  constructor(
    /** Upper bound of the items: each comes from one listed snapshot. */
    readonly capacity: number,
    readonly shared: readonly Snapshot[],
    readonly homeList: readonly Snapshot[],
    readonly regionalList: readonly Snapshot[],
    scratchLength: number,
  ) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    // Every column (and the run's scratch) in one zeroed buffer: one allocation per run instead of one per column (a
    // scoped run of the check loop has a few dozen items, and each typed array of that size had its own off-heap store
    // to allocate and free). Float64 column first (8-byte aligned), then the Int32 ones, the table and the scratch,
    // then the bytes.
    const buffer = new ArrayBuffer(capacity * 8 + (capacity * 7 + size + scratchLength) * 4 + capacity * 5);
    let at = 0;
    const f64 = (): Float64Array => {
      const a = new Float64Array(buffer, at, capacity);
      at += capacity * 8;
      return a;
    };
    const i32 = (length: number): Int32Array => {
      const a = new Int32Array(buffer, at, length);
      at += length * 4;
      return a;
    };
    const u8 = (): Uint8Array => {
      const a = new Uint8Array(buffer, at, capacity);
      at += capacity;
      return a;
    };
    this.rp = f64();
    this.state = i32(capacity);
    this.body = i32(capacity);
    this.kindNo = i32(capacity);
    this.slug = i32(capacity);
    this.source = i32(capacity);
    this.home = i32(capacity).fill(-1);
    this.regional = i32(capacity).fill(-1);
    this.table = i32(size);
    this.scratch = i32(scratchLength);
    this.ownSource = u8();
    this.phase = u8().fill(DONE);
    this.homeNeed = u8();
    this.regionNeed = u8();
    this.dueFromSource = u8();
    this.mask = size - 1;
  }

  db(account: string, dbId: string): DbRecord {
    const last = this.lastDb;
    if (last !== undefined && last.dbId === dbId && last.account === account) return last;
    // Most DB identifiers belong to one source account: the first record made for an identifier is found with one
    // look-up (a sweep's listing takes the DBs in turn, so the last record rarely matches).
    const first = this.firstDbById.get(dbId);
    if (first !== undefined && first.account === account) {
      this.lastDb = first;
      return first;
    }
    let byDb = this.dbs.get(account);
    if (!byDb) {
      byDb = new Map();
      this.dbs.set(account, byDb);
    }
    let rec = byDb.get(dbId);
    if (!rec) {
      rec = {
        item: `${account}/${dbId}`,
        account,
        dbId,
        lower: undefined,
        body: -1,
        instance: undefined,
        cluster: undefined,
        other: undefined,
      };
      byDb.set(dbId, rec);
      if (first === undefined) this.firstDbById.set(dbId, rec);
    }
    this.lastDb = rec;
    return rec;
  }

  /** Number of the priority state of (`rec`, `kind`), made on first use. */
  stateOf(rec: DbRecord, kind: DbKind): number {
    let st = kind === "instance" ? rec.instance : kind === "cluster" ? rec.cluster : rec.other?.get(kind);
    if (st === undefined) {
      st = new DbState(this.states.length, rec, kind);
      this.states.push(st);
      if (kind === "instance") rec.instance = st;
      else if (kind === "cluster") rec.cluster = st;
      else {
        rec.other ??= new Map();
        rec.other.set(kind, st);
      }
    }
    return st.no;
  }

  private internBody(body: string): number {
    let no = this.bodyNo.get(body);
    if (no === undefined) {
      no = this.bodies.length;
      this.bodies.push(`${OWN_PREFIX}${body}-`);
      this.bodyNo.set(body, no);
    }
    return no;
  }

  /** Body number of `drCopyId(rec.account, rec.dbId, ·)`, which is `rpl-<body>-<slug>`. */
  dbBody(rec: DbRecord): number {
    if (rec.body < 0) rec.body = this.internBody(drCopyIdBody(rec.account, rec.dbId));
    return rec.body;
  }

  private internSlug(slug: string): number {
    let no = this.slugNo.get(slug);
    if (no === undefined) {
      no = this.slugs.length;
      this.slugs.push(slug);
      this.slugNo.set(slug, no);
    }
    return no;
  }

  /** Slug number of `ms` (yyyymmdd-hhmm, UTC, minute resolution), one slug per minute. */
  slugOf(ms: number): number {
    const minute = Math.floor(ms / MINUTE_MS);
    if (minute === this.lastMinute) return this.lastMinuteSlug;
    let no = this.slugOfMinute.get(minute);
    if (no === undefined) {
      no = this.internSlug(timeSlug(new Date(ms)));
      this.slugOfMinute.set(minute, no);
    }
    this.lastMinute = minute;
    this.lastMinuteSlug = no;
    return no;
  }

  private kindNumber(kind: string, add: boolean): number {
    const k = this.kinds;
    for (let i = 0; i < k.length; i++) if (k[i] === kind) return i;
    if (!add) return -1;
    k.push(kind);
    return k.length - 1;
  }

  private slotOf(body: number, kindNo: number, slug: number): number {
    let h = Math.imul(body, 0x9e3779b1) ^ Math.imul(slug + 1, 0x85ebca77) ^ Math.imul(kindNo + 1, 0xc2b2ae3d);
    h ^= h >>> 15;
    let slot = h & this.mask;
    for (;;) {
      const v = this.table[slot] as number;
      if (v === 0) return slot;
      const j = v - 1;
      if (this.body[j] === body && this.slug[j] === slug && this.kindNo[j] === kindNo) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Item under (body, kind, slug), or -1. */
  private lookup(body: number, kindNo: number, slug: number): number {
    return (this.table[this.slotOf(body, kindNo, slug)] as number) - 1;
  }

  /** The item with this kind and identifier, or -1. */
  find(kind: string, id: string): number {
    const kindNo = this.kindNumber(kind, false);
    if (kindNo < 0) return -1;
    const split = splitCopyId(id);
    if (!split) return this.others.get(kind)?.get(id) ?? -1;
    const body = this.bodyNo.get(split.body);
    const slug = this.slugNo.get(split.slug);
    return body === undefined || slug === undefined ? -1 : this.lookup(body, kindNo, slug);
  }

  /** Adds an item keyed by (body, kind, slug), replacing any item under that key; returns its number. */
  private add(state: number, kind: DbKind, body: number, slug: number, rp: number): number {
    const i = this.n++;
    const kindNo = this.kindNumber(kind, true);
    this.state[i] = state;
    this.body[i] = body;
    this.kindNo[i] = kindNo;
    this.slug[i] = slug;
    this.rp[i] = rp;
    this.source[i] = -1;
    if (body >= 0) this.table[this.slotOf(body, kindNo, slug)] = i + 1;
    return i;
  }

  /**
   * Adds a source's recovery point under `rpl-<body>-<slug>`, unless an item with a source already holds that key:
   * then nothing is added and that item is returned; otherwise -1. Sources are added before any copy is adopted, so
   * an item under the key always has a source. One probe of the table finds the key's item or its empty slot.
   */
  addSourceUnlessHeld(
    rec: DbRecord,
    kind: DbKind,
    body: number,
    slug: number,
    rp: number,
    source: number,
    own: boolean,
  ): number {
    const kindNo = this.kindNumber(kind, true);
    const slot = this.slotOf(body, kindNo, slug);
    const held = (this.table[slot] as number) - 1;
    if (held >= 0 && (this.source[held] as number) >= 0) return held;
    const i = this.n++;
    this.state[i] = this.stateOf(rec, kind);
    this.body[i] = body;
    this.kindNo[i] = kindNo;
    this.slug[i] = slug;
    this.rp[i] = rp;
    this.source[i] = source;
    this.ownSource[i] = own ? 1 : 0;
    this.table[slot] = i + 1;
    return -1;
  }

  /** Adds an item under its own identifier (an adopted copy). */
  addAdopted(state: number, s: Snapshot, rp: number, sourceRegion: string): number {
    const split = splitCopyId(s.id);
    const i = split
      ? this.add(state, s.kind, this.internBody(split.body), this.internSlug(split.slug), rp)
      : this.add(state, s.kind, -1, -1, rp);
    if (!split) {
      let m = this.others.get(s.kind);
      if (!m) {
        m = new Map();
        this.others.set(s.kind, m);
      }
      m.set(s.id, i);
    }
    this.adoptedId.set(i, s.id);
    this.adoptedRegion.set(i, sourceRegion);
    return i;
  }

  /** The item's copy identifier (made on each call for a source's item: read it only where needed). */
  targetId(i: number): string {
    const adopted = this.adoptedId.get(i);
    return adopted ?? (this.bodies[this.body[i] as number] as string) + (this.slugs[this.slug[i] as number] as string);
  }

  dbOf(i: number): DbRecord {
    return (this.states[this.state[i] as number] as DbState).db;
  }

  kindOf(i: number): DbKind {
    return (this.states[this.state[i] as number] as DbState).kind;
  }

  sourceOf(i: number): Snapshot | undefined {
    const k = this.source[i] as number;
    return k < 0 ? undefined : ((this.ownSource[i] ? this.homeList[k] : this.shared[k]) as Snapshot);
  }

  homeOf(i: number): Snapshot | undefined {
    const k = this.home[i] as number;
    return k < 0 ? undefined : (this.homeList[k] as Snapshot);
  }

  regionalOf(i: number): Snapshot | undefined {
    const k = this.regional[i] as number;
    return k < 0 ? undefined : (this.regionalList[k] as Snapshot);
  }

  sourceRegionOf(i: number): string {
    return this.sourceOf(i)?.region ?? this.adoptedRegion.get(i) ?? "";
  }

  /** ARN the item's copy into the home region (`home`) or the DR region (`region`) starts from, if one is due. */
  needArn(i: number, leg: Leg): string | undefined {
    const need = (leg === "home" ? this.homeNeed[i] : this.regionNeed[i]) as number;
    return need === NEED_SOURCE ? this.sourceOf(i)?.arn : need === NEED_HOME ? this.homeOf(i)?.arn : undefined;
  }

  fail(i: number, error: string, message: string): void {
    this.phase[i] = FAILED;
    this.failure.set(i, { id: this.dbOf(i).item, error, message: `${this.targetId(i)}: ${message}` });
  }

  view(i: number): CopyItemView {
    const db = this.dbOf(i);
    const failure = this.failure.get(i);
    const phase = PHASES[this.phase[i] as number] as CopyPhase;
    return failure
      ? {
          item: db.item,
          targetId: this.targetId(i),
          kind: this.kindOf(i),
          sourceAccount: db.account,
          dbId: db.dbId,
          recoveryPoint: new Date(this.rp[i] as number),
          phase,
          failure,
        }
      : {
          item: db.item,
          targetId: this.targetId(i),
          kind: this.kindOf(i),
          sourceAccount: db.account,
          dbId: db.dbId,
          recoveryPoint: new Date(this.rp[i] as number),
          phase,
        };
  }
}

/** Length of a time slug (`yyyymmdd-hhmm`), always 13 characters (lib/identifiers.ts). */
const SLUG_LENGTH = 13;
const PREFIX_LENGTH = ID_PREFIX.length + 1;

/**
 * `rpl-<body>-<slug>` -> `{ body, slug }`; undefined for an identifier of another shape. Remembered per identifier
 * (a pure function of the text, so a cached split cannot go stale): every run splits each listed copy's identifier
 * to look it up, the same identifiers recur across runs, and a split remembered keeps its two strings, whose hashes
 * the look-ups then compute only once (the simulator's check loop split ~100,000 identifiers per virtual day, most of
 * them seen before). Emptied when it grows past {@link SPLITS_MAX}.
 */
function splitCopyId(id: string): CopyIdParts | undefined {
  return splits.get(id, splitOrNull) ?? undefined;
}
const splitOrNull = (id: string): CopyIdParts | null => splitOnce(id) ?? null;

function splitOnce(id: string): CopyIdParts | undefined {
  const n = id.length;
  if (n < PREFIX_LENGTH + SLUG_LENGTH + 1 || !id.startsWith(OWN_PREFIX) || id.charCodeAt(n - SLUG_LENGTH - 1) !== 45) {
    return undefined;
  }
  return Object.freeze({ body: id.slice(PREFIX_LENGTH, n - SLUG_LENGTH - 1), slug: id.slice(n - SLUG_LENGTH) });
}

type CopyIdParts = { readonly body: string; readonly slug: string };
const SPLITS_MAX = 100_000;
const splits = new BoundedCache<string, CopyIdParts | null>(SPLITS_MAX);

const OWN_PREFIX = `${ID_PREFIX}-`;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Plans one Copier run (pure: no I/O, no clock). */
export function planCopy(input: CopyPlanInput): CopyPlan {
  return planCopyWith(input, copiesInFlightOf(input.home), copiesInFlightOf(input.regional));
}

/**
 * The owned copies in flight ({@link isCopyInFlight}) among `snapshots`, in listing order: what {@link countInFlight}
 * counts and what the per-DB cap (perDbCap.ts `inFlightPerDb`) reads, found in one pass.
 */
export function copiesInFlightOf(snapshots: readonly Snapshot[]): readonly Snapshot[] {
  const facts = listFactsOf(snapshots);
  if (facts === undefined) return findCopiesInFlight(snapshots);
  facts.inFlight ??= Object.freeze(findCopiesInFlight(snapshots));
  return facts.inFlight;
}

function findCopiesInFlight(snapshots: readonly Snapshot[]): Snapshot[] {
  const out: Snapshot[] = [];
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    if (isCopyInFlight(s.status, (k) => s.tags[k])) out.push(s);
  }
  return out;
}

/**
 * {@link planCopy} given the copies in flight of `input.home` and `input.regional` ({@link copiesInFlightOf} of each),
 * for a caller that needs them too (copy/state.ts `planCopyRun`).
 */
export function planCopyWith(
  input: CopyPlanInput,
  homeInFlight: readonly Snapshot[],
  regionalInFlight: readonly Snapshot[],
): CopyPlan {
  const { config, scope } = input;
  const skipped: SkippedSnapshot[] = [];
  // A run asked about one snapshot plans over the few listed snapshots its items can read (see narrowToSnapshot).
  const narrowed =
    scope.kind === "snapshot"
      ? narrowToSnapshot(input.shared, input.home, config.drRegion ? input.regional : [], scope.snapshotArn)
      : undefined;
  const shared = narrowed ? narrowed.shared : input.shared;
  const home = narrowed ? narrowed.home : input.home;
  const regional = narrowed ? narrowed.regional : config.drRegion ? input.regional : [];
  const capacity = shared.length + home.length + regional.length;
  // Scratch (see below): the items found per listed snapshot, then the scoped and kept items.
  const items = new Items(capacity, shared, home, regional, home.length + regional.length + 2 * capacity);
  // Only a run asked about one snapshot reports why it left that snapshot alone.
  const askedArn = scope.kind === "snapshot" ? scope.snapshotArn : undefined;
  const sourceAccounts = config.sourceAccounts;

  for (let i = 0; i < shared.length; i++) {
    const s = shared[i]!;
    // Out-of-scope sources are dropped before any identifier is computed: a scoped run costs its own DB, not a sweep.
    if (!sourceInScope(s, scope)) continue;
    // Other people's shares are none of our business; only report them when the run was asked about them.
    if (!s.id.startsWith(OWN_PREFIX)) {
      if (s.arn === askedArn) skipped.push({ id: s.arn, reason: NOT_OURS });
      continue;
    }
    if (!sourceAccounts.includes(s.account)) {
      if (s.arn === askedArn)
        skipped.push({ id: s.arn, reason: `owner account ${s.account} is not in RPL_SOURCE_ACCOUNTS` });
      continue;
    }
    if (s.status !== "available") {
      if (s.arn === askedArn) skipped.push({ id: s.arn, reason: `status is ${s.status}, not available` });
      continue;
    }
    // Shares carry no tags for the receiving account, so the DB and recovery point come from the snapshot itself.
    if (!s.dbId || !s.createdAt) {
      skipped.push({ id: s.arn, reason: "RDS returned no DB identifier or SnapshotCreateTime for it" });
      continue;
    }
    addSource(items, skipped, s, i, s.dbId, s.createdAt.getTime(), false);
  }

  // Single account (role `both`): a manual snapshot listed in the home region is owned by the Lambda's own account
  // (its ARN says so), and our Taker tagged it, so the tags give the DB and the recovery point.
  for (let i = 0; i < home.length; i++) {
    const s = home[i]!;
    // The account test first: in a DR-only stack no listed snapshot's account is a source account.
    if (!sourceAccounts.includes(s.account) || s.type !== "manual" || stageOf(s) !== "source") continue;
    if (!sourceInScope(s, scope)) continue;
    if (!s.id.startsWith(OWN_PREFIX)) {
      if (s.arn === askedArn) skipped.push({ id: s.arn, reason: NOT_OURS });
      continue;
    }
    if (s.tags[TAG.sourceAccount] !== s.account) {
      if (s.arn === askedArn)
        skipped.push({
          id: s.arn,
          reason: `tag ${TAG.sourceAccount} is ${JSON.stringify(s.tags[TAG.sourceAccount] ?? "")}, not its owner ${s.account}`,
        });
      continue;
    }
    if (!config.drRegion) {
      if (s.arn === askedArn)
        skipped.push({
          id: s.arn,
          reason: "the account's own snapshots are copied only into another region; set RPL_DR_REGION",
        });
      continue;
    }
    if (s.status !== "available") {
      if (s.arn === askedArn) skipped.push({ id: s.arn, reason: `status is ${s.status}, not available` });
      continue;
    }
    const recoveryPoint = recoveryTimeOf(s);
    if (!s.dbId || recoveryPoint === undefined) {
      skipped.push({ id: s.arn, reason: `has no ${TAG.sourceDb} tag or DB identifier, or no recovery point` });
      continue;
    }
    addSource(items, skipped, s, i, s.dbId, recoveryPoint, true);
  }

  // Our own copies keep their pipeline going even after the shared original has expired at the source.
  // Scratch of this run, in the items' buffer: the items found per listed snapshot, then the scoped and kept items.
  const scratch = items.scratch;
  // A run asked about one snapshot looks only at the identifiers its items can have (see scopedKeysOf).
  const keys = askedArn === undefined ? undefined : scopedKeysOf(items, home, regional, askedArn);
  const homeFound = adoptAll(items, home, "dr", scope, scratch.subarray(0, home.length), keys);
  const regionalFound = adoptAll(
    items,
    regional,
    "dr-region",
    scope,
    scratch.subarray(home.length, home.length + regional.length),
    keys,
  );
  // Each item gets the snapshot listed under its kind and identifier (the last one listed wins, as in a map filled
  // in listing order).
  attach(items, home, homeFound, items.home, keys);
  attach(items, regional, regionalFound, items.regional, keys);

  const inFlight: Record<string, number> = {
    [config.region]: input.inFlight?.[config.region] ?? homeInFlight.length,
  };
  if (config.drRegion) inFlight[config.drRegion] = input.inFlight?.[config.drRegion] ?? regionalInFlight.length;

  const n = items.n;
  const scratchAt = home.length + regional.length;
  const scoped = scratch.subarray(scratchAt, scratchAt + n);
  let scopedCount = 0;
  const kept = scratch.subarray(scratchAt + items.capacity, scratchAt + items.capacity + n);
  let keptCount = 0;
  const failures: ItemFailure[] = [];
  const inProgress: string[] = [];
  const running: Snapshot[] = [];
  let pending = 0;
  const windowStart = input.now.getTime() - config.copyWindowHours * HOUR_MS;
  const fanOutMode = config.mode === "fan-out" && config.drRegion !== undefined;
  const outsideDetails = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    if (scope.kind !== "sweep" && !inScopeOf(items, i, scope)) continue;
    scoped[scopedCount++] = i;
    const rp = items.rp[i] as number;
    const outsideWindow = rp < windowStart;
    // Fan-out applies to DB instances shared from another account (see assessFanOut).
    if (fanOutMode && items.kindOf(i) === "instance" && items.ownSource[i] === 0) {
      assessFanOut(items, i, config, outsideWindow);
    } else assess(items, i, config);
    // Outside the window the DR Janitor may already have deleted this recovery point's copy by retention; copying it
    // from the source again would only be deleted again, on every sweep. A source-side failure there is moot for the
    // same reason. The DR-region leg from our own home copy is still finished: that copy exists, so retention has
    // not removed this recovery point, and a slow home copy must not strand it without its DR-region copy.
    if (outsideWindow) {
      const src = items.sourceOf(i);
      const fromSourceNow =
        (src !== undefined && (items.needArn(i, "home") === src.arn || items.needArn(i, "region") === src.arn)) ||
        items.failure.get(i)?.error === "UnencryptedSource" ||
        items.dueFromSource[i] === 1;
      if (fromSourceNow) {
        let detail = outsideDetails.get(rp);
        if (detail === undefined) {
          detail =
            `recovery point ${new Date(rp).toISOString()} is older than the ${config.copyWindowHours}-hour copy ` +
            `window (RPL_COPY_WINDOW_HOURS) that starts at ${new Date(windowStart).toISOString()}`;
          outsideDetails.set(rp, detail);
        }
        // Only copies from a source get here, so the source is set; the identifier is a defensive fallback.
        skipped.push({ id: src?.arn ?? items.targetId(i), reason: OUTSIDE_COPY_WINDOW, detail });
        continue;
      }
    }
    kept[keptCount++] = i;
    const phase = items.phase[i] as number;
    const failure = items.failure.get(i);
    if (failure) failures.push(failure);
    if (phase === DONE) {
      const st = items.states[items.state[i] as number] as DbState;
      st.newestDone = Math.max(st.newestDone, rp);
    } else if (phase !== FAILED) {
      pending++;
      const copy =
        phase === HOME_IN_PROGRESS ? items.homeOf(i) : phase === REGION_IN_PROGRESS ? items.regionalOf(i) : undefined;
      if (copy) {
        inProgress.push(items.targetId(i));
        running.push(copy);
      }
    }
  }

  // Intermediate deletes: only our own `dr` copy, only once its DR-region copy is available, and never while any
  // copy still reads from it (deleting a copy's source fails or cancels that copy).
  const deletes: DeleteIntermediateAction[] = [];
  if (config.deleteIntermediate && config.drRegion) {
    // What running copies read from, made when the first candidate needs it (most runs have none).
    let sources: Set<string> | undefined;
    for (let k = 0; k < scopedCount; k++) {
      const i = scoped[k] as number;
      const h = items.homeOf(i);
      const r = items.regionalOf(i);
      if (!h || !r || r.status !== "available" || !isOwnedCopy(r, "dr-region")) continue;
      if (!isOwnedCopy(h, "dr") || h.status !== "available") continue;
      sources ??= sourcesOfRunning(input.home, input.regional);
      if (sources.has(h.arn)) continue;
      deletes.push({
        type: "delete-intermediate",
        item: items.dbOf(i).item,
        kind: h.kind,
        region: config.region,
        snapshotId: h.id,
        arn: h.arn,
      });
    }
  }

  const copies: CopyAction[] = [];
  let waiting = 0;
  let pass = 0;
  const keptItems = kept.subarray(0, keptCount);
  const cap = config.maxCopiesInFlightPerDb;
  for (const region of Object.keys(inFlight)) {
    const free = Math.max(0, config.maxCopiesInFlight - (inFlight[region] ?? 0));
    // Per-DB cap (perDbCap.ts): only counted when one is set (and a copy is offered), from this region's copies in
    // flight (inFlightPerDb counts only copies in flight, so it gives the same over them as over the listing).
    const perDb =
      cap === undefined ? undefined : () => inFlightPerDb(region === config.region ? homeInFlight : regionalInFlight);
    const { chosen, count } = chooseCopies(items, keptItems, region, config, free, pass++, perDb);
    waiting += count - chosen.length;
    for (const c of chosen) copies.push(copyAction(items, c.i, c.leg, config));
  }

  const scopeMatched = scope.kind === "sweep" || scopedCount > 0 || skipped.length > 0;
  // Views are made when read: the Copier and the Checker read only the counts; the sweep's list step reads them.
  let views: CopyItemView[] | undefined;
  return {
    actions: [...deletes, ...copies],
    progress: {
      get items(): CopyItemView[] {
        if (views === undefined) {
          views = new Array(keptCount);
          for (let k = 0; k < keptCount; k++) views[k] = items.view(keptItems[k] as number);
        }
        return views;
      },
      pending,
      inProgress,
      running,
      inFlight,
      waiting,
      ready: deletes.length + copies.length,
      failures,
      skipped,
      scopeMatched,
    },
  };
}

/** The snapshots of `list` at `positions` (any order, repeats allowed), in listing order, each once. */
function pick(list: readonly Snapshot[], positions: number[]): Snapshot[] {
  if (positions.length > 1) positions.sort((a, b) => a - b);
  const out: Snapshot[] = [];
  let last = -1;
  for (let j = 0; j < positions.length; j++) {
    const k = positions[j] as number;
    if (k !== last) out.push(list[k] as Snapshot);
    last = k;
  }
  return out;
}

/**
 * For a run asked about the snapshot `arn`: the listed snapshots its plan can read, in listing order. Such a run adds
 * items only for sources with that ARN (sourceInScope), and adopts and attaches only the snapshots listed under the
 * keys of its items and of the copies carrying `rpl-copied-from` = `arn` (scopedKeysOf), so any other snapshot of
 * `shared`, `home` or `regional` changes nothing it plans: the narrowed lists keep every source with the ARN and every
 * snapshot whose identifier is one of those keys (a superset: an item's key is the DR copy identifier of a source
 * with the ARN, worked out here for every such source whether or not it becomes an item) and leave the rest out. The
 * copies in flight and the intermediate-delete guard still read the full listings (planCopyWith).
 */
function narrowToSnapshot(
  shared: readonly Snapshot[],
  home: readonly Snapshot[],
  regional: readonly Snapshot[],
  arn: string,
): { shared: Snapshot[]; home: Snapshot[]; regional: Snapshot[] } {
  // The keys of the sources' items (shared sources with the ARN), then one pass over each destination listing.
  const keys: string[] = [];
  const sharedAt = positionsOf(shared, "arn", arn);
  const sharedOut: Snapshot[] = [];
  for (let j = 0; j < sharedAt.length; j++) {
    const s = shared[sharedAt[j] as number] as Snapshot;
    sharedOut.push(s);
    if (s.dbId && s.createdAt) keys.push(copyIdOf(s.account, s.dbId, s.createdAt.getTime()));
  }
  // Keys found on the way (an own-account source's, a tagged copy's) that were not among `keys`: looked for after.
  const more: string[] = [];
  const homeAt: number[] = [];
  for (let k = 0; k < home.length; k++) {
    const s = home[k] as Snapshot;
    let keep = false;
    // Home: a source with the ARN (single account) and copies tagged with it, and whatever is listed under a key.
    if (sameText(s.arn, arn)) {
      keep = true;
      const rp = recoveryTimeOf(s);
      if (s.dbId && rp !== undefined) addKey(copyIdOf(s.account, s.dbId, rp), keys, more);
    }
    const copiedFrom = s.tags[TAG.copiedFrom];
    if (copiedFrom !== undefined && sameText(copiedFrom, arn)) {
      keep = true;
      addKey(s.id, keys, more);
    }
    if (keep || isOneOf(s.id, keys)) homeAt.push(k);
  }
  const regionalAt: number[] = [];
  for (let k = 0; k < regional.length; k++) {
    const s = regional[k] as Snapshot;
    let keep = false;
    const copiedFrom = s.tags[TAG.copiedFrom];
    if (copiedFrom !== undefined && sameText(copiedFrom, arn)) {
      keep = true;
      addKey(s.id, keys, more);
    }
    if (keep || isOneOf(s.id, keys)) regionalAt.push(k);
  }
  if (more.length > 0) {
    addWithIds(home, more, homeAt);
    addWithIds(regional, more, regionalAt);
  }
  return { shared: sharedOut, home: pick(home, homeAt), regional: pick(regional, regionalAt) };
}

/** Adds `key` to `more` unless it is in `keys` or `more` already. */
function addKey(key: string, keys: readonly string[], more: string[]): void {
  if (!isOneOf(key, keys) && !isOneOf(key, more)) more.push(key);
}

function isOneOf(id: string, ids: readonly string[]): boolean {
  for (let j = 0; j < ids.length; j++) if (sameText(ids[j] as string, id)) return true;
  return false;
}

/**
 * What the copy planner derives from one listing alone, kept in the listing's memo (lib/rds.ts `listMemoOf`) while
 * the simulator hands the same listing out again: the check loop of one recovery point asks the same questions of its
 * DB's unchanged listings on every poll (the shared listing changes only with a new share), and each answer is then
 * one look-up instead of a look at every snapshot. The manual listings change with every poll while a copy runs (its
 * percent done), so they are read in one pass each (narrowToSnapshot) instead.
 */
interface ListFacts {
  /** {@link copiesInFlightOf} of the listing. */
  inFlight: readonly Snapshot[] | undefined;
  /** Positions of the snapshots with an ARN, per ARN asked about. */
  readonly arn: Map<string, readonly number[]>;
}

function listFactsOf(list: readonly Snapshot[]): ListFacts | undefined {
  const memo = listMemoOf(list);
  if (memo === undefined) return undefined;
  let facts = memo.copy as ListFacts | undefined;
  if (facts === undefined) {
    facts = { inFlight: undefined, arn: new Map() };
    memo.copy = facts;
  }
  return facts;
}

/** Positions in `list` of the snapshots with ARN `arn` (remembered with the listing when it has a memo). */
function positionsOf(list: readonly Snapshot[], field: "arn", arn: string): readonly number[] {
  const facts = listFactsOf(list);
  if (facts === undefined) return scanFor(list, arn);
  const known = facts[field].get(arn);
  if (known !== undefined) return known;
  const found = scanFor(list, arn);
  facts[field].set(arn, found);
  return found;
}

const NO_POSITIONS: readonly number[] = Object.freeze([]);

function scanFor(list: readonly Snapshot[], arn: string): readonly number[] {
  let out: number[] | undefined;
  for (let k = 0; k < list.length; k++) {
    if (sameText((list[k] as Snapshot).arn, arn)) {
      out ??= [];
      out.push(k);
    }
  }
  return out ?? NO_POSITIONS;
}

/**
 * `a === b`, compared from the end. The ARNs and identifiers of one DB's snapshots share a long prefix and end in
 * their time (`...-yyyymmdd-hhmm`), and `===` on two equally long strings that are not the same string compares them
 * from the start: a scoped run comparing one ARN with each of its DB's listed snapshots spent most of its time there.
 */
export function sameText(a: string, b: string): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = n - 1; i >= 0; i--) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/** Adds to `out` the positions in `list` of the snapshots whose identifier is one of `ids`. */
function addWithIds(list: readonly Snapshot[], ids: readonly string[], out: number[]): void {
  for (let k = 0; k < list.length; k++) {
    const id = (list[k] as Snapshot).id;
    for (let j = 0; j < ids.length; j++) {
      if (sameText(ids[j] as string, id)) {
        out.push(k);
        break;
      }
    }
  }
}

/** The DR copy identifier of a source's recovery point, as {@link Items} names it (`rpl-<body>-<slug>`). */
function copyIdOf(account: string, dbId: string, rp: number): string {
  return `${OWN_PREFIX}${drCopyIdBody(account, dbId)}-${timeSlug(new Date(rp))}`;
}

const NOT_OURS = `identifier does not start with "${OWN_PREFIX}", so rds-pilot-light did not create it`;

function sourceInScope(s: Snapshot, scope: CopyScope): boolean {
  switch (scope.kind) {
    case "sweep":
      return true;
    case "db":
      return s.dbId.toLowerCase() === scope.dbId;
    case "dbs":
      return dbsOf(scope).has(s.dbId.toLowerCase());
    case "snapshot":
      return scope.snapshotArn === s.arn;
  }
}

/** A multi-DB scope's identifiers as a set (built once per scope object). */
const DBS_SETS = new WeakMap<object, ReadonlySet<string>>();
function dbsOf(scope: { readonly dbIds: readonly string[] }): ReadonlySet<string> {
  let set = DBS_SETS.get(scope);
  if (!set) {
    set = new Set(scope.dbIds);
    DBS_SETS.set(scope, set);
  }
  return set;
}

/**
 * Adds a source snapshot's recovery point (`source`: its index in its listing), unless another source already maps
 * to the same DR copy.
 */
function addSource(
  items: Items,
  skipped: SkippedSnapshot[],
  s: Snapshot,
  source: number,
  dbId: string,
  recoveryPoint: number,
  ownSource: boolean,
): void {
  const rec = items.db(s.account, dbId);
  const body = items.dbBody(rec);
  const slug = items.slugOf(recoveryPoint);
  const existing = items.addSourceUnlessHeld(rec, s.kind, body, slug, recoveryPoint, source, ownSource);
  if (existing >= 0) {
    skipped.push({
      id: s.arn,
      reason: `maps to ${items.targetId(existing)}, the same DR copy as ${(items.sourceOf(existing) as Snapshot).arn}`,
    });
  }
}

/**
 * For each listed snapshot, in listing order: the item with its kind and identifier, adopting it when it is one of
 * our copies of `stage` whose recovery point has no item yet; -1 when there is none. Written into `found` (one entry
 * per listed snapshot), which is returned.
 */
function adoptAll(
  items: Items,
  listed: readonly Snapshot[],
  stage: CopyStage,
  scope: CopyScope,
  found: Int32Array,
  keys: ScopedKeys | undefined,
): Int32Array {
  for (let k = 0; k < listed.length; k++) {
    const s = listed[k]!;
    found[k] = keys === undefined || hasKey(keys, s) ? adopt(items, s, stage, scope) : -1;
  }
  return found;
}

/** The (kind, identifier) pairs the items of a run asked about one snapshot can be listed under (few). */
interface ScopedKeys {
  readonly kinds: string[];
  readonly ids: string[];
}

function hasKey(keys: ScopedKeys, s: Snapshot): boolean {
  const ids = keys.ids;
  for (let j = 0; j < ids.length; j++) if (ids[j] === s.id && keys.kinds[j] === s.kind) return true;
  return false;
}

/**
 * For a run asked about the snapshot `arn`: every (kind, identifier) an item in its scope can have. An item is in
 * that scope when its source is `arn` or the copy listed under its identifier carries `rpl-copied-from` = `arn`
 * (inScopeOf). Sources are added only when they are `arn` (sourceInScope), so the items added so far are exactly the
 * first kind; a copy can only carry the tag if one listed snapshot does. Items are keyed by kind and identifier, and
 * adopting or attaching under one key reads only that key's items, so leaving the listed snapshots under any other
 * key out changes only items that are out of scope; and out-of-scope items change nothing the run returns (every
 * result is built from the scoped items, except the in-flight counts and the intermediate-delete guard, which read
 * the listings themselves). A sweep or a DB scope sees every key.
 */
function scopedKeysOf(items: Items, home: readonly Snapshot[], regional: readonly Snapshot[], arn: string): ScopedKeys {
  const keys: ScopedKeys = { kinds: [], ids: [] };
  for (let i = 0; i < items.n; i++) {
    keys.kinds.push(items.kindOf(i));
    keys.ids.push(items.targetId(i));
  }
  for (const list of [home, regional]) {
    for (let k = 0; k < list.length; k++) {
      const s = list[k]!;
      if (s.tags[TAG.copiedFrom] === arn) {
        keys.kinds.push(s.kind);
        keys.ids.push(s.id);
      }
    }
  }
  return keys;
}

function adopt(items: Items, s: Snapshot, stage: CopyStage, scope: CopyScope): number {
  const found = items.find(s.kind, s.id);
  if (found >= 0 || stageOf(s) !== stage) return found;
  if (scope.kind === "db" && s.tags[TAG.sourceDb]?.toLowerCase() !== scope.dbId) return -1;
  if (scope.kind === "dbs" && !dbsOf(scope).has(s.tags[TAG.sourceDb]?.toLowerCase() ?? "")) return -1;
  const recoveryPoint = recoveryTimeOf(s);
  const account = s.tags[TAG.sourceAccount];
  const dbId = s.tags[TAG.sourceDb];
  if (recoveryPoint === undefined || !account || !dbId) return -1;
  const rec = items.db(account, dbId);
  // The DR-region leg of an adopted item starts from its home copy, never from a source.
  return items.addAdopted(items.stateOf(rec, s.kind), s, recoveryPoint, s.tags[TAG.sourceRegion] ?? "");
}

/**
 * Gives each item the snapshot listed under its kind and identifier (the last one listed wins, as in a map filled in
 * listing order): `field[item]` becomes its index in `listed`. `found[k]` is the item already looked up for
 * `listed[k]`, or -1 (looked up again: a later listing may have adopted an item under that identifier).
 */
function attach(
  items: Items,
  listed: readonly Snapshot[],
  found: Int32Array,
  field: Int32Array,
  keys: ScopedKeys | undefined,
): void {
  for (let k = 0; k < listed.length; k++) {
    let i = found[k] as number;
    if (i < 0) {
      const s = listed[k]!;
      if (keys !== undefined && !hasKey(keys, s)) continue;
      i = items.find(s.kind, s.id);
    }
    if (i >= 0) field[i] = k;
  }
}

/** Every source ARN or identifier that a snapshot in progress in `home` or `regional` is copied from. */
function sourcesOfRunning(home: readonly Snapshot[], regional: readonly Snapshot[]): Set<string> {
  const sources = new Set<string>();
  for (const list of [home, regional]) {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (!IN_PROGRESS_STATUSES.has(s.status)) continue;
      if (s.copiedFrom) sources.add(s.copiedFrom);
      const tagged = s.tags[TAG.copiedFrom];
      if (tagged) sources.add(tagged);
    }
  }
  return sources;
}

/**
 * Owned copies running in one region. A Taker snapshot being created (stage `source`) is not a copy. Same rule as
 * the raw count `countCopiesInFlight` (lib/rds.ts): both use {@link isCopyInFlight}.
 */
export function countInFlight(snapshots: readonly Snapshot[]): number {
  let n = 0;
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    if (isCopyInFlight(s.status, (k) => s.tags[k])) n++;
  }
  return n;
}

function isOwnedCopy(s: Snapshot, stage: CopyStage): boolean {
  return isOwned(s.tags) && stageOf(s) === stage;
}

function inScopeOf(items: Items, i: number, scope: CopyScope): boolean {
  switch (scope.kind) {
    case "sweep":
      return true;
    case "db": {
      const db = items.dbOf(i);
      db.lower ??= db.dbId.toLowerCase();
      return db.lower === scope.dbId;
    }
    case "dbs": {
      const db = items.dbOf(i);
      db.lower ??= db.dbId.toLowerCase();
      return dbsOf(scope).has(db.lower);
    }
    case "snapshot": {
      const arn = scope.snapshotArn;
      return (
        items.sourceOf(i)?.arn === arn ||
        items.homeOf(i)?.tags[TAG.copiedFrom] === arn ||
        items.regionalOf(i)?.tags[TAG.copiedFrom] === arn
      );
    }
  }
}

/** A copy in `where` that is neither running nor available needs an operator. */
function stuck(items: Items, i: number, s: Snapshot, where: string | undefined): void {
  items.fail(
    i,
    "CopyFailed",
    `the copy in ${where} has status ${s.status}; delete it to let rds-pilot-light copy this recovery point again`,
  );
}

/**
 * Fails the item when a snapshot already holding its identifier is not ours, or holds another recovery point.
 * True when it did.
 */
function holderFails(items: Items, i: number, config: CopyConfig): boolean {
  const h = items.homeOf(i);
  if (h !== undefined && holderFailsIn(items, i, h, config.region)) return true;
  const r = items.regionalOf(i);
  return r !== undefined && holderFailsIn(items, i, r, config.drRegion);
}

function holderFailsIn(items: Items, i: number, s: Snapshot, where: string | undefined): boolean {
  if (!isOwned(s.tags)) {
    items.fail(
      i,
      "ForeignSnapshotExists",
      `a snapshot with this identifier already exists in ${where} but is not tagged ` +
        `${TAG.managedBy}=${MANAGED_BY_VALUE}; rename or delete it so the DR copy can be made`,
    );
    return true;
  }
  const tagged = recoveryTimeOf(s);
  const src = items.sourceOf(i);
  const rp = items.rp[i] as number;
  if (src && tagged !== undefined && tagged !== rp) {
    items.fail(
      i,
      "IdentifierCollision",
      `the copy in ${where} holds recovery point ${new Date(tagged).toISOString()}, but shared snapshot ${src.arn} ` +
        `was taken at ${new Date(rp).toISOString()} (two snapshots of one DB in the same minute); only the first is copied`,
    );
    return true;
  }
  return false;
}

/** The copy from the source into the home region (`home`) or straight into the DR region (`region`). */
function fromSource(items: Items, i: number, leg: Leg): void {
  const src = items.sourceOf(i);
  if (!src) {
    items.fail(i, "SourceGone", "the shared snapshot is no longer shared and no copy exists");
    return;
  }
  // CopyDBClusterSnapshot rejects KmsKeyId for an unencrypted source, and a DR copy must carry the DR key.
  if (src.kind === "cluster" && !src.encrypted) {
    items.fail(
      i,
      "UnencryptedSource",
      `source cluster snapshot ${src.arn} is not encrypted, so it cannot be copied under the DR key; ` +
        "encrypt the source cluster with a customer-managed KMS key",
    );
    return;
  }
  items.phase[i] = COPY_NEEDED;
  if (leg === "home") items.homeNeed[i] = NEED_SOURCE;
  else items.regionNeed[i] = NEED_SOURCE;
}

/** Decides the phase of one item (two-step, direct, or no DR region) and, when a copy should start, which one. */
function assess(items: Items, i: number, config: CopyConfig): void {
  if (holderFails(items, i, config)) return;
  const drRegion = config.drRegion;
  if (!drRegion) {
    const h = items.homeOf(i);
    if (!h) {
      fromSource(items, i, "home");
      return;
    }
    if (IN_PROGRESS_STATUSES.has(h.status)) items.phase[i] = HOME_IN_PROGRESS;
    else if (h.status === "available") items.phase[i] = DONE;
    else stuck(items, i, h, config.region);
    return;
  }
  const r = items.regionalOf(i);
  if (r) {
    if (IN_PROGRESS_STATUSES.has(r.status)) items.phase[i] = REGION_IN_PROGRESS;
    else if (r.status === "available") items.phase[i] = DONE;
    else stuck(items, i, r, drRegion);
    return;
  }
  const h = items.homeOf(i);
  if (h) {
    if (IN_PROGRESS_STATUSES.has(h.status)) items.phase[i] = HOME_IN_PROGRESS;
    else if (h.status !== "available") stuck(items, i, h, config.region);
    else {
      items.phase[i] = REGION_COPY_NEEDED;
      items.regionNeed[i] = NEED_HOME;
    }
    return;
  }
  // An own-account source needs no cross-account hop into the home region: it is already there.
  fromSource(items, i, config.mode === "direct" || items.ownSource[i] === 1 ? "region" : "home");
}

/** Which copy of an item: into the home region (stage `dr`) or into the DR region (stage `dr-region`). */
type Leg = "home" | "region";

/**
 * Fan-out: the home-region copy and the DR-region copy both come from the shared snapshot, and both are requested
 * as soon as the share is seen. CopyDBSnapshot accepts a source ARN in another account and another region
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html, SourceDBSnapshotIdentifier),
 * so the DR-region copy is not a copy of a copy and can be incremental. The item is done when both copies are
 * available. When the share is gone (or outside the copy window) before the DR-region copy started, that copy is
 * made from the home-region copy instead (a full copy, but the recovery point is not lost).
 *
 * Fan-out applies to DB instance snapshots shared from another account when a DR region is configured. DB cluster
 * snapshots fall back to two-step: Aurora cannot copy a cluster snapshot across account and region in one step
 * ("You can't copy a DB cluster snapshot across Regions and accounts in a single step",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html). An own-account source
 * (single-account stack) already goes straight into the DR region.
 */
function assessFanOut(items: Items, i: number, config: CopyConfig, outsideWindow: boolean): void {
  const drRegion = config.drRegion ?? "";
  // Foreign or colliding identifiers fail before anything else. (Fan-out items are DB instances, so the cluster-only
  // UnencryptedSource check of two-step never applies.)
  if (holderFails(items, i, config)) return;
  const h = items.homeOf(i);
  const r = items.regionalOf(i);
  if (h && !IN_PROGRESS_STATUSES.has(h.status) && h.status !== "available") {
    stuck(items, i, h, config.region);
    return;
  }
  if (r && !IN_PROGRESS_STATUSES.has(r.status) && r.status !== "available") {
    stuck(items, i, r, drRegion);
    return;
  }
  const source = items.sourceOf(i);
  const src = outsideWindow ? undefined : source;
  let dueFromSource = false;
  if (!h) {
    if (src) items.homeNeed[i] = NEED_SOURCE;
    else if (source && !r) dueFromSource = true;
  }
  if (!r) {
    if (src) items.regionNeed[i] = NEED_SOURCE;
    else if (h?.status === "available") items.regionNeed[i] = NEED_HOME;
    else if (!h) {
      if (source) dueFromSource = true;
      else {
        items.fail(i, "SourceGone", "the shared snapshot is no longer shared and no copy exists");
        return;
      }
    }
  }
  if (r && IN_PROGRESS_STATUSES.has(r.status)) items.phase[i] = REGION_IN_PROGRESS;
  else if (h && IN_PROGRESS_STATUSES.has(h.status)) items.phase[i] = HOME_IN_PROGRESS;
  else if (!h && items.homeNeed[i] !== NEED_NONE) items.phase[i] = COPY_NEEDED;
  else if (!r) items.phase[i] = h ? REGION_COPY_NEEDED : COPY_NEEDED;
  else items.phase[i] = DONE;
  items.dueFromSource[i] = dueFromSource ? 1 : 0;
}

function copyAction(items: Items, i: number, leg: Leg, config: CopyConfig): CopyAction {
  const home = leg === "home";
  const sourceArn = items.needArn(i, leg) ?? "";
  const stage: CopyStage = home ? "dr" : "dr-region";
  const db = items.dbOf(i);
  const kind = items.kindOf(i);
  return {
    type: "copy",
    item: db.item,
    kind,
    stage,
    region: home ? config.region : (config.drRegion ?? ""),
    sourceArn,
    targetId: items.targetId(i),
    kmsKeyId: home ? config.drKmsKeyArn : (config.drRegionKmsKeyArn ?? ""),
    tags: {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.sourceDb]: db.dbId,
      [TAG.sourceKind]: kind,
      [TAG.sourceAccount]: db.account,
      [TAG.sourceRegion]: items.sourceRegionOf(i),
      [TAG.recoveryPoint]: new Date(items.rp[i] as number).toISOString(),
      [TAG.stage]: stage,
      [TAG.copiedFrom]: sourceArn,
    },
  };
}

/** A copy waiting for a slot, with what the priority order compares. */
interface Candidate {
  readonly i: number;
  readonly leg: Leg;
  readonly tier: number;
  readonly done: number;
  readonly rp: number;
  /** Position among the region's waiting copies (item order, home leg before DR-region leg): the last tie-break. */
  readonly seq: number;
  /** The copy identifier, once a comparison needed it. */
  id: string | undefined;
}

/**
 * The copies into `region` that get one of its `free` slots, best first, and how many copies wait for that region.
 * Order: first the newest waiting recovery point of every DB (so each DB's DR copy gets fresher before any backlog
 * is filled), then the older ones; within each tier the DB whose newest finished copy is oldest goes first; then
 * newer recovery points; then the identifier (`localeCompare` order); then the order the copies were found in. Only
 * the best `free` are kept while scanning, so a run with thousands of waiting copies and a few slots never sorts them.
 * With a per-DB cap (`perDb`: the copies each DB has in flight into `region`), a DB that holds its cap gets no slot
 * and the next ones in that order get them ({@link chooseCapped}).
 */
function chooseCopies(
  items: Items,
  kept: Int32Array,
  region: string,
  config: CopyConfig,
  free: number,
  pass: number,
  perDb?: () => ReadonlyMap<string, number>,
): { chosen: Candidate[]; count: number } {
  const intoHome = region === config.region;
  const intoRegion = region === config.drRegion;
  const states = items.states;
  const homeNeed = items.homeNeed;
  const regionNeed = items.regionNeed;
  // Newest waiting recovery point per DB, over the copies into this region.
  let count = 0;
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k] as number;
    const legs = (intoHome && homeNeed[i] !== NEED_NONE ? 1 : 0) + (intoRegion && regionNeed[i] !== NEED_NONE ? 1 : 0);
    if (legs === 0) continue;
    count += legs;
    const st = states[items.state[i] as number] as DbState;
    const rp = items.rp[i] as number;
    st.needed = st.neededPass === pass ? Math.max(st.needed, rp) : rp;
    st.neededPass = pass;
  }
  const chosen: Candidate[] = [];
  if (free === 0 || count === 0) return { chosen, count };
  if (perDb)
    return {
      chosen: chooseCapped(items, kept, intoHome, intoRegion, free, config.maxCopiesInFlightPerDb, perDb(), pass),
      count,
    };
  let seq = 0;
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k] as number;
    if (intoHome && homeNeed[i] !== NEED_NONE) offer(items, chosen, free, i, "home", seq++);
    if (intoRegion && regionNeed[i] !== NEED_NONE) offer(items, chosen, free, i, "region", seq++);
  }
  return { chosen, count };
}

/**
 * {@link chooseCopies} under the per-DB cap (perDbCap.ts): each DB offers only its best `cap - in flight` copies into
 * the region, then the best `free` of those are kept. The same as taking the copies in rank order and skipping a DB's
 * once it holds its cap: a DB's copies taken that way are always its best ones.
 */
function chooseCapped(
  items: Items,
  kept: Int32Array,
  intoHome: boolean,
  intoRegion: boolean,
  free: number,
  cap: number | undefined,
  inFlight: ReadonlyMap<string, number>,
  pass: number,
): Candidate[] {
  // Each DB's allowance and best copies live on its DbState for this pass; `dbs` lists the DBs in the order they
  // first offered a copy (the order their best copies are offered below).
  const dbs: DbState[] = [];
  const states = items.states;
  const offerCapped = (i: number, leg: Leg, seq: number): void => {
    const st = states[items.state[i] as number] as DbState;
    if (st.capPass !== pass) {
      st.capPass = pass;
      st.capKey ??= dbKeyOf(st.kind, st.db.account, st.db.dbId);
      st.capAllowance = Math.min(dbAllowance(cap, inFlight.get(st.capKey) ?? 0), free);
      st.capBest = [];
      dbs.push(st);
    }
    if (st.capAllowance > 0) offer(items, st.capBest as Candidate[], st.capAllowance, i, leg, seq);
  };
  let seq = 0;
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k] as number;
    if (intoHome && items.homeNeed[i] !== NEED_NONE) offerCapped(i, "home", seq++);
    if (intoRegion && items.regionNeed[i] !== NEED_NONE) offerCapped(i, "region", seq++);
  }
  const chosen: Candidate[] = [];
  for (let d = 0; d < dbs.length; d++) {
    const best = (dbs[d] as DbState).capBest as Candidate[];
    for (let j = 0; j < best.length; j++) offerCandidate(items, chosen, free, best[j] as Candidate);
  }
  return chosen;
}

/*
 * The ranking below passes an item's number, never its recovery point or its DB's newest done copy: those are
 * doubles, and a double passed to (or returned from) a function V8 does not inline is boxed into a new heap number
 * per call; a sweep at 1,000 DBs offers ~90,000 copies (docs/performance.md, branch `planners`). Each is read from
 * the item's columns where it is compared.
 */

/** Inserts the copy into `chosen` (sorted best first, at most `free` long) when it ranks among the best `free`. */
function offer(items: Items, chosen: Candidate[], free: number, i: number, leg: Leg, seq: number): void {
  const st = items.states[items.state[i] as number] as DbState;
  const rp = items.rp[i] as number;
  const tier = rp === st.needed ? 0 : 1;
  const at = rankPosition(items, chosen, free, i, tier, seq);
  if (at >= 0) insertAt(chosen, at, { i, leg, tier, done: st.newestDone, rp, seq, id: undefined });
}

/**
 * {@link offer} of a candidate already ranked in this pass (a DB's best, offered again among all DBs'): its rank
 * fields are what `offer` would compute again, so the candidate itself is inserted.
 */
function offerCandidate(items: Items, chosen: Candidate[], free: number, c: Candidate): void {
  const at = rankPosition(items, chosen, free, c.i, c.tier, c.seq);
  if (at >= 0) insertAt(chosen, at, c);
}

/**
 * Where copy `i` (of rank `tier`, found `seq`th) goes in `chosen` (after every candidate it does not rank before),
 * dropping the worst candidate when `chosen` is full; -1 when it does not rank among the best `free`.
 */
function rankPosition(items: Items, chosen: Candidate[], free: number, i: number, tier: number, seq: number): number {
  if (chosen.length === free) {
    const worst = chosen[free - 1] as Candidate;
    if (compareRank(items, i, tier, seq, worst) >= 0) return -1;
    chosen.pop();
  }
  let lo = 0;
  let hi = chosen.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRank(items, i, tier, seq, chosen[mid] as Candidate) < 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `list.splice(at, 0, c)` without the array of removed elements splice returns. */
function insertAt(list: Candidate[], at: number, c: Candidate): void {
  list.push(c);
  for (let j = list.length - 1; j > at; j--) list[j] = list[j - 1] as Candidate;
  list[at] = c;
}

/**
 * Compares copy `i` (rank `tier`, found `seq`th) with candidate `b`: tier, then its DB's newest done copy, then newer
 * recovery point first; identifiers are made only when the rest ties.
 */
function compareRank(items: Items, i: number, tier: number, seq: number, b: Candidate): number {
  if (tier !== b.tier) return tier - b.tier;
  const byDone = compareNumbers((items.states[items.state[i] as number] as DbState).newestDone, b.done);
  if (byDone !== 0) return byDone;
  const byRp = compareNumbers(b.rp, items.rp[i] as number);
  if (byRp !== 0) return byRp;
  const id = items.targetId(i);
  b.id ??= items.targetId(b.i);
  return (id === b.id ? 0 : collator.compare(id, b.id)) || seq - b.seq;
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `String.prototype.localeCompare` without arguments, as one reusable collator (same order, much faster). */
const collator = new Intl.Collator();
