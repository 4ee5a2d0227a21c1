/**
 * List step of the Taker's fanned-out sweep (functions/lib/sweep.ts): one DB listing, the planner's own selection
 * (RPL_DB_ID_REGEX, RPL_OPT_IN_TAG), one item per selected DB. Each item then runs the Taker scoped to `{ dbId }`.
 */
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { listDbs } from "../lib/rds";
import { type SweepList, sweepItems } from "../lib/sweep";
import type { TakeConfig } from "./config";
import { STEP } from "./handler";
import { isSelected } from "./plan";

/** The Taker's sweep items: every selected DB instance and cluster of its region. */
export function makeSweepLister(deps: HandlerDeps<TakeConfig>): () => Promise<SweepList> {
  const { config } = deps;
  return async () => {
    const rds = deps.clients.rds(config.region);
    const dbs = await inContext(
      `${STEP}: DescribeDBInstances/DescribeDBClusters in ${config.region} (sweep list)`,
      () => listDbs(rds),
    );
    return sweepItems(dbs.filter((db) => isSelected(db, config)).map((db) => db.id));
  };
}
