/**
 * Taker (source account): creates the manual snapshots that the rest of the pipeline shares and copies.
 * Thin adapter: list DBs, snapshots and quotas -> {@link planTake} -> create -> summary.
 */
import {
  type AccountQuota,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { DB_INVALID_STATE, SNAPSHOT_ALREADY_EXISTS, SNAPSHOT_QUOTA_EXCEEDED } from "../lib/awsErrors";
import { makeBudget, type RunContext } from "../lib/deadline";
import {
  ConfigError,
  errorMessage,
  errorName,
  type ItemFailure,
  inContext,
  SnapshotQuotaError,
  withContext,
} from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import type { Db, DbKind } from "../lib/model";
import { MetricUnit } from "../lib/powertools";
import { publishQuotaBlocked } from "../lib/quotaMetric";
import { listDbs, listSnapshots } from "../lib/rds";
import { forEachItem, throwIfFailedOrRetry } from "../lib/runner";
import { recordToTags } from "../lib/tags";
import { parseTakeBatch, planOfBatch } from "./batch";
import type { TakeConfig } from "./config";
import { type CreateAction, isSelected, planTake, QUOTA_NAME, type Quotas, type Skip, type TakePlan } from "./plan";

/** Step name used in errors and logs. */
export const STEP = "take";

/**
 * Input: `{ dbId }` scopes the run to one DB; a sweep's batch item (`{ creates, ... }`, functions/take/batch.ts) only
 * creates; anything else (schedule payloads included) sweeps every DB.
 */
export interface TakeEvent {
  readonly dbId?: string;
}

/** What a run did; small enough for a Choice state. Counts are DBs unless named otherwise. */
export interface TakeSummary {
  /** Snapshots created by this run. */
  readonly created: number;
  /** Snapshots that already existed under this slot's identifier (a retry or a concurrent run made them). */
  readonly alreadyExisted: number;
  /** Selected DBs not snapshotted, see `skippedDbs`. */
  readonly skipped: number;
  /** DBs held back by the quota headroom (the run then fails naming them). */
  readonly quotaBlocked: number;
  /** DBs whose create call failed (the run then fails naming them). */
  readonly failed: number;
  /** Snapshots of selected DBs still `creating` (including the ones just started). */
  readonly pending: number;
  /** Selected DBs whose newest snapshot is in the current slot already. */
  readonly upToDate: number;
  /** DBs not matching RPL_DB_ID_REGEX / RPL_OPT_IN_TAG (sweeps only). */
  readonly ignored: number;
  /** Identifiers of the snapshots created or found existing in this run. */
  readonly snapshotIds: readonly string[];
  /** Why each skipped DB was skipped. */
  readonly skippedDbs: readonly Skip[];
  /** DBs to snapshot that this run did not start because its time budget ran out; the state machine runs it again. */
  readonly leftPending: number;
}

type CreateOutcome = "created" | "existed" | "db-not-available";

/** Builds the Taker around injected clients, clock, config and observability. */
export function makeHandler(
  deps: HandlerDeps<TakeConfig>,
): (event?: unknown, run?: RunContext) => Promise<TakeSummary> {
  const { config, obs } = deps;
  // Reads bounded by the work (issue 10): DBs and quotas only. Snapshot ids are deterministic per slot and RDS
  // refuses a second create under the same id (SnapshotAlreadyExists = the slot is covered), so the snapshot
  // listing is needed only when the quota headroom is shorter than the DBs that could be due: then the planner
  // must see each DB's newest snapshot to protect the stalest DBs first.
  const readAndPlan = async (rds: RDSClient, scopeDbId: string | undefined): Promise<TakePlan> => {
    const now = deps.clock();
    const [dbs, quotas] = await Promise.all([
      aws(`${STEP}: DescribeDBInstances/DescribeDBClusters in ${config.region}`, () =>
        listDbs(rds, scopeDbId ? { id: scopeDbId } : undefined),
      ),
      aws(`${STEP}: DescribeAccountAttributes in ${config.region}`, () => readQuotas(rds)),
    ]);
    const listed = needsSnapshotListing(dbs, quotas, config, scopeDbId);
    const snapshots = listed
      ? await aws(`${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${config.region}`, () =>
          listSnapshots(rds, { type: "manual", ...(scopeDbId ? { dbId: scopeDbId } : {}) }),
        )
      : [];
    return planTake({ dbs, snapshots, now, config, quotas, ...(scopeDbId ? { scopeDbId } : {}) });
  };
  return async (event, run) => {
    const budget = makeBudget(deps.clock, run);
    // A take sweep's Map item (functions/take/batch.ts): the list step planned the sweep, the item only creates.
    const batch = parseTakeBatch(event);
    const scopeDbId = batch ? undefined : parseTakeEvent(event);
    const rds = deps.clients.rds(config.region);
    if (scopeDbId) obs.logger.appendKeys({ dbId: scopeDbId });
    if (batch) obs.logger.appendKeys({ batchOf: batch.dbId });
    const plan = batch ? planOfBatch(batch, config) : await readAndPlan(rds, scopeDbId);

    const { results, failures, leftPending } = await forEachItem(
      plan.create,
      (a) => a.dbId,
      (a) => create(rds, a),
      budget,
    );
    if (leftPending > 0)
      obs.logger.warn("take stopped before its deadline; the rest is left for the next run", { leftPending });
    const skipped: Skip[] = [...plan.skipped];
    const snapshotIds: string[] = [];
    let created = 0;
    let alreadyExisted = 0;
    plan.create.forEach((a, i) => {
      const r = results[i];
      if (!r?.ok) return;
      if (r.value === "db-not-available") {
        skipped.push({
          dbId: a.dbId,
          kind: a.kind,
          reason: "not-available",
          detail: "DB changed state before the snapshot started",
        });
        return;
      }
      snapshotIds.push(a.snapshotId);
      if (r.value === "created") created++;
      else alreadyExisted++;
      obs.logger.info(r.value === "created" ? "snapshot created" : "snapshot already existed", {
        dbId: a.dbId,
        kind: a.kind,
        snapshotId: a.snapshotId,
      });
    });
    for (const s of skipped) obs.logger.info("db skipped", { ...s });

    const quotaFailures: ItemFailure[] = plan.quotaBlocked.map((q) => ({
      id: q.dbId,
      error: "SnapshotQuotaError",
      message:
        `not snapshotted: ${q.quotaName} quota has ${q.max - q.used} of ${q.max} free and RPL_QUOTA_HEADROOM keeps ${q.headroom}; ` +
        "raise the RDS quota or shorten retention",
    }));
    for (const f of quotaFailures) obs.logger.error("quota headroom reached", { dbId: f.id, message: f.message });
    for (const f of failures)
      obs.logger.error("snapshot create failed", { dbId: f.id, error: f.error, message: f.message });

    const kindOf = new Map(plan.create.map((a) => [a.dbId, a.kind]));
    publishQuotaBlocked(obs, [
      ...plan.quotaBlocked.map((q) => ({ region: config.region, kind: q.kind })),
      ...failures
        .filter((f) => f.error === "SnapshotQuotaError" && kindOf.has(f.id))
        .map((f) => ({ region: config.region, kind: kindOf.get(f.id)! })),
    ]);
    const allFailures = [...quotaFailures, ...failures];
    obs.metrics.addMetric("SnapshotsTaken", MetricUnit.Count, created);
    obs.metrics.addMetric("StepFailures", MetricUnit.Count, allFailures.length);
    if (allFailures.length > 0) obs.metrics.addMetadata("failedDbs", allFailures.map((f) => f.id).join(","));

    const summary: TakeSummary = {
      created,
      alreadyExisted,
      skipped: skipped.length,
      quotaBlocked: plan.quotaBlocked.length,
      failed: failures.length,
      pending: plan.pending.length + created + alreadyExisted,
      upToDate: plan.upToDate.length,
      ignored: plan.ignored,
      snapshotIds,
      skippedDbs: skipped,
      leftPending,
    };
    obs.logger.info("take finished", { summary });
    throwIfFailedOrRetry(STEP, allFailures);
    return summary;
  };
}

/**
 * Whether the run must list snapshots: only when some kind's quota headroom is shorter than the DBs that could be due
 * (selected, `available`, in scope). Otherwise every such DB gets a create under its slot id and RDS refuses the ones
 * that exist (rule: CreateDBSnapshot returns DBSnapshotAlreadyExists for an identifier in use,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSnapshot.html).
 */
export function needsSnapshotListing(
  dbs: readonly Db[],
  quotas: Quotas,
  config: Pick<TakeConfig, "dbIdRegex" | "optInTag" | "quotaHeadroom">,
  scopeDbId?: string,
): boolean {
  const candidates: Record<DbKind, number> = { instance: 0, cluster: 0 };
  for (const db of dbs) {
    if (scopeDbId !== undefined && db.id !== scopeDbId) continue;
    if (db.status === "available" && isSelected(db, config)) candidates[db.kind]++;
  }
  for (const kind of ["instance", "cluster"] as const) {
    const q = quotas[kind];
    if (q && candidates[kind] > 0 && q.max - q.used - candidates[kind] < config.quotaHeadroom) return true;
  }
  return false;
}

/** Reads `{ dbId }` from the event; anything without `dbId` is a sweep. */
export function parseTakeEvent(event: unknown): string | undefined {
  if (!event || typeof event !== "object" || !("dbId" in event) || event.dbId === undefined) return undefined;
  const v = event.dbId;
  if (typeof v !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(v)) {
    throw new ConfigError(
      `take event.dbId must be a DB instance or cluster identifier (1-63 letters, digits, hyphens; got ${JSON.stringify(v)})`,
    );
  }
  return v;
}

/** Reads both manual snapshot quotas; a quota RDS does not report is left unknown (no limit applied). */
export async function readQuotas(rds: RDSClient): Promise<Quotas> {
  const out = await rds.send(new DescribeAccountAttributesCommand({}));
  const find = (name: string): AccountQuota | undefined => out.AccountQuotas?.find((q) => q.AccountQuotaName === name);
  const quotas: Quotas = {};
  for (const kind of ["instance", "cluster"] as const) {
    const q = find(QUOTA_NAME[kind]);
    if (q?.Used !== undefined && q.Max !== undefined) quotas[kind] = { used: q.Used, max: q.Max };
  }
  return quotas;
}

async function create(rds: RDSClient, a: CreateAction): Promise<CreateOutcome> {
  const Tags = recordToTags(a.tags);
  try {
    if (a.kind === "instance") {
      await rds.send(
        new CreateDBSnapshotCommand({ DBInstanceIdentifier: a.dbId, DBSnapshotIdentifier: a.snapshotId, Tags }),
      );
    } else {
      await rds.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: a.dbId,
          DBClusterSnapshotIdentifier: a.snapshotId,
          Tags,
        }),
      );
    }
    return "created";
  } catch (err) {
    const name = errorName(err);
    // The planner saw no snapshot under this slot's id, so one that exists now was made by a retry or a
    // concurrent run of this same step: the slot is covered.
    if (SNAPSHOT_ALREADY_EXISTS.has(name)) return "existed";
    if (DB_INVALID_STATE.has(name)) return "db-not-available";
    if (SNAPSHOT_QUOTA_EXCEEDED.has(name)) {
      throw new SnapshotQuotaError(
        `creating ${a.snapshotId} hit the manual snapshot quota (${errorMessage(err)}); raise the RDS quota or shorten retention`,
        {
          cause: err,
        },
      );
    }
    throw withContext(
      err,
      `${STEP}: ${a.kind === "instance" ? "CreateDBSnapshot" : "CreateDBClusterSnapshot"} ${a.snapshotId} of ${a.dbId}`,
    );
  }
}

/** Runs one AWS call (or listing), naming step, call and item in any error it throws. */
const aws = inContext;
