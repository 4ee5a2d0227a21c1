/**
 * The Sharer's report of source DBs deleted in production (issue 13, functions/lib/sourceDeleted.ts): on a sweep,
 * every DB with owned snapshots that the region's DB listing no longer has is announced once to every DR bus, counted
 * in `SourceDbsDeleted`, then its newest snapshot is tagged so later sweeps stay quiet. Nothing is deleted.
 */
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { AddTagsToResourceCommand, type RDSClient } from "@aws-sdk/client-rds";
import type { AwsClients } from "../lib/clients";
import { errorMessage, errorName, type ItemFailure, withContext } from "../lib/errors";
import { type Db, parseArn, type Snapshot } from "../lib/model";
import type { Observability } from "../lib/powertools";
import { MetricUnit } from "../lib/powertools";
import { listDbs } from "../lib/rds";
import { planDeletedDbs, SOURCE_DB_DELETED_DETAIL_TYPE, SOURCE_DELETED_TAG } from "../lib/sourceDeleted";
import { SHARED_EVENT_SOURCE } from "./plan";

/** What {@link reportDeletedDbs} did. */
export interface DeletedDbsOutcome {
  /** DBs newly reported deleted (announced and tagged). */
  readonly reported: readonly string[];
  readonly failures: readonly ItemFailure[];
}

/**
 * Reports the deleted DBs among `snapshots` (the sweep's listing of this region). A DB whose event any bus did not
 * take is not tagged, so the next sweep reports it again (a DR bus sees it at least once, maybe twice; the Copier's
 * handling is idempotent).
 */
export async function reportDeletedDbs(
  deps: { readonly clients: AwsClients; readonly obs: Observability },
  rds: RDSClient,
  input: { readonly region: string; readonly eventBusArns: readonly string[]; readonly now: Date },
  snapshots: readonly Snapshot[],
): Promise<DeletedDbsOutcome> {
  let liveDbs: Db[];
  try {
    liveDbs = await listDbs(rds);
  } catch (err) {
    throw withContext(err, `share: DescribeDBInstances/DescribeDBClusters in ${input.region} (deleted-DB check)`);
  }
  const account = snapshots.find((s) => s.account)?.account ?? "";
  const reports = planDeletedDbs({ snapshots, liveDbs, account, region: input.region, now: input.now });
  const reported: string[] = [];
  const failures: ItemFailure[] = [];
  for (const r of reports) {
    const id = r.detail.dbId;
    try {
      for (const bus of input.eventBusArns) {
        const out = await deps.clients.events(parseArn(bus).region).send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: bus,
                Source: SHARED_EVENT_SOURCE,
                DetailType: SOURCE_DB_DELETED_DETAIL_TYPE,
                Resources: [r.newest.arn],
                Detail: JSON.stringify(r.detail),
              },
            ],
          }),
        );
        if ((out.FailedEntryCount ?? 0) > 0) {
          const e = out.Entries?.[0];
          throw new Error(`event to ${bus} rejected: ${e?.ErrorCode ?? "UnknownError"}: ${e?.ErrorMessage ?? ""}`);
        }
      }
      await rds.send(
        new AddTagsToResourceCommand({
          ResourceName: r.newest.arn,
          Tags: [{ Key: SOURCE_DELETED_TAG, Value: r.detail.deletedAt }],
        }),
      );
      reported.push(id);
      deps.obs.logger.warn("source DB deleted", { ...r.detail, newestSnapshot: r.newest.id });
    } catch (err) {
      failures.push({ id, error: errorName(err), message: `report of deleted DB ${id}: ${errorMessage(err)}` });
    }
  }
  deps.obs.metrics.addMetric("SourceDbsDeleted", MetricUnit.Count, reported.length);
  return { reported, failures };
}
