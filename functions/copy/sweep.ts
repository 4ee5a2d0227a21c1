/**
 * List step of the Copier's fanned-out sweep (functions/lib/sweep.ts): the sweep's listings, the Copier's own
 * planner, one item per DB with a recovery point not yet done (pending or failed) or an action to take. Each item
 * then runs the Copier (and its check loop) scoped to `{ dbId }`.
 */
import type { RunContext } from "../lib/deadline";
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { packSweepItems, type SweepDb, type SweepList, type SweepListInput } from "../lib/sweep";
import type { CopyConfig } from "./config";
import { planCopyRun } from "./state";

/** The Copier's sweep items: DBs whose recovery points in the copy window are not all done. */
export function makeSweepLister(
  deps: HandlerDeps<CopyConfig>,
): (run?: RunContext, input?: SweepListInput) => Promise<SweepList> {
  const { config } = deps;
  return async (_run, input) => {
    const plan = await inContext(
      `copy: DescribeDBSnapshots/DescribeDBClusterSnapshots (shared and manual) in ${config.region}${config.drRegion ? ` and ${config.drRegion}` : ""} (sweep list)`,
      () => planCopyRun(deps.clients, config, { kind: "sweep" }, deps.clock()),
    );
    // The item's listings: shared and manual in the home region, manual in the DR region.
    const listings = config.drRegion ? 3 : 2;
    const dbs: SweepDb[] = plan.progress.items
      .filter((i) => i.phase !== "done")
      .map((i) => ({ dbId: i.dbId, kind: i.kind, listed: Array(listings).fill(0), requests: 0 }));
    // An action's item is `<sourceAccount>/<dbId>` (copy/plan.ts).
    for (const a of plan.actions) {
      dbs.push({
        dbId: a.item.slice(a.item.indexOf("/") + 1),
        kind: a.kind,
        listed: Array(listings).fill(0),
        requests: 1,
      });
    }
    return packSweepItems(dbs, input?.pacing, 1);
  };
}
