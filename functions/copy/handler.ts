/**
 * Copier (DR account): copies the snapshots that source accounts share with this account into the DR account,
 * re-encrypted with the DR key, then (two-step) on into the DR region, and removes intermediate copies when asked.
 * Thin adapter: list and plan ({@link planCopyRun}) -> apply actions -> small summary for the state machine's Choice state.
 */
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import { SNAPSHOT_ALREADY_EXISTS, SNAPSHOT_INVALID_STATE, SNAPSHOT_NOT_FOUND } from "../lib/awsErrors";
import { makeBudget, type RunContext } from "../lib/deadline";
import {
  ConfigError,
  errorName,
  type ItemFailure,
  inContext,
  SnapshotNotFoundError,
  TransientAwsError,
} from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { parseArn } from "../lib/model";
import { MetricUnit, type Observability } from "../lib/powertools";
import { publishQuotaBlocked, type QuotaBlockedItem } from "../lib/quotaMetric";
import { forEachItem, throwIfFailed } from "../lib/runner";
import { recordToTags, TAG } from "../lib/tags";
import { type CopyConfig, DEFAULT_EXPECTED_COPY_MINUTES } from "./config";
import { COPY_QUOTA_ERRORS, mapCopyError } from "./errors";
import { type CopyScope, parseCopyScope } from "./event";
import { nextCheckSeconds, slotRetrySeconds } from "./nextCheck";
import { type CopyAction, type DeleteIntermediateAction, OUTSIDE_COPY_WINDOW, type SkippedSnapshot } from "./plan";
import { markSourceDeleted, sourceDbDeletedOf } from "./sourceDeleted";
import { planCopyRun } from "./state";

/** What the Copier returns; the state machine waits and calls the Checker while `pending` > 0. */
export interface CopySummary {
  /** Copies started into the home region (stage `dr`). */
  readonly started: number;
  /** Copies started into the DR region (stage `dr-region`: the second leg of two-step, or a direct copy). */
  readonly regionStarted: number;
  /** Owned copies in progress in all destination regions after this run (including the ones just started). */
  readonly inFlight: number;
  /**
   * Copies that should start but wait for a free slot (`RPL_MAX_COPIES_IN_FLIGHT`, and per DB
   * `RPL_MAX_COPIES_IN_FLIGHT_PER_DB`) or for snapshot quota.
   */
  readonly waiting: number;
  /** Recovery points in scope whose final copy is not available yet (and that have not failed). */
  readonly pending: number;
  /**
   * Always 0: the run started whatever it could, and what it could not is `waiting` or `leftPending`. Present so the
   * check loop reads a complete summary (components/shared/stateMachines.ts: one Choice per poll).
   */
  readonly ready: number;
  /**
   * 1 when this run's recovery point was superseded: it could not start now, none of its copies exists yet, and a
   * newer snapshot of its DB is available (copy/state.ts `newerRecoveryPointOf`). `pending` and `waiting` are then 0,
   * so the execution ends; the newer snapshot's execution copies the fresher recovery point. 0 otherwise.
   */
  readonly superseded: number;
  /** Intermediate home-region copies deleted. */
  readonly intermediateDeleted: number;
  /** Items that failed (the run then throws a PartialFailureError naming them). */
  readonly failed: number;
  /** Source snapshots left alone, including those outside the copy window (logged with the reason). */
  readonly skipped: number;
  /** Planned actions not started because the run's time budget ran out; the state machine runs it again. */
  readonly leftPending: number;
  /**
   * Seconds until the running copies in scope (including the ones just started, and the DB's other copies in flight
   * when they hold this run's copies back) should be worth another look (copy/nextCheck.ts); with none running and
   * copies RDS refused for want of a slot, a random retry wait (`slotRetrySeconds`); 0 otherwise (no estimate: the
   * loop waits its minimum). The state machine's check loop waits this long, clamped to its minimum and maximum wait.
   */
  readonly nextCheckSeconds: number;
}

/** Builds the Copier handler around injected clients, clock, config and observability. */
export function makeHandler(deps: HandlerDeps<CopyConfig>): (event: unknown, run?: RunContext) => Promise<CopySummary> {
  const { clients, clock, config, obs } = deps;
  return async (event, run) => {
    const budget = makeBudget(clock, run);
    const deleted = sourceDbDeletedOf(event);
    if (deleted) return markSourceDeleted(deps, deleted);
    const scope = parseCopyScope(event);
    assertScopeRegion(scope, config);
    const now = clock();
    // The run's DB's newest final copy, running copies and newer recovery point are read only where used below (the
    // plan works them out when read: copy/state.ts planCopyState).
    const planned = await inContext(
      `copy: DescribeDBSnapshots/DescribeDBClusterSnapshots (shared and manual) for ${scopeLabel(scope)} in ${config.region}${config.drRegion ? ` and ${config.drRegion}` : ""}`,
      () => planCopyRun(clients, config, scope, now),
    );
    const { actions, progress } = planned;
    logSkipped(obs, progress.skipped);
    if (!progress.scopeMatched && scope.kind === "snapshot") {
      // Usually a share that is not visible yet; SnapshotNotFoundError lets the state machine retry with backoff.
      throw new SnapshotNotFoundError(
        `shared snapshot ${scope.snapshotArn} is not visible to this account in ${config.region}, and no copy of it exists`,
      );
    }

    const count = { started: 0, regionStarted: 0, existing: 0, deleted: 0, quotaWaiting: 0, copyFailed: 0, gone: 0 };
    const fullRegions = new Set<string>();
    // Tags of the copies this run started (or found started): they time the next look (nextCheckSeconds).
    const startedTags: Readonly<Record<string, string>>[] = [];
    const quotaBlocked: QuotaBlockedItem[] = [];
    // The oldest recovery point among the copies RDS refused for want of a slot (ms).
    let oldestRefused = Number.POSITIVE_INFINITY;
    const refused = (a: CopyAction) => {
      count.quotaWaiting++;
      quotaBlocked.push({ region: a.region, kind: a.kind });
      const rp = Date.parse(a.tags[TAG.recoveryPoint] ?? "");
      if (Number.isFinite(rp)) oldestRefused = Math.min(oldestRefused, rp);
    };
    const { failures, leftPending } = await forEachItem(
      actions,
      (a) => a.item,
      async (a) => {
        if (a.type === "delete-intermediate") {
          if (await deleteIntermediate(a)) count.deleted++;
          return;
        }
        if (fullRegions.has(a.region)) {
          refused(a);
          return;
        }
        try {
          await startCopy(a);
          startedTags.push(a.tags);
          if (a.stage === "dr") count.started++;
          else count.regionStarted++;
          obs.logger.info("copy started", {
            targetId: a.targetId,
            source: a.sourceArn,
            region: a.region,
            stage: a.stage,
          });
        } catch (err) {
          // Our own identifier already exists: an earlier or overlapping run started it. Idempotent success.
          if (SNAPSHOT_ALREADY_EXISTS.has(errorName(err))) {
            count.existing++;
            startedTags.push(a.tags);
            obs.logger.info("copy already exists", { targetId: a.targetId, region: a.region });
            return;
          }
          // The source is no longer visible to this account: its share was revoked or it was deleted since the
          // listing (CopyDBSnapshot answers DBSnapshotNotFound). Not this run's failure: a sweep copies from what the
          // next listing shows; a run for one shared snapshot ends with SnapshotNotFoundError below (retried).
          if (SNAPSHOT_NOT_FOUND.has(errorName(err)) && a.sourceArn.startsWith("arn:")) {
            count.gone++;
            obs.logger.warn("source snapshot no longer shared with this account (revoked or deleted); skipped", {
              source: a.sourceArn,
              targetId: a.targetId,
            });
            return;
          }
          if (COPY_QUOTA_ERRORS.has(errorName(err))) {
            fullRegions.add(a.region);
            // A scoped run does not count other DBs' copies in flight (issue 10): RDS's refusal is the back-pressure,
            // and the copy waits for the state machine's next round. A sweep counted every copy in flight from its
            // full listing, so a refusal there is the manual snapshot quota: a failure naming the fix.
            if (scope.kind !== "sweep") {
              refused(a);
              obs.logger.warn("copy refused by RDS quota; waiting", { targetId: a.targetId, region: a.region });
              return;
            }
            quotaBlocked.push({ region: a.region, kind: a.kind });
          }
          count.copyFailed++;
          throw mapCopyError(err, a);
        }
      },
      budget,
    );
    if (leftPending > 0)
      obs.logger.warn("copy stopped before its deadline; the rest is left for the next run", { leftPending });
    if (count.gone > 0 && scope.kind === "snapshot" && failures.length === 0) {
      throw new SnapshotNotFoundError(
        `shared snapshot ${scope.snapshotArn} is no longer shared with this account in ${config.region} (the share was ` +
          "revoked or the snapshot deleted); the source's Sharer shares its newest snapshot again on its next sweep",
      );
    }

    const allFailures: ItemFailure[] = [...progress.failures, ...failures];
    const inFlightBefore = Object.values(progress.inFlight).reduce((a, b) => a + b, 0);
    // Copies started (or found started) by this run show no progress yet: they are timed from now.
    const justStarted = startedTags.map((tags) => ({ progress: 0, createdAt: now, tags }));
    // Running copies time the next look; without any, copies RDS refused for want of a slot try again after a random
    // time (slotRetrySeconds), so the executions refused together do not come back together, and sooner the staler
    // the DB's DR copy (or, without one, the refused recovery point) is against the copy window.
    const end = clock();
    const expectedCopyMinutes = config.expectedCopyMinutes ?? DEFAULT_EXPECTED_COPY_MINUTES;
    const staleSince = () => planned.newestFinalCopy ?? oldestRefused;
    // Copies the planner held back for the DB's own copies in flight (per-DB cap) start when one of those finishes,
    // even if it belongs to another recovery point than this run's: time the next look by them too.
    const blocking = progress.waiting > 0 ? (planned.dbRunning ?? []) : [];
    const nextCheck =
      nextCheckSeconds([...progress.running, ...justStarted, ...blocking], end, expectedCopyMinutes) ??
      (count.quotaWaiting > 0
        ? slotRetrySeconds(
            Math.random,
            expectedCopyMinutes,
            (end.getTime() - staleSince()) / (config.copyWindowHours * 3_600_000),
          )
        : undefined);
    // Superseded: this run's recovery point could not start (held back by its DB's copies in flight or refused for a
    // free slot), nothing of it is copied anywhere yet, and a newer snapshot of the DB is available. The newer one's
    // own execution copies a fresher recovery point for the same cost, so this execution ends instead of polling
    // for the slot beside it; the sweeps still fill older recovery points the planner has room for.
    const newerRecoveryPoint =
      justStarted.length === 0 &&
      progress.running.length === 0 &&
      allFailures.length === 0 &&
      progress.waiting + count.quotaWaiting > 0
        ? planned.newerRecoveryPoint
        : undefined;
    const superseded = newerRecoveryPoint !== undefined;
    if (superseded) {
      obs.logger.info("copy superseded by a newer recovery point of the DB; left to the sweeps", {
        source: scope.kind === "snapshot" ? scope.snapshotArn : undefined,
        newer: newerRecoveryPoint.arn,
      });
    }
    const summary: CopySummary = {
      started: count.started,
      regionStarted: count.regionStarted,
      inFlight: inFlightBefore + count.started + count.regionStarted + count.existing,
      waiting: superseded ? 0 : progress.waiting + count.quotaWaiting,
      pending: superseded ? 0 : Math.max(0, progress.pending - count.copyFailed),
      ready: 0,
      superseded: superseded ? 1 : 0,
      intermediateDeleted: count.deleted,
      failed: allFailures.length,
      skipped: progress.skipped.length + count.gone,
      leftPending,
      nextCheckSeconds: nextCheck !== undefined && !superseded ? nextCheck : 0,
    };
    publishMetrics(summary, allFailures);
    publishQuotaBlocked(obs, quotaBlocked);
    obs.logger.info("copy finished", { ...summary });

    if (allFailures.length > 0 && allFailures.every((f) => f.error === "TransientAwsError")) {
      throw new TransientAwsError(`copy was throttled for ${allFailures.map((f) => f.id).join(", ")}; retry`);
    }
    throwIfFailed("copy", allFailures);
    return summary;
  };

  async function startCopy(a: CopyAction): Promise<void> {
    const rds = clients.rds(a.region);
    // KmsKeyId is always the destination region's DR key from the config: a copy under the source key would only
    // be restorable while the production account (and its key) survives. SourceRegion is not an SDK v3 input: the
    // RDS client derives it from the source ARN and pre-signs the request where a region needs it.
    const common = { KmsKeyId: a.kmsKeyId, Tags: recordToTags(a.tags), CopyTags: false };
    if (a.kind === "instance") {
      await rds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: a.sourceArn,
          TargetDBSnapshotIdentifier: a.targetId,
          ...common,
        }),
      );
    } else {
      await rds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: a.sourceArn,
          TargetDBClusterSnapshotIdentifier: a.targetId,
          ...common,
        }),
      );
    }
  }

  /** Deletes one intermediate copy; true when deleted. Gone already or busy: nothing to do now. */
  async function deleteIntermediate(a: DeleteIntermediateAction): Promise<boolean> {
    const rds = clients.rds(a.region);
    try {
      if (a.kind === "instance") await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: a.snapshotId }));
      else await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: a.snapshotId }));
      obs.logger.info("intermediate copy deleted", { snapshotId: a.snapshotId, region: a.region });
      return true;
    } catch (err) {
      const name = errorName(err);
      if (SNAPSHOT_NOT_FOUND.has(name)) return false;
      if (SNAPSHOT_INVALID_STATE.has(name)) {
        obs.logger.warn("intermediate copy busy; kept for the next run", { snapshotId: a.snapshotId, error: name });
        return false;
      }
      throw err;
    }
  }

  function publishMetrics(summary: CopySummary, failures: readonly ItemFailure[]): void {
    for (const [stage, n] of [
      ["dr", summary.started],
      ["dr-region", summary.regionStarted],
    ] as const) {
      const m = obs.metrics.singleMetric();
      m.addDimension("Stage", stage);
      m.addMetric("SnapshotsCopied", MetricUnit.Count, n);
    }
    if (failures.length > 0) obs.metrics.addMetadata("failedItems", failures.map((f) => f.id).join(","));
    const f = obs.metrics.singleMetric();
    f.addDimension("Step", "copy");
    f.addMetric("StepFailures", MetricUnit.Count, failures.length);
  }
}

/**
 * Logs what the planner left alone. Old recovery points outside the copy window turn up on every sweep while the
 * source keeps them (daily/weekly/monthly retention), so they are only a debug line; anything else is a warning.
 */
export function logSkipped(obs: Observability, skipped: readonly SkippedSnapshot[]): void {
  for (const s of skipped) {
    const fields = { snapshot: s.id, reason: s.reason, ...(s.detail ? { detail: s.detail } : {}) };
    if (s.reason === OUTSIDE_COPY_WINDOW) obs.logger.debug("snapshot outside the copy window skipped", fields);
    else obs.logger.warn("snapshot skipped", fields);
  }
}

/** What a run is about, for error messages: one snapshot, one DB, or every DB. */
export function scopeLabel(scope: CopyScope): string {
  if (scope.kind === "snapshot") return scope.snapshotArn;
  if (scope.kind === "db") return scope.dbId;
  if (scope.kind === "dbs") return `DBs ${scope.dbIds.join(", ")}`;
  return "every DB";
}

/** Shares are only visible in the snapshot's own region, which must be the Lambda's. */
function assertScopeRegion(scope: CopyScope, config: CopyConfig): void {
  if (scope.kind !== "snapshot") return;
  const { region } = parseArn(scope.snapshotArn);
  if (region !== config.region) {
    throw new ConfigError(
      `copy input snapshotArn ${scope.snapshotArn} is in ${region}, but this Copier runs in ${config.region}; ` +
        "send the event to the DR bus in the snapshot's region",
    );
  }
}
