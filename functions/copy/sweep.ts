/**
 * List step of the Copier's fanned-out sweep (functions/lib/sweep.ts): the sweep's listings, the Copier's own
 * planner, one item per DB with a recovery point not yet done (pending or failed) or an action to take. Each item
 * then runs the Copier (and its check loop) scoped to `{ dbId }`.
 */
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { type SweepList, sweepItemsOfKind } from "../lib/sweep";
import type { CopyConfig } from "./config";
import { planCopyRun } from "./state";

/** The Copier's sweep items: DBs whose recovery points in the copy window are not all done. */
export function makeSweepLister(deps: HandlerDeps<CopyConfig>): () => Promise<SweepList> {
  const { config } = deps;
  return async () => {
    const plan = await inContext(
      `copy: DescribeDBSnapshots/DescribeDBClusterSnapshots (shared and manual) in ${config.region}${config.drRegion ? ` and ${config.drRegion}` : ""} (sweep list)`,
      () => planCopyRun(deps.clients, config, { kind: "sweep" }, deps.clock()),
    );
    const dbs = plan.progress.items.filter((i) => i.phase !== "done").map((i) => ({ dbId: i.dbId, kind: i.kind }));
    // An action's item is `<sourceAccount>/<dbId>` (copy/plan.ts).
    for (const a of plan.actions) dbs.push({ dbId: a.item.slice(a.item.indexOf("/") + 1), kind: a.kind });
    return sweepItemsOfKind(dbs);
  };
}
