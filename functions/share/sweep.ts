/**
 * List step of the Sharer's fanned-out sweep (functions/lib/sweep.ts): one listing of the manual snapshots, the
 * Sharer's own planner, and items of DBs with a snapshot to share, packed so each item's snapshots fill about one
 * page (packSweepItems). Each item then runs the Sharer scoped to `{ dbIds, dbKind }`: one listing narrowed
 * server-side to its DBs with a multi-valued `db-instance-id` / `db-cluster-id` filter. A DB whose newest shared
 * snapshot lost a DR account from its `restore` attribute outside the tool (one attribute read per DB, here only,
 * functions/share/revoked.ts) gets into an item too, which carries the revoked snapshot (`revoked`): the item shares
 * it again without reading the attribute a second time.
 *
 * The list step is also where a sweep reports DBs deleted in production (functions/share/deletedDbs.ts): it is the one
 * run that sees every DB's snapshots, and a deleted DB has nothing to share, so it gets no item. A report that fails
 * (a bus refused the event) is logged and counted in `StepFailures`; its DB stays untagged, so the next sweep reports
 * it again.
 */
import type { RunContext } from "../lib/deadline";
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { MetricUnit } from "../lib/powertools";
import { listSnapshots } from "../lib/rds";
import {
  countListed,
  packSweepItems,
  type SweepDb,
  type SweepItem,
  type SweepList,
  type SweepListInput,
} from "../lib/sweep";
import type { ShareConfig } from "./config";
import { reportDeletedDbs } from "./deletedDbs";
import { STEP } from "./handler";
import { planShare } from "./plan";
import { findRevokedShares, newestTaggedPerDb } from "./revoked";

/** RDS requests a share makes per snapshot: ModifyDB(Cluster)SnapshotAttribute and AddTagsToResource. */
export const SHARE_REQUESTS_PER_SNAPSHOT = 2;

/** A Sharer sweep item: DBs of one kind, and the snapshots of theirs the list step found revoked. */
export interface ShareSweepItem extends SweepItem {
  readonly revoked?: readonly string[];
}

/**
 * The Sharer's sweep items: DBs with at least one source snapshot not yet shared with every DR account, or whose
 * newest shared snapshot lost one, packed per kind (functions/lib/sweep.ts packSweepItems, `input.pacing`).
 */
export function makeSweepLister(
  deps: HandlerDeps<ShareConfig>,
): (run?: RunContext, input?: SweepListInput) => Promise<SweepList<ShareSweepItem>> {
  const { config } = deps;
  return async (_run, input) => {
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

    // Per DB and kind: the snapshots the item's listing returns again, and the shares it makes.
    const key = (kind: string, dbId: string) => `${kind}|${dbId}`;
    const listed = countListed(snapshots);
    const work = [...plan.toShare, ...verifying.revoked];
    const dbs: SweepDb[] = work.map((s) => ({
      dbId: s.dbId,
      kind: s.kind,
      listed: [listed.get(key(s.kind, s.dbId)) ?? 0],
      requests: SHARE_REQUESTS_PER_SNAPSHOT,
    }));
    const revokedOf = new Map<string, string[]>();
    for (const s of verifying.revoked)
      revokedOf.set(key(s.kind, s.dbId), [...(revokedOf.get(key(s.kind, s.dbId)) ?? []), s.id]);
    const { items } = packSweepItems(dbs, input?.pacing);
    return {
      items: items.map((item) => {
        const revoked = (item.dbIds ?? [item.dbId]).flatMap((id) => revokedOf.get(key(item.dbKind ?? "", id)) ?? []);
        return revoked.length > 0 ? { ...item, revoked } : item;
      }),
    };
  };
}
