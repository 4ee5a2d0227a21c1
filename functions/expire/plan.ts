/**
 * The Janitor's planner: which of our manual snapshots to delete. Pure; the handler, the CLI (dry runs) and the
 * simulator all call it. Safety rules come first and the retention policy (../lib/retention) only ever chooses
 * among snapshots the rules allow deleting:
 *
 * - only snapshots carrying our ownership tag, of type `manual`, in a stage this Janitor manages;
 * - never the source of a copy still in progress (RDS copies read the source until they finish), looking at every
 *   region listed, so a DR-account Janitor protects home-region copies that feed the DR-region copy;
 * - never a snapshot that is not `available`, except `failed` ones, which restore nothing and only use quota;
 * - never an undated one (no recovery point to judge its age by).
 */
import { factsOfSnapshot, recoveryTimeOf, type Snapshot, stageOf } from "../lib/model";
import { type RetentionPolicy, type RetentionReason, reasonsOfMask, retentionMasksNewestFirst } from "../lib/retention";
import { isOwned, MANAGED_BY_VALUE, type Stage, TAG } from "../lib/tags";

/** Which account's snapshots this Janitor manages: the production (`source`) or the DR account (`dr`). */
export type ExpireStage = "source" | "dr";

/** Why a managed snapshot is kept. */
export type KeepReason = RetentionReason | "copy-source" | "not-available" | "undated";

/** What to do with one managed snapshot. Foreign and out-of-scope snapshots get no action at all. */
export type ExpireAction =
  | { readonly type: "delete"; readonly snapshot: Snapshot; readonly reason: "expired" | "failed" }
  | { readonly type: "keep"; readonly snapshot: Snapshot; readonly reasons: readonly KeepReason[] };

/** Input of {@link planExpire}. */
export interface ExpireInput {
  /** Every manual snapshot listed in every swept region (ours and others'; the planner filters). */
  readonly snapshots: readonly Snapshot[];
  readonly now: Date;
  readonly stage: ExpireStage;
  readonly policy: RetentionPolicy;
  /** Only plan for the snapshots of this DB identifier (all source accounts and regions). */
  readonly dbId?: string;
  /** Only plan for the snapshots of these DB identifiers (a multi-DB sweep item); with `dbId`, both must hold. */
  readonly dbIds?: ReadonlySet<string>;
}

/** Snapshot stages (`rpl-stage` tag values) a Janitor of `stage` manages. */
export function managedStages(stage: ExpireStage): readonly Stage[] {
  return stage === "source" ? ["source"] : ["dr", "dr-region"];
}

/** True when the Janitor of `stage` may ever delete `s` (the retention policy still decides whether it does). */
export function isManaged(s: Snapshot, stage: ExpireStage): boolean {
  const st = stageOf(s);
  return isOwned(s.tags) && s.type === "manual" && st !== undefined && managedStages(stage).includes(st);
}

/**
 * Retention group of a snapshot: one DB's snapshots at one place and stage. `minKeep` and every tier apply per
 * group, so the DR home-region copies and the DR-region copies each keep their own newest `minKeep`.
 */
export function groupKey(s: Snapshot): string {
  const sourceAccount = s.tags[TAG.sourceAccount] ?? s.account;
  return JSON.stringify([s.account, s.region, stageOf(s) ?? "", sourceAccount, s.kind, s.dbId]);
}

/**
 * ARNs or identifiers of snapshots that a copy still in progress reads from. Any copy not yet `available` (and
 * not `failed`) counts: deleting its source would fail it. Both the RDS field and our `rpl-copied-from` tag are
 * used, so a copy is protected whichever of them names its source.
 */
export function copySources(snapshots: readonly Snapshot[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const t of snapshots) {
    if (t.status === "available" || t.status === "failed") continue;
    if (t.copiedFrom) out.add(t.copiedFrom);
    const tagged = t.tags[TAG.copiedFrom];
    if (tagged) out.add(tagged);
  }
  return out;
}

/** Plans deletions for every managed snapshot in `input.snapshots` (see the module comment for the rules). */
export function planExpire(input: ExpireInput): ExpireAction[] {
  // The sources of copies in progress (as copySources finds them), gathered in the same pass as the groups.
  const protectedSources = new Set<string>();
  // Grouped by DB identifier, then by comparing the other groupKey fields: no key string is built per snapshot.
  // Each group's groupKey, which orders the report, is worked out once. A group's members are not gathered into an
  // array of their own: each managed snapshot's group number goes into `groupOf` (by index in the listing), and the
  // members are then laid out group by group, in listing order, in one index array (a sweep at 1,000 DBs has ~1,000
  // groups of ~48: one array each, grown by pushes, was a fifth of what a run allocated).
  const byDb = new Map<string, Group[]>();
  const groups: Group[] = [];
  const managed = managedStages(input.stage);
  const snapshots = input.snapshots;
  const groupOf = new Int32Array(snapshots.length);
  // Each managed snapshot's recovery point in ms (by index in the listing), read with the rest of its facts.
  const listTimes = new Float64Array(snapshots.length);
  const listDated = new Uint8Array(snapshots.length);
  const scratch: SnapshotFacts = { stage: undefined, sourceAccount: "", copiedFrom: undefined, time: undefined };
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    const f = snapshotFacts(s, scratch);
    const status = s.status;
    groupOf[i] = -1;
    if (status !== "available" && status !== "failed") {
      if (s.copiedFrom) protectedSources.add(s.copiedFrom);
      const tagged = f.copiedFrom;
      if (tagged) protectedSources.add(tagged);
    }
    // stageOf(s), for an owned manual snapshot: one of the three stages, of which this Janitor manages some.
    const stage = f.stage;
    if (stage === undefined || !managed.includes(stage)) continue;
    if (input.dbId !== undefined && s.dbId !== input.dbId) continue;
    if (input.dbIds !== undefined && !input.dbIds.has(s.dbId)) continue;
    const sourceAccount = f.sourceAccount;
    const t = f.time;
    listDated[i] = t === undefined ? 0 : 1;
    listTimes[i] = t ?? Number.NEGATIVE_INFINITY;
    let sameDb = byDb.get(s.dbId);
    if (!sameDb) {
      sameDb = [];
      byDb.set(s.dbId, sameDb);
    }
    let group: Group | undefined;
    for (let j = 0; j < sameDb.length; j++) {
      const g = sameDb[j]!;
      if (
        g.account === s.account &&
        g.region === s.region &&
        g.stage === stage &&
        g.sourceAccount === sourceAccount &&
        g.kind === s.kind
      ) {
        group = g;
        break;
      }
    }
    if (group === undefined) {
      group = {
        no: groups.length,
        key: groupKey(s),
        account: s.account,
        region: s.region,
        stage,
        sourceAccount,
        kind: s.kind,
        start: 0,
        count: 0,
      };
      sameDb.push(group);
      groups.push(group);
    }
    group.count++;
    groupOf[i] = group.no;
  }

  // Each group's members, in listing order, at members[start .. start + count).
  let largest = 0;
  let total = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    group.start = total;
    total += group.count;
    if (group.count > largest) largest = group.count;
  }
  const members = new Int32Array(total);
  const filled = new Int32Array(groups.length);
  for (let i = 0; i < snapshots.length; i++) {
    const g = groupOf[i] as number;
    if (g < 0) continue;
    members[(groups[g] as Group).start + (filled[g] as number)++] = i;
  }

  // One action per member, so the list is made at its final length (no copies as pushes outgrow it).
  const actions: ExpireAction[] = new Array(total);
  let at = 0;
  const ordered = groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const protects = protectedSources.size > 0;
  // Per group, in scratch arrays sized for the largest: its members' order, each member's recovery point (read once,
  // tag parsed once), the dated members' times in order, and the policy's verdict per dated member as a bit mask.
  const order = new Int32Array(largest);
  const times = new Float64Array(largest);
  const dated = new Uint8Array(largest);
  const datedTimes = new Float64Array(largest);
  const masks = new Uint8Array(largest);
  for (const group of ordered) {
    const start = group.start;
    const count = group.count;
    newestFirst(snapshots, members, start, count, listTimes, listDated, order, times, dated);
    let datedCount = 0;
    for (let k = 0; k < count; k++) {
      const m = order[k] as number;
      if (dated[m] === 1 && (snapshots[members[start + m] as number] as Snapshot).status === "available")
        datedTimes[datedCount++] = times[m] as number;
    }
    // The dated members keep their newest-first order, which is the policy's order too.
    retentionMasksNewestFirst(datedTimes, datedCount, input.policy, input.now, masks);
    let rank = 0;
    for (let k = 0; k < count; k++) {
      const m = order[k] as number;
      const s = snapshots[members[start + m] as number] as Snapshot;
      const copySource = protects && (protectedSources.has(s.arn) || protectedSources.has(s.id));
      if (s.status === "failed") {
        actions[at++] = copySource
          ? keep(s, reasonList(COPY_SOURCE))
          : { type: "delete", snapshot: s, reason: "failed" };
        continue;
      }
      let code: number;
      if (s.status !== "available") code = NOT_AVAILABLE;
      else if (dated[m] === 0) code = UNDATED;
      else code = masks[rank++] as number;
      if (copySource) code |= COPY_SOURCE;
      actions[at++] = code !== 0 ? keep(s, reasonList(code)) : { type: "delete", snapshot: s, reason: "expired" };
    }
  }
  return actions;
}

/** What {@link planExpire} reads of one snapshot's tags (and its recovery point), each read once. */
interface SnapshotFacts {
  /** The `rpl-stage` tag of an owned manual snapshot (any value); undefined for any other snapshot. */
  stage: Stage | undefined;
  /** `rpl-source-account`, else the snapshot's own account (owned manual snapshots only). */
  sourceAccount: string;
  /** The `rpl-copied-from` tag. */
  copiedFrom: string | undefined;
  /** recoveryTimeOf(s) (owned manual snapshots only). */
  time: number | undefined;
}

/** {@link SnapshotFacts} remembered per frozen snapshot (functions/lib/model.ts `factsOfSnapshot`). */
const factsMemo = new WeakMap<Snapshot, SnapshotFacts>();

function snapshotFacts(s: Snapshot, scratch: SnapshotFacts): SnapshotFacts {
  return factsOfSnapshot(factsMemo, s, scratch, newSnapshotFacts, readSnapshotFacts);
}

const newSnapshotFacts = (): SnapshotFacts => ({
  stage: undefined,
  sourceAccount: "",
  copiedFrom: undefined,
  time: undefined,
});

function readSnapshotFacts(s: Snapshot, f: SnapshotFacts): void {
  const tags = s.tags;
  f.copiedFrom = tags[COPIED_FROM];
  if (tags[MANAGED_BY] === MANAGED_BY_VALUE && s.type === "manual") {
    f.stage = tags[STAGE] as Stage | undefined;
    f.sourceAccount = tags[SOURCE_ACCOUNT] ?? s.account;
    f.time = recoveryTimeOf(s);
  } else {
    f.stage = undefined;
    f.sourceAccount = "";
    f.time = undefined;
  }
}

/** One retention group of {@link planExpire}: the fields its members share, and where they sit in its index array. */
interface Group {
  /** Its index in creation order (`groupOf` holds it per member). */
  readonly no: number;
  readonly key: string;
  readonly account: string;
  readonly region: string;
  readonly stage: Stage;
  readonly sourceAccount: string;
  readonly kind: Snapshot["kind"];
  start: number;
  count: number;
}

const MANAGED_BY = TAG.managedBy;
const SOURCE_ACCOUNT = TAG.sourceAccount;
const STAGE = TAG.stage;
const COPIED_FROM = TAG.copiedFrom;

/**
 * A keep's reasons as a code: the policy's bits ({@link RETENTION_BITS}, below 32), or one of these, with
 * {@link COPY_SOURCE} added when a copy reads the snapshot.
 */
const NOT_AVAILABLE = 32;
const UNDATED = 64;
const COPY_SOURCE = 128;

/**
 * The reasons list of a code, one frozen list per code: a sweep keeps tens of thousands of snapshots for a handful of
 * distinct reason lists, so they share them. Order: `copy-source` first, then as the policy lists them.
 */
const reasonLists: (readonly KeepReason[] | undefined)[] = new Array(256).fill(undefined);
function reasonList(code: number): readonly KeepReason[] {
  let list = reasonLists[code];
  if (list === undefined) {
    const r: KeepReason[] = code & COPY_SOURCE ? ["copy-source"] : [];
    if (code & NOT_AVAILABLE) r.push("not-available");
    else if (code & UNDATED) r.push("undated");
    else r.push(...reasonsOfMask(code & 31));
    list = Object.freeze(r);
    reasonLists[code] = list;
  }
  return list;
}

/** The snapshots a plan deletes. */
export function deletions(actions: readonly ExpireAction[]): Snapshot[] {
  // A loop, not `flatMap`: that made an array per action, and a sweep's list step plans every snapshot of its regions.
  const out: Snapshot[] = [];
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (a.type === "delete") out.push(a.snapshot);
  }
  return out;
}

function keep(snapshot: Snapshot, reasons: readonly KeepReason[]): ExpireAction {
  return { type: "keep", snapshot, reasons };
}

/**
 * Writes into `order[0..n)` the group's member numbers (0..n-1, standing for `list[members[start + m]]`) newest
 * recovery point first, undated last, ties by id: the order actions are reported in. Writes each member's recovery
 * point into `times` and whether it has one into `dated` (by member number), read from `listTimes` and `listDated` (by
 * index in `list`: what {@link snapshotFacts} found).
 *
 * Without an invalid date among the times this order is total up to equal ids, so any stable sort gives the result
 * `Array.prototype.sort` gives, and a binary insertion sort does it in one pass over a list already in order. Listings
 * often come oldest first (RDS and the model list in creation order), the reverse of this order: such a list is
 * inserted from its last member back, so each member lands at the end (one comparison each) instead of at the front
 * (moving every member placed so far). The direction is the one with fewer members out of order with their neighbour
 * (a list seeded newest first, plus one new snapshot, stays forwards). Both directions give the same stable order.
 * With an invalid date (a NaN time, which the comparison cannot order), `Array.prototype.sort` itself runs.
 */
function newestFirst(
  list: readonly Snapshot[],
  members: Int32Array,
  start: number,
  n: number,
  listTimes: Float64Array,
  listDated: Uint8Array,
  order: Int32Array,
  times: Float64Array,
  dated: Uint8Array,
): void {
  let invalid = false;
  for (let i = 0; i < n; i++) {
    const at = members[start + i] as number;
    dated[i] = listDated[at] as number;
    const k = listTimes[at] as number;
    if (Number.isNaN(k)) invalid = true;
    times[i] = k;
    order[i] = i;
  }
  sortList = list;
  sortMembers = members;
  sortStart = start;
  sortTimes = times;
  if (invalid) {
    // Array.prototype.sort, stable, on a plain array (as before).
    const plain = Array.from(order.subarray(0, n)).sort(byTimeThenId);
    for (let i = 0; i < n; i++) order[i] = plain[i] as number;
  } else {
    // Members out of order with their successor, for each direction: the insertion sort does one binary search and
    // shift per such member, so it goes the way with fewer.
    let forwards = 0;
    let backwards = 0;
    for (let i = 1; i < n; i++) {
      const c = byTimeThenId(i - 1, i);
      if (c > 0) forwards++;
      else if (c < 0) backwards++;
    }
    if (backwards < forwards) insertBackwards(order, n);
    else insertForwards(order, n);
  }
  sortList = EMPTY;
}

/** Stable binary insertion sort of `order` (the identity permutation) by {@link byTimeThenId}, first index first. */
function insertForwards(order: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const x = order[i] as number;
    if (byTimeThenId(order[i - 1] as number, x) <= 0) continue;
    // The first position whose member sorts after x (after every equal one: stable).
    let lo = 0;
    let hi = i - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byTimeThenId(order[mid] as number, x) > 0) hi = mid;
      else lo = mid + 1;
    }
    order.copyWithin(lo + 1, lo, i);
    order[lo] = x;
  }
}

/**
 * The same sort, placing indexes from the last back to the first: `order[0..placed)` holds the indexes above the one
 * being placed, sorted. An index goes before every member it ties with (they come later in `list`: stable), so at
 * the end unless the last placed one sorts strictly before it.
 */
function insertBackwards(order: Int32Array, n: number): void {
  order[0] = n - 1;
  for (let placed = 1; placed < n; placed++) {
    const x = n - 1 - placed;
    if (byTimeThenId(order[placed - 1] as number, x) < 0) {
      order[placed] = x;
      continue;
    }
    // The first position whose member does not sort before x.
    let lo = 0;
    let hi = placed - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byTimeThenId(order[mid] as number, x) >= 0) hi = mid;
      else lo = mid + 1;
    }
    order.copyWithin(lo + 1, lo, placed);
    order[lo] = x;
  }
}

const EMPTY: readonly Snapshot[] = [];
/** What {@link byTimeThenId} compares (set around each sort: one comparator for every group, no closure per group). */
let sortList: readonly Snapshot[] = EMPTY;
let sortMembers: Int32Array = new Int32Array(0);
let sortStart = 0;
let sortTimes: Float64Array = new Float64Array(0);

function byTimeThenId(a: number, b: number): number {
  // Newer first; equal times (or two undated, -Infinity - -Infinity being NaN) by id.
  const d = (sortTimes[b] as number) - (sortTimes[a] as number);
  if (d) return d;
  const ia = (sortList[sortMembers[sortStart + a] as number] as Snapshot).id;
  const ib = (sortList[sortMembers[sortStart + b] as number] as Snapshot).id;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}
