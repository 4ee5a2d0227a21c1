/**
 * The Janitor Lambda (expire step): lists the manual snapshots of every configured region, plans with
 * {@link planExpire} and deletes what the plan says. Every region is listed before anything is deleted, so a
 * listing failure (or a region whose in-progress copies cannot be seen) stops the run without deleting anything.
 */
import { DeleteDBClusterSnapshotCommand, DeleteDBSnapshotCommand, type RDSClient } from "@aws-sdk/client-rds";
import { SNAPSHOT_INVALID_STATE, SNAPSHOT_NOT_FOUND } from "../lib/awsErrors";
import { makeBudget, type RunContext } from "../lib/deadline";
import { ConfigError, errorName, inContext, withContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { type DbKind, recoveryPointOf, type Snapshot } from "../lib/model";
import { MetricUnit } from "../lib/powertools";
import { listSnapshots } from "../lib/rds";
import { forEachItem, throwIfFailed } from "../lib/runner";
import { parseDbKind, parseDbsScope, withDbNames } from "../lib/sweep";
import type { ExpireConfig } from "./config";
import { deletions, planExpire } from "./plan";

/** Step name used in errors and logs. */
export const STEP = "expire";

/** Input of one run. Any other fields (an EventBridge Scheduler or Step Functions payload) are ignored. */
export interface ExpireEvent {
  /** Only expire the snapshots of this DB identifier. */
  readonly dbId?: string;
  /** Plan only: return what would be deleted, delete nothing. */
  readonly dryRun?: boolean;
}

/** One deletion of a dry run's plan. */
export interface PlannedDeletion {
  readonly id: string;
  readonly region: string;
  readonly kind: DbKind;
  readonly dbId: string;
  readonly reason: "expired" | "failed";
  /** ISO recovery point, when known. */
  readonly recoveryPoint?: string;
}

/** Result of one run, small enough for a Choice state. */
export interface ExpireSummary {
  /** Snapshots deleted (including ones already gone when the delete was sent). 0 in a dry run. */
  readonly deleted: number;
  /** Managed snapshots kept (by policy, or because they must not be deleted). */
  readonly kept: number;
  /** Deletions RDS refused because of the snapshot's state; retried next run. */
  readonly skipped: number;
  /** Deletions that failed (the run then throws a PartialFailureError naming them). */
  readonly failed: number;
  /** Deletions not started because the run's time budget ran out; the state machine runs it again. */
  readonly leftPending: number;
  readonly dryRun: boolean;
  /** Dry run only: what would be deleted. */
  readonly plan?: readonly PlannedDeletion[];
}

/** Validates the event. A malformed `dryRun` is an error rather than "false": a typo must never delete. */
export function parseExpireEvent(event: unknown): { dbId?: string; dryRun: boolean } {
  if (event === undefined || event === null) return { dryRun: false };
  if (typeof event !== "object" || Array.isArray(event)) {
    throw new ConfigError(`${STEP} input must be a JSON object such as {"dryRun":true} (got ${JSON.stringify(event)})`);
  }
  const e = event as Record<string, unknown>;
  if (e.dbId !== undefined && (typeof e.dbId !== "string" || e.dbId.trim() === "")) {
    throw new ConfigError(`${STEP} input.dbId must be a non-empty DB identifier (got ${JSON.stringify(e.dbId)})`);
  }
  if (e.dryRun !== undefined && typeof e.dryRun !== "boolean") {
    throw new ConfigError(`${STEP} input.dryRun must be true or false (got ${JSON.stringify(e.dryRun)})`);
  }
  return { ...(typeof e.dbId === "string" ? { dbId: e.dbId.trim() } : {}), dryRun: e.dryRun === true };
}

type Outcome = "deleted" | "gone" | "skipped";

/** Builds the handler core around injected dependencies (tests and the simulator pass fakes). */
export function makeHandler(
  deps: HandlerDeps<ExpireConfig>,
): (event?: unknown, run?: RunContext) => Promise<ExpireSummary> {
  const { config, obs } = deps;
  return async (event, run) => {
    const budget = makeBudget(deps.clock, run);
    // A multi-DB item (`dbIds`; its `dbId` only names it) lists its DBs with one multi-valued filter per region.
    const dbs = parseDbsScope(event, STEP);
    const parsed = parseExpireEvent(event);
    const input = dbs ? { dryRun: parsed.dryRun } : parsed;
    const now = deps.clock();

    const snapshots: Snapshot[] = [];
    // A run scoped to one DB (a per-DB Map item) lists only that DB's snapshots, filtered server-side: ours carry
    // the source DB's identifier in DBInstanceIdentifier/DBClusterIdentifier (copies keep it), the same value as
    // their rpl-source-db tag, which is what planExpire's dbId scope compares.
    // A Map item's `dbKind` narrows each listing to that kind (functions/lib/sweep.ts).
    const dbKind = dbs ? dbs.dbKind : input.dbId !== undefined ? parseDbKind(event, STEP) : undefined;
    const only = {
      ...(dbs ? { dbIds: dbs.dbIds } : input.dbId !== undefined ? { dbId: input.dbId } : {}),
      ...(dbKind ? { kind: dbKind } : {}),
    };
    for (const region of config.regions) {
      const listed = await inContext(
        `${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${region}`,
        () => listSnapshots(deps.clients.rds(region), { type: "manual", ...only }),
      );
      // The region comes from the ARN; fall back to where it was listed so a delete never goes to "".
      for (const s of listed) snapshots.push(s.region ? s : { ...s, region });
    }

    const actions = planExpire({
      snapshots,
      now,
      stage: config.stage,
      policy: config.retention,
      ...(input.dbId !== undefined ? { dbId: input.dbId } : {}),
      ...(dbs ? { dbIds: new Set(dbs.dbIds) } : {}),
    });
    const doomed = deletions(actions);
    const kept = actions.length - doomed.length;

    if (input.dryRun) {
      obs.logger.info("expire dry run planned", { toDelete: doomed.length, kept });
      return {
        deleted: 0,
        kept,
        skipped: 0,
        failed: 0,
        leftPending: 0,
        dryRun: true,
        plan: actions.flatMap(toPlanned),
      };
    }

    const { results, failures, leftPending } = await forEachItem(
      doomed,
      (s) => `${s.region}/${s.id}`,
      async (s): Promise<Outcome> => {
        const outcome = await deleteSnapshot(deps.clients.rds(s.region), s.kind, s.id);
        const fields = { snapshotId: s.id, region: s.region, dbId: s.dbId, kind: s.kind };
        if (outcome === "skipped") obs.logger.warn("snapshot not deletable in its current state; skipped", fields);
        else if (outcome === "gone") obs.logger.info("snapshot already gone", fields);
        else obs.logger.info("snapshot deleted", fields);
        return outcome;
      },
      budget,
    );
    if (leftPending > 0)
      obs.logger.warn("expire stopped before its deadline; the rest is left for the next run", { leftPending });
    for (const f of failures) obs.logger.error("snapshot delete failed", { ...f });

    const deleted = results.filter((r) => r.value === "deleted" || r.value === "gone").length;
    const skipped = results.filter((r) => r.value === "skipped").length;
    emit(deps, "SnapshotsDeleted", deleted);
    emit(deps, "StepFailures", failures.length);

    const summary = { deleted, kept, skipped, failed: failures.length, leftPending, dryRun: false };
    obs.logger.info("expire finished", summary);
    // A multi-DB item names each failure's DB, so the sweep's report names the DBs that failed (functions/lib/sweep.ts).
    if (dbs && failures.length > 0) {
      const dbOf = new Map(doomed.map((s) => [`${s.region}/${s.id}`, s.dbId]));
      throwIfFailed(
        STEP,
        withDbNames(failures, (id) => dbOf.get(id)),
      );
    }
    throwIfFailed(STEP, failures);
    return summary;
  };
}

/** Sends the delete for one snapshot and classifies the answer; any other error is rethrown (the item fails). */
export async function deleteSnapshot(rds: RDSClient, kind: DbKind, id: string): Promise<Outcome> {
  try {
    if (kind === "instance") await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
    else await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
    return "deleted";
  } catch (err) {
    const name = errorName(err);
    if (SNAPSHOT_NOT_FOUND.has(name)) return "gone";
    if (SNAPSHOT_INVALID_STATE.has(name)) return "skipped";
    const call = kind === "instance" ? "DeleteDBSnapshot" : "DeleteDBClusterSnapshot";
    throw withContext(err, `${STEP}: ${call} ${id}`);
  }
}

function toPlanned(a: ReturnType<typeof planExpire>[number]): PlannedDeletion[] {
  if (a.type !== "delete") return [];
  const s = a.snapshot;
  const at = recoveryPointOf(s)?.toISOString();
  return [
    { id: s.id, region: s.region, kind: s.kind, dbId: s.dbId, reason: a.reason, ...(at ? { recoveryPoint: at } : {}) },
  ];
}

function emit(deps: HandlerDeps<ExpireConfig>, name: "SnapshotsDeleted" | "StepFailures", value: number): void {
  const m = deps.obs.metrics.singleMetric();
  m.addDimension("Stage", deps.config.stage);
  m.addMetric(name, MetricUnit.Count, value);
}
