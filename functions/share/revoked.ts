/**
 * Shares revoked behind the Sharer's back. The `rpl-shared-set` tag lets a sweep skip a snapshot it shared before
 * without reading its `restore` attribute, but RDS does not touch our tag when someone removes a DR account from
 * that attribute (ModifyDBSnapshotAttribute `ValuesToRemove`). Trusting the tag alone, a sweep never shares such a
 * snapshot again, and the DR account can neither see nor copy it (CopyDBSnapshot answers DBSnapshotNotFound for a
 * snapshot that is no longer shared with the caller).
 *
 * So a sweep checks, per DB, the one snapshot that matters for the DR copy: the newest available snapshot its tag says
 * is shared. One DescribeDB(Cluster)SnapshotAttributes per DB with such a snapshot, whatever its number of snapshots
 * (the trade-off against the one-pass listing: docs/faults.md "shareRevoked"). A snapshot missing a DR account is
 * shared, announced and tagged again by the normal path (planShare's `revoked`). Older revoked snapshots are left:
 * the Copier copies only the newest recovery points anyway.
 */
import {
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { SNAPSHOT_NOT_FOUND } from "../lib/awsErrors";
import { errorMessage, errorName, type ItemFailure } from "../lib/errors";
import { type DbKind, recoveryTimeOf, type Snapshot } from "../lib/model";
import { PUBLIC_ATTRIBUTE_VALUE, type SharePlan } from "./plan";

/** The accounts in a snapshot's `restore` attribute (one Describe*Attributes call). */
export async function readRestoreAccounts(rds: RDSClient, s: Snapshot): Promise<string[]> {
  const attrs =
    s.kind === "instance"
      ? (await rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: s.id })))
          .DBSnapshotAttributesResult?.DBSnapshotAttributes
      : (await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: s.id })))
          .DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes;
  return (attrs ?? []).filter((a) => a.AttributeName === "restore").flatMap((a) => a.AttributeValues ?? []);
}

/**
 * Per DB (and kind), the newest snapshot the plan found already shared by its tag, unless the DB also has a newer
 * snapshot to share now (that one is shared anyway and supersedes it). Sorted by identifier.
 */
export function newestTaggedPerDb(plan: SharePlan, snapshots: readonly Snapshot[]): Snapshot[] {
  const tagged = new Set(plan.alreadyShared);
  // Per kind, then DB identifier: no key string per snapshot (a sweep's list step reads every snapshot of its region).
  const newest: Record<DbKind, Map<string, { s: Snapshot; at: number }>> = { instance: new Map(), cluster: new Map() };
  // Entries in the order their DB was first seen (the order of the sort's ties, as before).
  const order: { s: Snapshot; at: number }[] = [];
  const consider = (s: Snapshot) => {
    const byDb = newest[s.kind];
    const at = recoveryTimeOf(s) ?? Number.NEGATIVE_INFINITY;
    const prev = byDb.get(s.dbId);
    if (!prev) {
      const entry = { s, at };
      byDb.set(s.dbId, entry);
      order.push(entry);
    } else if (at > prev.at || (at === prev.at && s.id > prev.s.id)) {
      prev.s = s;
      prev.at = at;
    }
  };
  if (tagged.size > 0) for (const s of snapshots) if (tagged.has(s.id)) consider(s);
  for (const s of plan.toShare) consider(s);
  const out: Snapshot[] = [];
  for (const v of order) if (tagged.has(v.s.id)) out.push(v.s);
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** What {@link findRevokedShares} found. */
export interface RevokedShares {
  /** Snapshots whose tag says shared but whose `restore` attribute lacks a DR account. */
  readonly revoked: readonly Snapshot[];
  /** Attribute reads that failed (the next sweep reads again); a snapshot gone meanwhile is not a failure. */
  readonly failures: readonly ItemFailure[];
}

/** Reads the `restore` attribute of each candidate; returns those missing one of `drAccounts`. */
export async function findRevokedShares(
  rds: RDSClient,
  candidates: readonly Snapshot[],
  drAccounts: readonly string[],
): Promise<RevokedShares> {
  const revoked: Snapshot[] = [];
  const failures: ItemFailure[] = [];
  for (const s of candidates) {
    try {
      const have = new Set((await readRestoreAccounts(rds, s)).filter((v) => v !== PUBLIC_ATTRIBUTE_VALUE));
      if (drAccounts.some((a) => !have.has(a))) revoked.push(s);
    } catch (err) {
      if (SNAPSHOT_NOT_FOUND.has(errorName(err))) continue;
      failures.push({
        id: s.id,
        error: errorName(err),
        message: `share: reading the restore attribute of ${s.id}: ${errorMessage(err)}`,
      });
    }
  }
  return { revoked, failures };
}
