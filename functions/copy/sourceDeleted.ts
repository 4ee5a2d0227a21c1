/**
 * The Copier's part in retiring a source DB deleted in production (issue 13, functions/lib/sourceDeleted.ts): the
 * "RDS Pilot Light Source DB Deleted" event from a source account's Sharer tags that DB's owned copies, in the home
 * region and the DR region, with `rpl-source-deleted-at`. The freshness Lambda reads the tag; nothing is deleted.
 */
import { AddTagsToResourceCommand } from "@aws-sdk/client-rds";
import { ConfigError, withContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { listSnapshots } from "../lib/rds";
import {
  copiesToMarkDeleted,
  parseSourceDbDeletedDetail,
  SOURCE_DB_DELETED_DETAIL_TYPE,
  SOURCE_DELETED_TAG,
  type SourceDbDeletedDetail,
} from "../lib/sourceDeleted";
import type { CopyConfig } from "./config";
import type { CopySummary } from "./handler";

/** The deletion report carried by `event`, or undefined when `event` is anything else. */
export function sourceDbDeletedOf(event: unknown): SourceDbDeletedDetail | undefined {
  if (event === null || typeof event !== "object") return undefined;
  const e = event as Record<string, unknown>;
  if (e["detail-type"] !== SOURCE_DB_DELETED_DETAIL_TYPE) return undefined;
  const d = parseSourceDbDeletedDetail(e.detail);
  if (typeof d === "string") throw new ConfigError(`copy input (${SOURCE_DB_DELETED_DETAIL_TYPE}): ${d}`);
  return d;
}

/** Tags the owned copies of the deleted DB; returns an empty copy summary (no copy work, nothing pending). */
export async function markSourceDeleted(deps: HandlerDeps<CopyConfig>, d: SourceDbDeletedDetail): Promise<CopySummary> {
  const { config, clients, obs } = deps;
  let tagged = 0;
  for (const region of config.drRegion ? [config.region, config.drRegion] : [config.region]) {
    const rds = clients.rds(region);
    let copies: Awaited<ReturnType<typeof listSnapshots>>;
    try {
      copies = await listSnapshots(rds, { type: "manual" });
    } catch (err) {
      throw withContext(err, `copy: DescribeDBSnapshots/DescribeDBClusterSnapshots in ${region} (deleted source DB)`);
    }
    for (const s of copiesToMarkDeleted(copies, d)) {
      try {
        await rds.send(
          new AddTagsToResourceCommand({
            ResourceName: s.arn,
            Tags: [{ Key: SOURCE_DELETED_TAG, Value: d.deletedAt }],
          }),
        );
      } catch (err) {
        throw withContext(err, `copy: AddTagsToResource (${SOURCE_DELETED_TAG}) for ${s.id} in ${region}`);
      }
      tagged++;
    }
  }
  obs.logger.warn("source DB deleted: copies marked", { ...d, copiesTagged: tagged });
  return {
    started: 0,
    regionStarted: 0,
    inFlight: 0,
    waiting: 0,
    pending: 0,
    ready: 0,
    superseded: 0,
    intermediateDeleted: 0,
    failed: 0,
    skipped: 0,
    leftPending: 0,
    nextCheckSeconds: 0,
  };
}
