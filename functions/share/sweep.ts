/**
 * List step of the Sharer's fanned-out sweep (functions/lib/sweep.ts): one listing of the manual snapshots, the
 * Sharer's own planner, one item per DB with a snapshot to share. Each item then runs the Sharer scoped to
 * `{ dbId }` (its listing narrowed server-side to that DB).
 */
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { listSnapshots } from "../lib/rds";
import { type SweepList, sweepItems } from "../lib/sweep";
import type { ShareConfig } from "./config";
import { STEP } from "./handler";
import { planShare } from "./plan";

/** The Sharer's sweep items: DBs with at least one source snapshot not yet shared with every DR account. */
export function makeSweepLister(deps: HandlerDeps<ShareConfig>): () => Promise<SweepList> {
  const { config } = deps;
  return async () => {
    const rds = deps.clients.rds(config.region);
    const snapshots = await inContext(
      `${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${config.region} (sweep list)`,
      () => listSnapshots(rds, { type: "manual" }),
    );
    const plan = planShare({ snapshots, drAccounts: config.drAccounts });
    return sweepItems(plan.toShare.map((s) => s.dbId));
  };
}
