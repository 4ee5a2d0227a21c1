/**
 * List step of the Copier's fanned-out sweep (functions/lib/sweep.ts): the sweep's listings, the Copier's own
 * planner, and items of DBs with an action to take now (a copy the planner gives one of the region's free slots, in
 * its priority order, or an intermediate copy to delete) or a failed recovery point (its run reports the failure),
 * packed so each item's snapshots fill about one page per listing (packSweepItems). Each item then runs the Copier
 * (and its check loop) scoped to `{ dbIds, dbKind }`: every listing narrowed server-side to its DBs with a
 * multi-valued `db-instance-id` / `db-cluster-id` filter.
 *
 * DBs whose copies are running, or wait for a slot the planner could not give them, get no item (issue 10): their
 * iterations could only wait in the check loop, holding the Map's concurrency for hours while ~20 copy slots serve a
 * backlog of hundreds, and each hourly sweep added another such set of waiting iterations (at 1,000 DBs two dozen
 * sweeps ran at once and polled the same copies as the event-started executions). The next sweep plans them again
 * from its own listing, and the event-started execution of a waiting copy keeps trying meanwhile, timing its looks by
 * the DB's own copies in flight when those hold it back (copy/handler.ts).
 */
import type { RunContext } from "../lib/deadline";
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import type { Snapshot } from "../lib/model";
import { countListed, packSweepItems, type SweepDb, type SweepList, type SweepListInput } from "../lib/sweep";
import type { CopyConfig } from "./config";
import { planCopy } from "./plan";
import { listCopyState } from "./state";

/** The Copier's sweep items: DBs with an action to take now or a failed recovery point in the copy window. */
export function makeSweepLister(
  deps: HandlerDeps<CopyConfig>,
): (run?: RunContext, input?: SweepListInput) => Promise<SweepList> {
  const { config } = deps;
  return async (_run, input) => {
    const state = await inContext(
      `copy: DescribeDBSnapshots/DescribeDBClusterSnapshots (shared and manual) in ${config.region}${config.drRegion ? ` and ${config.drRegion}` : ""} (sweep list)`,
      () => listCopyState(deps.clients, config),
    );
    const plan = planCopy({ config, scope: { kind: "sweep" }, now: deps.clock(), ...state });
    // Per listing an item makes (shared and manual in the home region, manual in the DR region), per kind and DB
    // (lowercased, as the items' scope compares): the snapshots the item's listing returns again.
    const listings: (readonly Snapshot[])[] = config.drRegion
      ? [state.shared, state.home, state.regional]
      : [state.shared, state.home];
    const key = (kind: string, dbId: string) => `${kind}|${dbId.toLowerCase()}`;
    const counts = listings.map((listed) => countListed(listed, true));
    const db = (dbId: string, kind: Snapshot["kind"], requests: number): SweepDb => ({
      dbId,
      kind,
      listed: counts.map((m) => m.get(key(kind, dbId)) ?? 0),
      requests,
    });
    const dbs = plan.progress.items.filter((i) => i.phase === "failed").map((i) => db(i.dbId, i.kind, 0));
    // An action's item is `<sourceAccount>/<dbId>` (copy/plan.ts); one copy or delete request each.
    for (const a of plan.actions) dbs.push(db(a.item.slice(a.item.indexOf("/") + 1), a.kind, 1));
    return packSweepItems(dbs, input?.pacing);
  };
}
