/**
 * The listings the Copier and the Checker plan from, and the planning itself. One place, so both see the same inputs
 * and always agree on what is pending.
 */
import type { AwsClients } from "../lib/clients";
import { buildIdentifier, MAX_ID_LENGTH } from "../lib/identifiers";
import { type DbKind, parseArn, snapshotName } from "../lib/model";
import { countCopiesInFlight, listSnapshots } from "../lib/rds";
import type { CopyConfig } from "./config";
import type { CopyScope } from "./event";
import { type CopyPlan, type CopyPlanInput, planCopy } from "./plan";

/** The planner inputs read from RDS. */
export type CopyState = Pick<CopyPlanInput, "shared" | "home" | "regional">;

/** Server-side filter of a scoped run: the source DB identifier (copies keep it) and, when known, the kind. */
export interface ListFilter {
  readonly dbId: string;
  readonly kind?: DbKind;
}

/**
 * Lists shared and manual snapshots in the home region, and manual snapshots in the DR region when configured. The
 * home manual listing doubles as the source listing of a single-account stack (its own `source`-stage snapshots).
 * With `filter`, every listing is narrowed server-side to one DB identifier: shares, the Taker's own snapshots and
 * our copies all carry the source DB's identifier in `DBInstanceIdentifier`/`DBClusterIdentifier`.
 */
export async function listCopyState(clients: AwsClients, config: CopyConfig, filter?: ListFilter): Promise<CopyState> {
  const home = clients.rds(config.region);
  const only = filter ? { dbId: filter.dbId, ...(filter.kind ? { kind: filter.kind } : {}) } : {};
  const [shared, homeManual, regional] = await Promise.all([
    listSnapshots(home, { type: "shared", ...only }),
    listSnapshots(home, { type: "manual", ...only }),
    config.drRegion ? listSnapshots(clients.rds(config.drRegion), { type: "manual", ...only }) : Promise.resolve([]),
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
  if (scope.kind === "db") return { dbId: scope.dbId };
  if (scope.kind !== "snapshot") return undefined;
  const { resource } = parseArn(scope.snapshotArn);
  const kind: DbKind = resource.startsWith("cluster-snapshot:") ? "cluster" : "instance";
  const name = snapshotName(scope.snapshotArn);
  const m = /^rpl-([a-z][a-z0-9-]*)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})$/.exec(name);
  if (!m) return undefined;
  const [, dbId = "", y, mo, d, h, mi] = m;
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi)));
  // A name at the length limit may have been shortened with a hash: its middle is not the DB identifier.
  if (name.length >= MAX_ID_LENGTH - 1 || buildIdentifier([dbId], at) !== name) return undefined;
  return { dbId, kind };
}

/** Options of {@link planCopyRun}. */
export interface PlanRunOptions {
  /**
   * Count the owned copies in flight of every DB in a destination region before a scoped plan starts a copy there
   * (default `true`: the Copier must, the in-flight limit counts copies of every DB). The read-only Checker passes
   * `false`: its scoped plan then counts only its own DB's copies, so `ready` means "startable if a slot is free"; the
   * Copier it triggers does the real count before starting anything and reports `waiting` when no slot is free.
   */
  readonly countGlobalInFlight?: boolean;
}

/**
 * Lists and plans one Copier or Checker run. A scoped run lists only its DB's snapshots; only when that plan would
 * start a copy (and `countGlobalInFlight` is not `false`) does it count the destination region's copies in flight
 * over a full listing, without normalizing it ({@link countCopiesInFlight}).
 */
export async function planCopyRun(
  clients: AwsClients,
  config: CopyConfig,
  scope: CopyScope,
  now: Date,
  options: PlanRunOptions = {},
): Promise<CopyPlan> {
  const filter = listFilterOf(scope);
  const state = await listCopyState(clients, config, filter);
  const plan = planCopy({ config, scope, now, ...state });
  if (!filter || options.countGlobalInFlight === false) return plan;
  const regions = new Set(plan.actions.flatMap((a) => (a.type === "copy" ? [a.region] : [])));
  if (regions.size === 0) return plan;
  const inFlight: Record<string, number> = {};
  await Promise.all(
    [...regions].map(async (region) => {
      inFlight[region] = await countCopiesInFlight(clients.rds(region));
    }),
  );
  return planCopy({ config, scope, now, ...state, inFlight });
}
