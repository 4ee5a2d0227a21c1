/**
 * List step of the Janitor's fanned-out sweep (functions/lib/sweep.ts): one listing of the manual snapshots of every
 * swept region, the Janitor's own planner, one item per DB with a snapshot to delete. Each item then runs the
 * Janitor scoped to `{ dbId }` (its listings narrowed server-side to that DB), which plans again before deleting.
 */
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import type { Snapshot } from "../lib/model";
import { listSnapshots } from "../lib/rds";
import { type SweepList, sweepItemsOfKind } from "../lib/sweep";
import type { ExpireConfig } from "./config";
import { STEP } from "./handler";
import { deletions, planExpire } from "./plan";

/** The Janitor's sweep items: DBs with at least one snapshot the retention policy deletes now. */
export function makeSweepLister(deps: HandlerDeps<ExpireConfig>): () => Promise<SweepList> {
  const { config } = deps;
  return async () => {
    const snapshots: Snapshot[] = [];
    for (const region of config.regions) {
      const listed = await inContext(
        `${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${region} (sweep list)`,
        () => listSnapshots(deps.clients.rds(region), { type: "manual" }),
      );
      snapshots.push(...listed);
    }
    const actions = planExpire({ snapshots, now: deps.clock(), stage: config.stage, policy: config.retention });
    return sweepItemsOfKind(deletions(actions));
  };
}
