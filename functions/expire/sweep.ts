/**
 * List step of the Janitor's fanned-out sweep (functions/lib/sweep.ts): one listing of the manual snapshots of every
 * swept region, the Janitor's own planner, and items of DBs with a snapshot to delete, packed so each item's
 * snapshots fill about one page per region (packSweepItems). Each item then runs the Janitor scoped to
 * `{ dbIds, dbKind }` (its listings narrowed server-side to its DBs with a multi-valued `db-instance-id` /
 * `db-cluster-id` filter), which plans again before deleting.
 */
import type { RunContext } from "../lib/deadline";
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import type { Snapshot } from "../lib/model";
import { listSnapshots } from "../lib/rds";
import { countListed, packSweepItems, type SweepDb, type SweepList, type SweepListInput } from "../lib/sweep";
import type { ExpireConfig } from "./config";
import { STEP } from "./handler";
import { deletions, planExpire } from "./plan";

/** The Janitor's sweep items: DBs with at least one snapshot the retention policy deletes now. */
export function makeSweepLister(
  deps: HandlerDeps<ExpireConfig>,
): (run?: RunContext, input?: SweepListInput) => Promise<SweepList> {
  const { config } = deps;
  return async (_run, input) => {
    const snapshots: Snapshot[] = [];
    // Per region, kind and DB: the snapshots an item's listing of that region returns again.
    const listed = config.regions.map(() => new Map<string, number>());
    for (const [r, region] of config.regions.entries()) {
      const found = await inContext(
        `${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${region} (sweep list)`,
        () => listSnapshots(deps.clients.rds(region), { type: "manual" }),
      );
      listed[r] = countListed(found);
      for (let i = 0; i < found.length; i++) snapshots.push(found[i]!);
    }
    const actions = planExpire({ snapshots, now: deps.clock(), stage: config.stage, policy: config.retention });
    // One delete per snapshot to delete.
    const dbs: SweepDb[] = deletions(actions).map((s) => ({
      dbId: s.dbId,
      kind: s.kind,
      listed: listed.map((m) => m.get(`${s.kind}|${s.dbId}`) ?? 0),
      requests: 1,
    }));
    return packSweepItems(dbs, input?.pacing);
  };
}
