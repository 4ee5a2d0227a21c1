/**
 * List step of the Copier's fanned-out sweep (functions/lib/sweep.ts): the sweep's listings, the Copier's own
 * planner, one item per DB with an action to take now (a copy the planner gives one of the region's free slots, in its
 * priority order, or an intermediate copy to delete), a copy running, or a failed recovery point (its run reports the
 * failure). Each item then runs the Copier (and its check loop) scoped to `{ dbId }`.
 *
 * A DB whose only work is copies waiting for a slot the planner could not give them gets no item (issue 10): its
 * iteration could only wait in the check loop, holding the Map's concurrency for hours while ~20 copy slots serve a
 * backlog of hundreds, and each hourly sweep added another such set of waiting iterations (at 1,000 DBs two dozen
 * sweeps ran at once and polled the same copies as the event-started executions). The next sweep plans them again
 * from its own listing, and an event-started execution of a waiting copy keeps trying meanwhile. At most the region's
 * copies in flight have a copy running, so following them costs a bounded number of items.
 */
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { type SweepList, sweepItemsOfKind } from "../lib/sweep";
import type { CopyConfig } from "./config";
import type { CopyPhase } from "./plan";
import { planCopyRun } from "./state";

/**
 * Phases whose DB gets an item even without an action now: a running copy (its iteration follows it and starts what
 * it holds back, such as the DB's next copy under the per-DB cap or the second leg, as soon as it finishes) and a
 * failure (its run reports it).
 */
const FOLLOWED: ReadonlySet<CopyPhase> = new Set<CopyPhase>(["home-in-progress", "region-in-progress", "failed"]);

/** The Copier's sweep items: DBs with an action to take now, a copy running or a failed recovery point. */
export function makeSweepLister(deps: HandlerDeps<CopyConfig>): () => Promise<SweepList> {
  const { config } = deps;
  return async () => {
    const plan = await inContext(
      `copy: DescribeDBSnapshots/DescribeDBClusterSnapshots (shared and manual) in ${config.region}${config.drRegion ? ` and ${config.drRegion}` : ""} (sweep list)`,
      () => planCopyRun(deps.clients, config, { kind: "sweep" }, deps.clock()),
    );
    const dbs = plan.progress.items.filter((i) => FOLLOWED.has(i.phase)).map((i) => ({ dbId: i.dbId, kind: i.kind }));
    // An action's item is `<sourceAccount>/<dbId>` (copy/plan.ts).
    for (const a of plan.actions) dbs.push({ dbId: a.item.slice(a.item.indexOf("/") + 1), kind: a.kind });
    return sweepItemsOfKind(dbs);
  };
}
