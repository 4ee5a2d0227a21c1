/**
 * List step of the Taker's fanned-out sweep (functions/lib/sweep.ts): the sweep's one read pass (DBs, quotas, and
 * the manual snapshots only when the quota headroom is shorter than the DBs due), the Taker's own planner over every
 * DB (so under a tight quota the stalest DBs across the region get the headroom first), and one item per batch of
 * creates (functions/take/batch.ts). Each item then only creates.
 */
import type { RunContext } from "../lib/deadline";
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { listDbs, listSnapshots } from "../lib/rds";
import type { SweepList, SweepListInput } from "../lib/sweep";
import { type TakeBatch, takeBatches } from "./batch";
import type { TakeConfig } from "./config";
import { needsSnapshotListing, readQuotas, STEP } from "./handler";
import { planTake } from "./plan";

/** The Taker's sweep items: batches of `input.batchSize` (default 1) creates, stalest DBs first. */
export function makeSweepLister(
  deps: HandlerDeps<TakeConfig>,
): (run?: RunContext, input?: SweepListInput) => Promise<SweepList<TakeBatch>> {
  const { config, obs } = deps;
  return async (_run, input) => {
    const rds = deps.clients.rds(config.region);
    const [dbs, quotas] = await Promise.all([
      inContext(`${STEP}: DescribeDBInstances/DescribeDBClusters in ${config.region} (sweep list)`, () => listDbs(rds)),
      inContext(`${STEP}: DescribeAccountAttributes in ${config.region} (sweep list)`, () => readQuotas(rds)),
    ]);
    const snapshots = needsSnapshotListing(dbs, quotas, config)
      ? await inContext(
          `${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${config.region} (sweep list)`,
          () => listSnapshots(rds, { type: "manual" }),
        )
      : [];
    const now = deps.clock();
    const plan = planTake({ dbs, snapshots, now, config, quotas });
    for (const s of plan.skipped) obs.logger.info("db skipped", { ...s });
    const list = takeBatches(plan, now, input?.batchSize ?? 1);
    obs.logger.info("take sweep planned", {
      creates: plan.create.length,
      quotaBlocked: plan.quotaBlocked.length,
      upToDate: plan.upToDate.length,
      items: list.items.length,
    });
    return list;
  };
}
