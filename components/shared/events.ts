/**
 * EventBridge patterns (pure), shared by the components and their tests.
 * RDS event IDs: RDS-EVENT-0042 "Manual snapshot created", RDS-EVENT-0075 "Manual cluster snapshot created"
 * (RDS event categories table, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html).
 */
import { SOURCE_DB_DELETED_DETAIL_TYPE } from "../../functions/lib/sourceDeleted";
import { SHARE_DETAIL_TYPE, SHARE_EVENT_SOURCE, SNAPSHOT_ID_PREFIX } from "./iam";

/** RDS "manual (cluster) snapshot created" events for our `rpl-*` snapshots: they start the Sharer. */
export function rdsSnapshotCreatedPattern(): Record<string, unknown> {
  return {
    source: ["aws.rds"],
    "detail-type": ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"],
    detail: {
      EventID: ["RDS-EVENT-0042", "RDS-EVENT-0075"],
      SourceIdentifier: [{ prefix: SNAPSHOT_ID_PREFIX }],
    },
  };
}

/** "Snapshot shared" events put by the source accounts' Sharers on the DR bus: they start the Copier. */
export function snapshotSharedPattern(sourceAccounts: readonly string[]): Record<string, unknown> {
  return {
    source: [SHARE_EVENT_SOURCE],
    // The "source DB deleted" report goes the same way: the Copier marks that DB's copies (issue 13).
    "detail-type": [SHARE_DETAIL_TYPE, SOURCE_DB_DELETED_DETAIL_TYPE],
    // `account` is set by EventBridge to the account that called PutEvents: it cannot be forged by the sender.
    account: [...sourceAccounts],
  };
}
