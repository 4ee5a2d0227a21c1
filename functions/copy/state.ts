/**
 * The listings the Copier and the Checker plan from, and the planning itself. One place, so both see the same inputs
 * and always agree on what is pending.
 */
import { BoundedCache } from "../lib/boundedCache";
import type { AwsClients } from "../lib/clients";
import { buildIdentifier, ID_PREFIX, MAX_ID_LENGTH } from "../lib/identifiers";
import { type DbKind, parseArn, recoveryTimeOf, type Snapshot, snapshotName, stageOf } from "../lib/model";
import { listSnapshotsOnce } from "../lib/rds";
import { isOwned } from "../lib/tags";
import type { CopyConfig } from "./config";
import type { CopyScope } from "./event";
import { type CopyPlan, type CopyPlanInput, copiesInFlightOf, planCopyWith } from "./plan";

/** The planner inputs read from RDS. */
export type CopyState = Pick<CopyPlanInput, "shared" | "home" | "regional">;

/** Server-side filter of a scoped run: the source DB identifier (copies keep it) and, when known, the kind. */
export interface ListFilter {
  readonly dbId?: string;
  /** A multi-DB item's DBs: one filter with several values (functions/lib/rds.ts listSnapshots). */
  readonly dbIds?: readonly string[];
  readonly kind?: DbKind;
}

/**
 * Lists shared and manual snapshots in the home region, and manual snapshots in the DR region when configured. The
 * home manual listing doubles as the source listing of a single-account stack (its own `source`-stage snapshots).
 * With `filter`, every listing is narrowed server-side to one DB identifier: shares, the Taker's own snapshots and
 * our copies all carry the source DB's identifier in `DBInstanceIdentifier`/`DBClusterIdentifier`. The listings are
 * read-only (lib/rds.ts `listSnapshotsOnce`): the planner keeps what it derives from a listing the simulator hands out
 * again in that listing's memo.
 */
export async function listCopyState(clients: AwsClients, config: CopyConfig, filter?: ListFilter): Promise<CopyState> {
  const home = clients.rds(config.region);
  const only = filter
    ? {
        ...(filter.dbIds ? { dbIds: filter.dbIds } : filter.dbId ? { dbId: filter.dbId } : {}),
        ...(filter.kind ? { kind: filter.kind } : {}),
      }
    : {};
  const [shared, homeManual, regional] = await Promise.all([
    listSnapshotsOnce(home, { type: "shared", ...only }),
    listSnapshotsOnce(home, { type: "manual", ...only }),
    config.drRegion
      ? listSnapshotsOnce(clients.rds(config.drRegion), { type: "manual", ...only })
      : Promise.resolve([]),
  ]);
  return { shared, home: homeManual, regional };
}

/**
 * The DB identifier a scoped run can list by, or undefined when it must list everything. A `snapshotArn` scope
 * names the Taker's snapshot `rpl-<db>-<yyyymmdd-hhmm>` (lib/identifiers.ts); the DB is read back from it only when
 * rebuilding the identifier from it gives the same name, so a shortened (hashed) or foreign name falls back to a
 * full listing instead of a wrong filter.
 */
export function listFilterOf(scope: CopyScope): ListFilter | undefined {
  if (scope.kind === "db") return { dbId: scope.dbId, ...(scope.dbKind ? { kind: scope.dbKind } : {}) };
  if (scope.kind === "dbs") return { dbIds: scope.dbIds, ...(scope.dbKind ? { kind: scope.dbKind } : {}) };
  if (scope.kind !== "snapshot") return undefined;
  return snapshotFilters.get(scope.snapshotArn, snapshotFilterOf) ?? undefined;
}

/**
 * {@link listFilterOf} of a snapshot scope, remembered per ARN (a pure function of the text, frozen): the check loop
 * asks it of the same ARN on every poll. Emptied when it grows past {@link SNAPSHOT_FILTERS_MAX}.
 */
const SNAPSHOT_FILTERS_MAX = 10_000;
const snapshotFilters = new BoundedCache<string, ListFilter | null>(SNAPSHOT_FILTERS_MAX);

function snapshotFilterOf(snapshotArn: string): ListFilter | null {
  const { resource } = parseArn(snapshotArn);
  const kind: DbKind = resource.startsWith("cluster-snapshot:") ? "cluster" : "instance";
  const name = snapshotName(snapshotArn);
  const m = /^rpl-([a-z][a-z0-9-]*)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})$/.exec(name);
  if (!m) return null;
  const [, dbId = "", y, mo, d, h, mi] = m;
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)));
  // A name at the length limit may have been shortened with a hash: its middle is not the DB identifier.
  if (name.length >= MAX_ID_LENGTH - 1 || buildIdentifier([dbId], at) !== name) return null;
  return Object.freeze({ dbId, kind });
}

/** Options of {@link planCopyRun}. Kept for callers; scoped runs never count other DBs' copies (issue 10). */
export interface PlanRunOptions {
  /** @deprecated Ignored: back-pressure on copies in flight is RDS's own `SnapshotQuotaExceeded` (copy/handler.ts). */
  readonly countGlobalInFlight?: boolean;
}

/**
 * Lists and plans one Copier or Checker run. A scoped run lists only its DB's snapshots (reads bounded by the work,
 * not by the region: issue 10) and counts only its own DB's copies in flight; the region-wide limit on copies in
 * flight is enforced by RDS, which refuses a copy over it with `SnapshotQuotaExceeded`, and the Copier treats that
 * refusal in a scoped run as "waiting" (back-pressure), not as a failure. A sweep lists everything, so its count is
 * exact.
 */
export async function planCopyRun(
  clients: AwsClients,
  config: CopyConfig,
  scope: CopyScope,
  now: Date,
  _options: PlanRunOptions = {},
): Promise<CopyRunPlan> {
  const filter = listFilterOf(scope);
  const state = await listCopyState(clients, config, filter);
  return planCopyState(config, scope, now, state, filter !== undefined);
}

/** What {@link planCopyRun} returns: the plan and, for a run narrowed to one DB, what its handler reads of that DB. */
export type CopyRunPlan = CopyPlan & {
  readonly newestFinalCopy?: number;
  readonly dbRunning?: readonly Snapshot[];
  readonly newerRecoveryPoint?: Snapshot;
};

/**
 * The planning step of {@link planCopyRun} (pure): plans `state` and, when its listings are narrowed to one DB
 * (`narrowed`), adds that DB's copies in flight, its newest final copy and the newer recovery point of a snapshot scope.
 */
export function planCopyState(
  config: CopyConfig,
  scope: CopyScope,
  now: Date,
  state: CopyState,
  narrowed: boolean,
): CopyRunPlan {
  // The copies in flight are found once: the planner counts them (and reads them for the per-DB cap), and a scoped
  // run returns them as its DB's running copies.
  const homeInFlight = copiesInFlightOf(state.home);
  const regionalInFlight = copiesInFlightOf(state.regional);
  const plan = planCopyWith({ config, scope, now, ...state }, homeInFlight, regionalInFlight);
  if (!narrowed) return plan;
  // The listings are narrowed to the DB: its copies in flight, in or out of this run's scope. The rest is worked out
  // when read (the Checker reads only the plan's progress), from the same listings, so it is what it would be now.
  let newest: { value: number | undefined } | undefined;
  let newer: { value: Snapshot | undefined } | undefined;
  return {
    actions: plan.actions,
    progress: plan.progress,
    dbRunning: homeInFlight.length === 0 ? regionalInFlight : [...homeInFlight, ...regionalInFlight],
    get newestFinalCopy(): number | undefined {
      newest ??= {
        value: newestFinalCopy(config.drRegion ? state.regional : state.home, config.drRegion ? "dr-region" : "dr"),
      };
      return newest.value;
    },
    get newerRecoveryPoint(): Snapshot | undefined {
      newer ??= { value: newerRecoveryPointOf(scope, config, state) };
      return newer.value;
    },
  };
}

/**
 * For a run scoped to one source snapshot (the Sharer's event): a newer source snapshot of the same DB, available and
 * ours, when no copy of the scoped recovery point exists yet in any destination region; undefined otherwise (and for
 * other scopes). The Copier then leaves the scoped recovery point to the sweeps if it cannot start its copy now
 * (copy/handler.ts, "superseded"): the newer snapshot's own execution copies a fresher recovery point at the same
 * cost, and the planner copies the newest waiting recovery point of a DB first anyway (copy/plan.ts chooseCopies).
 * `state` is the listing narrowed to the scoped DB ({@link listFilterOf}).
 */
export function newerRecoveryPointOf(scope: CopyScope, config: CopyConfig, state: CopyState): Snapshot | undefined {
  if (scope.kind !== "snapshot") return undefined;
  const arn = scope.snapshotArn;
  const isSource = (s: Snapshot) => s.type === "shared" || (s.type === "manual" && stageOf(s) === "source");
  // The first listed source with the scope's ARN (shared listing first, then home), read without joining the lists.
  let asked: Snapshot | undefined;
  for (const list of [state.shared, state.home]) {
    for (let i = 0; i < list.length && asked === undefined; i++) {
      const s = list[i]!;
      if (s.arn === arn && isSource(s)) asked = s;
    }
  }
  const rp = asked ? recoveryTimeOf(asked) : undefined;
  if (!asked || rp === undefined) return undefined;
  const kind = asked.kind;
  const dbId = asked.dbId;
  for (const list of [state.home, state.regional]) {
    for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c.kind === kind && c.dbId === dbId && isOwned(c.tags) && stageOf(c) !== "source" && recoveryTimeOf(c) === rp)
        return undefined;
    }
  }
  let newer: Snapshot | undefined;
  let newerRp = rp;
  const account = asked.account;
  if (!config.sourceAccounts.includes(account)) return undefined;
  for (const list of [state.shared, state.home]) {
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.kind !== kind || s.dbId !== dbId || s.account !== account || s.status !== "available") continue;
      if (!isSource(s) || !s.id.startsWith(OWN_SNAPSHOT_PREFIX)) continue;
      const t = recoveryTimeOf(s);
      if (t !== undefined && t > newerRp) {
        newer = s;
        newerRp = t;
      }
    }
  }
  return newer;
}

/** Prefix of the Taker's snapshot identifiers (lib/identifiers.ts). */
const OWN_SNAPSHOT_PREFIX = `${ID_PREFIX}-`;

/**
 * Recovery point (ms) of the newest available final copy (stage `dr-region` with a DR region, else `dr`) among
 * `copies`: for a run whose listings are narrowed to one DB, how fresh that DB's DR copy is. Undefined when none.
 */
export function newestFinalCopy(copies: readonly Snapshot[], stage: "dr" | "dr-region"): number | undefined {
  let newest: number | undefined;
  for (const c of copies) {
    if (c.status !== "available" || stageOf(c) !== stage) continue;
    const rp = recoveryTimeOf(c);
    if (rp !== undefined && (newest === undefined || rp > newest)) newest = rp;
  }
  return newest;
}
