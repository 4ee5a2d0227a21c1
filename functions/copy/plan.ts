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
import type { ItemFailure } from "../lib/errors";
import { drCopyIdBody, ID_PREFIX, timeSlug } from "../lib/identifiers";
import { type DbKind, recoveryPointOf, type Snapshot, stageOf } from "../lib/model";
import { IN_PROGRESS_STATUSES, isCopyInFlight } from "../lib/rds";
import { isOwned, MANAGED_BY_VALUE, TAG } from "../lib/tags";
import type { CopyConfig } from "./config";
import type { CopyScope } from "./event";

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
  /** Copies that should start but have no free slot (they start on a later run). */
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

/** Per source DB (kind, account, identifier): what the priority order reads. */
interface DbState {
  /** Newest fully copied recovery point (ms); -Infinity when none. */
  newestDone: number;
  /** Newest recovery point with a copy waiting in the destination region of pass {@link neededPass}. */
  needed: number;
  neededPass: number;
}

/** Per source account and DB identifier: the strings every item of it shares, worked out once per run. */
interface DbRecord {
  /** `<sourceAccount>/<dbId>` */
  readonly item: string;
  readonly account: string;
  readonly dbId: string;
  /** The items of {@link drCopyIdBody}(account, dbId), looked up on first use. */
  body: BodyRecord | undefined;
  instance: DbState | undefined;
  cluster: DbState | undefined;
}

/**
 * One recovery point of one source DB, with what the assessment decided for it. Kept small: a sweep makes one per
 * recovery point in the region (48,000 at 1,000 DBs).
 */
class Item {
  source: Snapshot | undefined = undefined;
  home: Snapshot | undefined = undefined;
  regional: Snapshot | undefined = undefined;
  phase: CopyPhase = "done";
  failure: ItemFailure | undefined = undefined;
  /** Source ARN of the copy to start into the home region (stage `dr`, DR key), if one is due. */
  homeNeed: string | undefined = undefined;
  /** Source ARN of the copy to start into the DR region (stage `dr-region`, DR-region key), if one is due. */
  regionNeed: string | undefined = undefined;
  /** Fan-out: a copy from the source is due but the recovery point is outside the copy window. */
  dueFromSource = false;
  constructor(
    /** The source DB (account and identifier). */
    readonly db: DbRecord,
    readonly state: DbState,
    readonly targetId: string,
    readonly kind: DbKind,
    readonly sourceRegion: string,
    readonly recoveryPoint: Date,
    /** The source is the account's own `source`-stage snapshot (single-account stack): copy straight to the DR region. */
    readonly ownSource: boolean,
  ) {}
}

/** The items whose identifier has one body (`rpl-<body>-<yyyymmdd-hhmm>`), by kind and then by time slug. */
interface BodyRecord {
  readonly body: string;
  /** `rpl-<body>-`, the start of every identifier under this body. */
  readonly prefix: string;
  readonly byKind: Map<string, Map<string, Item>>;
}

/**
 * The items of one run, keyed like RDS keys snapshots (kind and identifier), in the order they were first added, and
 * the per-DB records. No identifier is hashed per item: a copy identifier is `rpl-<body>-<slug>` with a 13-character
 * slug (lib/identifiers.ts), so (body, slug) names it exactly; the body is worked out once per DB and the slug once
 * per minute, and an identifier listed by RDS is split back into the two to be looked up. Identifiers of another
 * shape cannot be copy identifiers and are kept by full identifier.
 */
class ItemIndex {
  readonly order: Item[] = [];
  private readonly bodies = new Map<string, BodyRecord>();
  private readonly others = new Map<string, Map<string, Item>>();
  private readonly dbs = new Map<string, Map<string, DbRecord>>();
  private readonly states = new Map<string, DbState>();
  private readonly slugs = new Map<number, string>();

  db(account: string, dbId: string): DbRecord {
    let byDb = this.dbs.get(account);
    if (!byDb) {
      byDb = new Map();
      this.dbs.set(account, byDb);
    }
    let rec = byDb.get(dbId);
    if (!rec) {
      rec = { item: `${account}/${dbId}`, account, dbId, body: undefined, instance: undefined, cluster: undefined };
      byDb.set(dbId, rec);
    }
    return rec;
  }

  /** The priority state of a DB, shared by every (kind, account, DB) with the same `kind:account:dbId` key. */
  state(rec: DbRecord, kind: DbKind): DbState {
    const cached = kind === "instance" ? rec.instance : kind === "cluster" ? rec.cluster : undefined;
    if (cached) return cached;
    const key = `${kind}:${rec.account}:${rec.dbId}`;
    let st = this.states.get(key);
    if (!st) {
      st = { newestDone: Number.NEGATIVE_INFINITY, needed: Number.NEGATIVE_INFINITY, neededPass: -1 };
      this.states.set(key, st);
    }
    if (kind === "instance") rec.instance = st;
    else if (kind === "cluster") rec.cluster = st;
    return st;
  }

  /** The slug of `at` (yyyymmdd-hhmm, UTC, minute resolution), one string per minute. */
  slug(at: Date): string {
    const minute = Math.floor(at.getTime() / MINUTE_MS);
    let slug = this.slugs.get(minute);
    if (slug === undefined) {
      slug = timeSlug(at);
      this.slugs.set(minute, slug);
    }
    return slug;
  }

  /** The map of `kind` items under `body`. */
  private slots(body: string, kind: string): Map<string, Item> {
    let b = this.bodies.get(body);
    if (!b) {
      b = { body, prefix: `${OWN_PREFIX}${body}-`, byKind: new Map() };
      this.bodies.set(body, b);
    }
    return slotsOf(b, kind);
  }

  /** Slot map of the source copies of `rec`: `drCopyId(rec.account, rec.dbId, ·)` is `rpl-<body>-<slug>`. */
  dbSlots(rec: DbRecord, kind: string): Map<string, Item> {
    if (!rec.body) {
      const body = drCopyIdBody(rec.account, rec.dbId);
      const existing = this.bodies.get(body);
      rec.body = existing ?? { body, prefix: `${OWN_PREFIX}${body}-`, byKind: new Map() };
      if (!existing) this.bodies.set(body, rec.body);
    }
    return slotsOf(rec.body, kind);
  }

  /** The item with this kind and identifier, if any. */
  find(kind: string, id: string): Item | undefined {
    const split = splitCopyId(id);
    if (!split) return this.others.get(kind)?.get(id);
    return this.bodies.get(split.body)?.byKind.get(kind)?.get(split.slug);
  }

  /** Adds an item under its own identifier (an adopted copy). */
  addById(it: Item): void {
    const split = splitCopyId(it.targetId);
    let m: Map<string, Item>;
    if (split) m = this.slots(split.body, it.kind);
    else {
      m = this.others.get(it.kind) ?? new Map();
      this.others.set(it.kind, m);
    }
    m.set(split ? split.slug : it.targetId, it);
    this.order.push(it);
  }
}

function slotsOf(b: BodyRecord, kind: string): Map<string, Item> {
  let m = b.byKind.get(kind);
  if (!m) {
    m = new Map();
    b.byKind.set(kind, m);
  }
  return m;
}

/** Length of a time slug (`yyyymmdd-hhmm`), always 13 characters (lib/identifiers.ts). */
const SLUG_LENGTH = 13;
const PREFIX_LENGTH = ID_PREFIX.length + 1;

/** `rpl-<body>-<slug>` -> `{ body, slug }`; undefined for an identifier of another shape. */
function splitCopyId(id: string): { body: string; slug: string } | undefined {
  const n = id.length;
  if (n < PREFIX_LENGTH + SLUG_LENGTH + 1 || !id.startsWith(OWN_PREFIX) || id.charCodeAt(n - SLUG_LENGTH - 1) !== 45) {
    return undefined;
  }
  return { body: id.slice(PREFIX_LENGTH, n - SLUG_LENGTH - 1), slug: id.slice(n - SLUG_LENGTH) };
}

const OWN_PREFIX = `${ID_PREFIX}-`;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Plans one Copier run (pure: no I/O, no clock). */
export function planCopy(input: CopyPlanInput): CopyPlan {
  const { config, scope } = input;
  const skipped: SkippedSnapshot[] = [];
  const index = new ItemIndex();
  // Only a run asked about one snapshot reports why it left that snapshot alone.
  const askedArn = scope.kind === "snapshot" ? scope.snapshotArn : undefined;

  const shared = input.shared;
  for (let i = 0; i < shared.length; i++) {
    const s = shared[i]!;
    // Out-of-scope sources are dropped before any identifier is computed: a scoped run costs its own DB, not a sweep.
    if (!sourceInScope(s, scope)) continue;
    // Other people's shares are none of our business; only report them when the run was asked about them.
    if (!s.id.startsWith(OWN_PREFIX)) {
      if (s.arn === askedArn) skipped.push({ id: s.arn, reason: NOT_OURS });
      continue;
    }
    if (!config.sourceAccounts.includes(s.account)) {
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
    addSource(index, skipped, s, s.dbId, s.createdAt, false);
  }

  // Single account (role `both`): a manual snapshot listed in the home region is owned by the Lambda's own account
  // (its ARN says so), and our Taker tagged it, so the tags give the DB and the recovery point.
  const home = input.home;
  for (let i = 0; i < home.length; i++) {
    const s = home[i]!;
    if (s.type !== "manual" || stageOf(s) !== "source" || !config.sourceAccounts.includes(s.account)) continue;
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
    const recoveryPoint = recoveryPointOf(s);
    if (!s.dbId || !recoveryPoint) {
      skipped.push({ id: s.arn, reason: `has no ${TAG.sourceDb} tag or DB identifier, or no recovery point` });
      continue;
    }
    addSource(index, skipped, s, s.dbId, recoveryPoint, true);
  }

  // Our own copies keep their pipeline going even after the shared original has expired at the source.
  const homeFound = input.home.map((s) => adopt(index, s, "dr", scope));
  const regionalFound = config.drRegion ? input.regional.map((s) => adopt(index, s, "dr-region", scope)) : [];
  attach(index, input.home, homeFound, "home");
  if (config.drRegion) attach(index, input.regional, regionalFound, "regional");

  const inFlight: Record<string, number> = {
    [config.region]: input.inFlight?.[config.region] ?? countInFlight(input.home),
  };
  if (config.drRegion) inFlight[config.drRegion] = input.inFlight?.[config.drRegion] ?? countInFlight(input.regional);

  const scoped: Item[] = [];
  const kept: Item[] = [];
  const views: CopyItemView[] = [];
  const failures: ItemFailure[] = [];
  const inProgress: string[] = [];
  const running: Snapshot[] = [];
  let pending = 0;
  const windowStart = input.now.getTime() - config.copyWindowHours * HOUR_MS;
  let windowStartText: string | undefined;
  const order = index.order;
  for (let i = 0; i < order.length; i++) {
    const it = order[i]!;
    if (scope.kind !== "sweep" && !inScopeOf(it, scope)) continue;
    scoped.push(it);
    const rp = it.recoveryPoint.getTime();
    const outsideWindow = rp < windowStart;
    if (isFanOut(it, config)) assessFanOut(it, config, outsideWindow);
    else assess(it, config);
    // Outside the window the DR Janitor may already have deleted this recovery point's copy by retention; copying it
    // from the source again would only be deleted again, on every sweep. A source-side failure there is moot for the
    // same reason. The DR-region leg from our own home copy is still finished: that copy exists, so retention has
    // not removed this recovery point, and a slow home copy must not strand it without its DR-region copy.
    if (outsideWindow) {
      const src = it.source;
      const fromSourceNow =
        (src !== undefined && (it.homeNeed === src.arn || it.regionNeed === src.arn)) ||
        it.failure?.error === "UnencryptedSource" ||
        it.dueFromSource;
      if (fromSourceNow) {
        windowStartText ??= new Date(windowStart).toISOString();
        skipped.push({
          // Only copies from a source get here, so the source is set; the identifier is a defensive fallback.
          id: src?.arn ?? it.targetId,
          reason: OUTSIDE_COPY_WINDOW,
          detail:
            `recovery point ${it.recoveryPoint.toISOString()} is older than the ${config.copyWindowHours}-hour copy ` +
            `window (RPL_COPY_WINDOW_HOURS) that starts at ${windowStartText}`,
        });
        continue;
      }
    }
    kept.push(it);
    const phase = it.phase;
    const failure = it.failure;
    views.push(
      failure
        ? {
            item: it.db.item,
            targetId: it.targetId,
            kind: it.kind,
            sourceAccount: it.db.account,
            dbId: it.db.dbId,
            recoveryPoint: it.recoveryPoint,
            phase,
            failure,
          }
        : {
            item: it.db.item,
            targetId: it.targetId,
            kind: it.kind,
            sourceAccount: it.db.account,
            dbId: it.db.dbId,
            recoveryPoint: it.recoveryPoint,
            phase,
          },
    );
    if (failure) failures.push(failure);
    if (phase === "done") it.state.newestDone = Math.max(it.state.newestDone, rp);
    else if (phase !== "failed") {
      pending++;
      const copy = phase === "home-in-progress" ? it.home : phase === "region-in-progress" ? it.regional : undefined;
      if (copy) {
        inProgress.push(it.targetId);
        running.push(copy);
      }
    }
  }

  // Intermediate deletes: only our own `dr` copy, only once its DR-region copy is available, and never while any
  // copy still reads from it (deleting a copy's source fails or cancels that copy).
  const deletes: DeleteIntermediateAction[] = [];
  if (config.deleteIntermediate && config.drRegion) {
    const sources = new Set<string>();
    for (const list of [input.home, input.regional]) {
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        if (!IN_PROGRESS_STATUSES.has(s.status)) continue;
        if (s.copiedFrom) sources.add(s.copiedFrom);
        const tagged = s.tags[TAG.copiedFrom];
        if (tagged) sources.add(tagged);
      }
    }
    for (let i = 0; i < scoped.length; i++) {
      const it = scoped[i]!;
      const h = it.home;
      const r = it.regional;
      if (!h || !r || r.status !== "available" || !isOwnedCopy(r, "dr-region")) continue;
      if (!isOwnedCopy(h, "dr") || h.status !== "available" || sources.has(h.arn)) continue;
      deletes.push({
        type: "delete-intermediate",
        item: it.db.item,
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
  for (const region of Object.keys(inFlight)) {
    const free = Math.max(0, config.maxCopiesInFlight - (inFlight[region] ?? 0));
    const { chosen, count } = chooseCopies(kept, region, config, free, pass++);
    waiting += Math.max(0, count - free);
    for (const c of chosen) copies.push(copyAction(c.it, c.leg, config));
  }

  const scopeMatched = scope.kind === "sweep" || scoped.length > 0 || skipped.length > 0;
  return {
    actions: [...deletes, ...copies],
    progress: {
      items: views,
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

const NOT_OURS = `identifier does not start with "${OWN_PREFIX}", so rds-pilot-light did not create it`;

function sourceInScope(s: Snapshot, scope: CopyScope): boolean {
  return (
    scope.kind === "sweep" || (scope.kind === "db" ? s.dbId.toLowerCase() === scope.dbId : scope.snapshotArn === s.arn)
  );
}

/** Adds a source snapshot's recovery point, unless another source already maps to the same DR copy. */
function addSource(
  index: ItemIndex,
  skipped: SkippedSnapshot[],
  s: Snapshot,
  dbId: string,
  recoveryPoint: Date,
  ownSource: boolean,
): void {
  const rec = index.db(s.account, dbId);
  const slots = index.dbSlots(rec, s.kind);
  const slug = index.slug(recoveryPoint);
  // Sources are added before any copy is adopted, so an existing item always has a source.
  const existing = slots.get(slug);
  if (existing?.source) {
    skipped.push({
      id: s.arn,
      reason: `maps to ${existing.targetId}, the same DR copy as ${existing.source.arn}`,
    });
    return;
  }
  const it = new Item(
    rec,
    index.state(rec, s.kind),
    (rec.body?.prefix ?? "") + slug,
    s.kind,
    s.region,
    recoveryPoint,
    ownSource,
  );
  it.source = s;
  slots.set(slug, it);
  index.order.push(it);
}

/**
 * Adopts one of our copies of `stage` whose recovery point has no item yet. Returns the item with the snapshot's kind
 * and identifier (found or adopted), if any.
 */
function adopt(index: ItemIndex, s: Snapshot, stage: CopyStage, scope: CopyScope): Item | undefined {
  const found = index.find(s.kind, s.id);
  if (found || stageOf(s) !== stage) return found;
  if (scope.kind === "db" && s.tags[TAG.sourceDb]?.toLowerCase() !== scope.dbId) return undefined;
  const recoveryPoint = recoveryPointOf(s);
  const account = s.tags[TAG.sourceAccount];
  const dbId = s.tags[TAG.sourceDb];
  if (!recoveryPoint || !account || !dbId) return undefined;
  const rec = index.db(account, dbId);
  const it = new Item(
    rec,
    index.state(rec, s.kind),
    s.id,
    s.kind,
    s.tags[TAG.sourceRegion] ?? "",
    recoveryPoint,
    // The DR-region leg of an adopted item starts from its home copy, never from a source.
    false,
  );
  index.addById(it);
  return it;
}

/**
 * Gives each item the snapshot listed under its kind and identifier (the last one listed wins, as in a map filled in
 * listing order). `found[i]` is the item already looked up for `listed[i]`, if any.
 */
function attach(
  index: ItemIndex,
  listed: readonly Snapshot[],
  found: readonly (Item | undefined)[],
  field: "home" | "regional",
): void {
  for (let i = 0; i < listed.length; i++) {
    const s = listed[i] as Snapshot;
    const it = found[i] ?? index.find(s.kind, s.id);
    if (it) it[field] = s;
  }
}

/**
 * Owned copies running in one region. A Taker snapshot being created (stage `source`) is not a copy. Same rule as
 * the raw count `countCopiesInFlight` (lib/rds.ts): both use {@link isCopyInFlight}.
 */
export function countInFlight(snapshots: readonly Snapshot[]): number {
  return snapshots.filter((s) => isCopyInFlight(s.status, (k) => s.tags[k])).length;
}

function isOwnedCopy(s: Snapshot, stage: CopyStage): boolean {
  return isOwned(s.tags) && stageOf(s) === stage;
}

function inScopeOf(it: Item, scope: CopyScope): boolean {
  switch (scope.kind) {
    case "sweep":
      return true;
    case "db":
      return it.db.dbId.toLowerCase() === scope.dbId;
    case "snapshot":
      return [it.source?.arn, it.home?.tags[TAG.copiedFrom], it.regional?.tags[TAG.copiedFrom]].includes(
        scope.snapshotArn,
      );
  }
}

function fail(it: Item, error: string, message: string): void {
  it.phase = "failed";
  it.failure = { id: it.db.item, error, message: `${it.targetId}: ${message}` };
}

/** A copy in `where` that is neither running nor available needs an operator. */
function stuck(it: Item, s: Snapshot, where: string | undefined): void {
  fail(
    it,
    "CopyFailed",
    `the copy in ${where} has status ${s.status}; delete it to let rds-pilot-light copy this recovery point again`,
  );
}

/**
 * Fails the item when a snapshot already holding its identifier is not ours, or holds another recovery point.
 * True when it did.
 */
function holderFails(it: Item, config: CopyConfig): boolean {
  return (
    (it.home !== undefined && holderFailsIn(it, it.home, config.region)) ||
    (it.regional !== undefined && holderFailsIn(it, it.regional, config.drRegion))
  );
}

function holderFailsIn(it: Item, s: Snapshot, where: string | undefined): boolean {
  if (!isOwned(s.tags)) {
    fail(
      it,
      "ForeignSnapshotExists",
      `a snapshot with this identifier already exists in ${where} but is not tagged ` +
        `${TAG.managedBy}=${MANAGED_BY_VALUE}; rename or delete it so the DR copy can be made`,
    );
    return true;
  }
  const tagged = recoveryPointOf(s);
  if (it.source && tagged && tagged.getTime() !== it.recoveryPoint.getTime()) {
    fail(
      it,
      "IdentifierCollision",
      `the copy in ${where} holds recovery point ${tagged.toISOString()}, but shared snapshot ${it.source.arn} ` +
        `was taken at ${it.recoveryPoint.toISOString()} (two snapshots of one DB in the same minute); only the first is copied`,
    );
    return true;
  }
  return false;
}

/** The copy from the source into the home region (`home`) or straight into the DR region (`region`). */
function fromSource(it: Item, leg: Leg): void {
  const src = it.source;
  if (!src) {
    fail(it, "SourceGone", "the shared snapshot is no longer shared and no copy exists");
    return;
  }
  // CopyDBClusterSnapshot rejects KmsKeyId for an unencrypted source, and a DR copy must carry the DR key.
  if (src.kind === "cluster" && !src.encrypted) {
    fail(
      it,
      "UnencryptedSource",
      `source cluster snapshot ${src.arn} is not encrypted, so it cannot be copied under the DR key; ` +
        "encrypt the source cluster with a customer-managed KMS key",
    );
    return;
  }
  it.phase = "copy-needed";
  if (leg === "home") it.homeNeed = src.arn;
  else it.regionNeed = src.arn;
}

/** Decides the phase of one item (two-step, direct, or no DR region) and, when a copy should start, which one. */
function assess(it: Item, config: CopyConfig): void {
  if (holderFails(it, config)) return;
  const drRegion = config.drRegion;
  if (!drRegion) {
    const h = it.home;
    if (!h) {
      fromSource(it, "home");
      return;
    }
    if (IN_PROGRESS_STATUSES.has(h.status)) it.phase = "home-in-progress";
    else if (h.status === "available") it.phase = "done";
    else stuck(it, h, config.region);
    return;
  }
  const r = it.regional;
  if (r) {
    if (IN_PROGRESS_STATUSES.has(r.status)) it.phase = "region-in-progress";
    else if (r.status === "available") it.phase = "done";
    else stuck(it, r, drRegion);
    return;
  }
  const h = it.home;
  if (h) {
    if (IN_PROGRESS_STATUSES.has(h.status)) it.phase = "home-in-progress";
    else if (h.status !== "available") stuck(it, h, config.region);
    else {
      it.phase = "region-copy-needed";
      it.regionNeed = h.arn;
    }
    return;
  }
  // An own-account source needs no cross-account hop into the home region: it is already there.
  fromSource(it, config.mode === "direct" || it.ownSource ? "region" : "home");
}

/** Which copy of an item: into the home region (stage `dr`) or into the DR region (stage `dr-region`). */
type Leg = "home" | "region";

/**
 * Fan-out applies to DB instance snapshots shared from another account when a DR region is configured. DB cluster
 * snapshots fall back to two-step: Aurora cannot copy a cluster snapshot across account and region in one step
 * ("You can't copy a DB cluster snapshot across Regions and accounts in a single step",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html). An own-account source
 * (single-account stack) already goes straight into the DR region.
 */
function isFanOut(it: Item, config: CopyConfig): boolean {
  return config.mode === "fan-out" && config.drRegion !== undefined && it.kind === "instance" && !it.ownSource;
}

/**
 * Fan-out: the home-region copy and the DR-region copy both come from the shared snapshot, and both are requested
 * as soon as the share is seen. CopyDBSnapshot accepts a source ARN in another account and another region
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html, SourceDBSnapshotIdentifier),
 * so the DR-region copy is not a copy of a copy and can be incremental. The item is done when both copies are
 * available. When the share is gone (or outside the copy window) before the DR-region copy started, that copy is
 * made from the home-region copy instead (a full copy, but the recovery point is not lost).
 */
function assessFanOut(it: Item, config: CopyConfig, outsideWindow: boolean): void {
  const drRegion = config.drRegion ?? "";
  // Foreign or colliding identifiers fail before anything else. (Fan-out items are DB instances, so the cluster-only
  // UnencryptedSource check of two-step never applies.)
  if (holderFails(it, config)) return;
  const h = it.home;
  const r = it.regional;
  if (h && !IN_PROGRESS_STATUSES.has(h.status) && h.status !== "available") {
    stuck(it, h, config.region);
    return;
  }
  if (r && !IN_PROGRESS_STATUSES.has(r.status) && r.status !== "available") {
    stuck(it, r, drRegion);
    return;
  }
  const src = outsideWindow ? undefined : it.source;
  let dueFromSource = false;
  if (!h) {
    if (src) it.homeNeed = src.arn;
    else if (it.source && !r) dueFromSource = true;
  }
  if (!r) {
    if (src) it.regionNeed = src.arn;
    else if (h?.status === "available") it.regionNeed = h.arn;
    else if (!h) {
      if (it.source) dueFromSource = true;
      else {
        fail(it, "SourceGone", "the shared snapshot is no longer shared and no copy exists");
        return;
      }
    }
  }
  if (r && IN_PROGRESS_STATUSES.has(r.status)) it.phase = "region-in-progress";
  else if (h && IN_PROGRESS_STATUSES.has(h.status)) it.phase = "home-in-progress";
  else if (!h && it.homeNeed !== undefined) it.phase = "copy-needed";
  else if (!r) it.phase = h ? "region-copy-needed" : "copy-needed";
  else it.phase = "done";
  it.dueFromSource = dueFromSource;
}

function copyAction(it: Item, leg: Leg, config: CopyConfig): CopyAction {
  const home = leg === "home";
  const sourceArn = (home ? it.homeNeed : it.regionNeed) ?? "";
  const stage: CopyStage = home ? "dr" : "dr-region";
  return {
    type: "copy",
    item: it.db.item,
    kind: it.kind,
    stage,
    region: home ? config.region : (config.drRegion ?? ""),
    sourceArn,
    targetId: it.targetId,
    kmsKeyId: home ? config.drKmsKeyArn : (config.drRegionKmsKeyArn ?? ""),
    tags: {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.sourceDb]: it.db.dbId,
      [TAG.sourceKind]: it.kind,
      [TAG.sourceAccount]: it.db.account,
      [TAG.sourceRegion]: it.sourceRegion,
      [TAG.recoveryPoint]: it.recoveryPoint.toISOString(),
      [TAG.stage]: stage,
      [TAG.copiedFrom]: sourceArn,
    },
  };
}

/** A copy waiting for a slot, with what the priority order compares. */
interface Candidate {
  readonly it: Item;
  readonly leg: Leg;
  readonly tier: number;
  readonly done: number;
  readonly rp: number;
  /** Position among the region's waiting copies (item order, home leg before DR-region leg): the last tie-break. */
  readonly seq: number;
}

/**
 * The copies into `region` that get one of its `free` slots, best first, and how many copies wait for that region.
 * Order: first the newest waiting recovery point of every DB (so each DB's DR copy gets fresher before any backlog
 * is filled), then the older ones; within each tier the DB whose newest finished copy is oldest goes first; then
 * newer recovery points; then the identifier (`localeCompare` order); then the order the copies were found in. Only
 * the best `free` are kept while scanning, so a run with thousands of waiting copies and a few slots never sorts them.
 */
function chooseCopies(
  kept: readonly Item[],
  region: string,
  config: CopyConfig,
  free: number,
  pass: number,
): { chosen: Candidate[]; count: number } {
  const intoHome = region === config.region;
  const intoRegion = region === config.drRegion;
  // Newest waiting recovery point per DB, over the copies into this region.
  let count = 0;
  for (let i = 0; i < kept.length; i++) {
    const it = kept[i]!;
    const legs = (intoHome && it.homeNeed !== undefined ? 1 : 0) + (intoRegion && it.regionNeed !== undefined ? 1 : 0);
    if (legs === 0) continue;
    count += legs;
    const st = it.state;
    const rp = it.recoveryPoint.getTime();
    st.needed = st.neededPass === pass ? Math.max(st.needed, rp) : Math.max(Number.NEGATIVE_INFINITY, rp);
    st.neededPass = pass;
  }
  const chosen: Candidate[] = [];
  if (free === 0 || count === 0) return { chosen, count };
  let seq = 0;
  for (let i = 0; i < kept.length; i++) {
    const it = kept[i]!;
    if (intoHome && it.homeNeed !== undefined) offer(chosen, free, it, "home", seq++);
    if (intoRegion && it.regionNeed !== undefined) offer(chosen, free, it, "region", seq++);
  }
  return { chosen, count };
}

/** Inserts the copy into `chosen` (sorted best first, at most `free` long) when it ranks among the best `free`. */
function offer(chosen: Candidate[], free: number, it: Item, leg: Leg, seq: number): void {
  const st = it.state;
  const rp = it.recoveryPoint.getTime();
  const tier = rp === st.needed ? 0 : 1;
  const done = st.newestDone;
  if (chosen.length === free) {
    const worst = chosen[free - 1] as Candidate;
    if (compareRank(tier, done, rp, it.targetId, seq, worst) >= 0) return;
    chosen.pop();
  }
  let lo = 0;
  let hi = chosen.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRank(tier, done, rp, it.targetId, seq, chosen[mid] as Candidate) < 0) hi = mid;
    else lo = mid + 1;
  }
  chosen.splice(lo, 0, { it, leg, tier, done, rp, seq });
}

function compareRank(tier: number, done: number, rp: number, id: string, seq: number, b: Candidate): number {
  return (
    tier - b.tier ||
    compareNumbers(done, b.done) ||
    compareNumbers(b.rp, rp) ||
    (id === b.it.targetId ? 0 : collator.compare(id, b.it.targetId)) ||
    seq - b.seq
  );
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `String.prototype.localeCompare` without arguments, as one reusable collator (same order, much faster). */
const collator = new Intl.Collator();
