/**
 * List step of the Sharer's fanned-out sweep (functions/lib/sweep.ts): one listing of the manual snapshots, the
 * Sharer's own planner, one item per DB with a snapshot to share. Each item then runs the Sharer scoped to
 * `{ dbId }` (its listing narrowed server-side to that DB). A DB whose newest shared snapshot lost a DR account from
 * its `restore` attribute outside the tool (one attribute read per DB, functions/share/revoked.ts) gets an item too:
 * its run finds the same and shares it again.
 *
 * The list step is also where a sweep reports DBs deleted in production (functions/share/deletedDbs.ts): it is the one
 * run that sees every DB's snapshots, and a deleted DB has nothing to share, so it gets no item. A report that fails
 * (a bus refused the event) is logged and counted in `StepFailures`; its DB stays untagged, so the next sweep reports
 * it again.
 */
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { MetricUnit } from "../lib/powertools";
import { listSnapshots } from "../lib/rds";
import { type SweepList, sweepItemsOfKind } from "../lib/sweep";
import type { ShareConfig } from "./config";
import { reportDeletedDbs } from "./deletedDbs";
import { STEP } from "./handler";
import { planShare } from "./plan";
import { findRevokedShares, newestTaggedPerDb } from "./revoked";

/**
 * The Sharer's sweep items: DBs with at least one source snapshot not yet shared with every DR account, or whose
 * newest shared snapshot lost one.
 */
export function makeSweepLister(deps: HandlerDeps<ShareConfig>): () => Promise<SweepList> {
  const { config } = deps;
  return async () => {
    const rds = deps.clients.rds(config.region);
    const snapshots = await inContext(
      `${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${config.region} (sweep list)`,
      () => listSnapshots(rds, { type: "manual" }),
    );
    const plan = planShare({ snapshots, drAccounts: config.drAccounts });
    // DBs whose newest shared snapshot lost a DR account outside the tool get an item too (functions/share/revoked.ts).
    const verifying = await findRevokedShares(rds, newestTaggedPerDb(plan, snapshots), config.drAccounts);
    for (const f of verifying.failures) deps.obs.logger.error("share check failed", { ...f });
    const deleted = await reportDeletedDbs(deps, rds, { ...config, now: deps.clock() }, snapshots);
    for (const f of deleted.failures) deps.obs.logger.error("deleted-DB report failed", { ...f });
    const failures = deleted.failures.length + verifying.failures.length;
    if (failures > 0) deps.obs.metrics.addMetric("StepFailures", MetricUnit.Count, failures);
    return sweepItemsOfKind([...plan.toShare, ...verifying.revoked]);
  };
}
