/**
 * List step of the Copier's fanned-out sweep (functions/lib/sweep.ts): the sweep's listings, the Copier's own
 * planner, one item per DB with an action to take now (a copy the planner gives one of the region's free slots, in its
 * priority order, or an intermediate copy to delete) or a failed recovery point (its run reports the failure). Each
 * item then runs the Copier (and its check loop) scoped to `{ dbId }`.
 *
 * DBs whose copies are running, or wait for a slot the planner could not give them, get no item (issue 10): their
 * iterations could only wait in the check loop, holding the Map's concurrency for hours while ~20 copy slots serve a
 * backlog of hundreds, and each hourly sweep added another such set of waiting iterations (at 1,000 DBs two dozen
 * sweeps ran at once and polled the same copies as the event-started executions; following only the DBs with a copy
 * running still left iterations polling for hours: 5 DBs missed the RPO instead of none). The next sweep plans them
 * again from its own listing, and the event-started execution of a waiting copy keeps trying meanwhile, timing its
 * looks by the DB's own copies in flight when those hold it back (copy/handler.ts).
 */
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { type SweepList, sweepItemsOfKind } from "../lib/sweep";
import type { CopyConfig } from "./config";
import { planCopyRun } from "./state";

/** The Copier's sweep items: DBs with an action to take now or a failed recovery point in the copy window. */
export function makeSweepLister(deps: HandlerDeps<CopyConfig>): () => Promise<SweepList> {
  const { config } = deps;
  return async () => {
    const plan = await inContext(
      `copy: DescribeDBSnapshots/DescribeDBClusterSnapshots (shared and manual) in ${config.region}${config.drRegion ? ` and ${config.drRegion}` : ""} (sweep list)`,
      () => planCopyRun(deps.clients, config, { kind: "sweep" }, deps.clock()),
    );
    const dbs = plan.progress.items.filter((i) => i.phase === "failed").map((i) => ({ dbId: i.dbId, kind: i.kind }));
    // An action's item is `<sourceAccount>/<dbId>` (copy/plan.ts).
    for (const a of plan.actions) dbs.push({ dbId: a.item.slice(a.item.indexOf("/") + 1), kind: a.kind });
    return sweepItemsOfKind(dbs);
  };
}
