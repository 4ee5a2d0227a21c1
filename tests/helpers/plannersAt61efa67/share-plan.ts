// Test oracle: functions/share/plan.ts as it was on main at 61efa67 (before branch `planners`), kept verbatim but for
// its imports, so tests/unit/plannerEquivalence.test.ts ("as at 61efa67") can check the planners decide as before.
/**
 * Pure planner of the Sharer: which of our source snapshots still need sharing with the DR accounts, and which
 * accounts to add to one snapshot. No I/O.
 */
import { ShareLimitError } from "../../../functions/lib/errors";
import { shortHash } from "../../../functions/lib/identifiers";
import { recoveryPointOf, type Snapshot, stageOf } from "../../../functions/lib/model";
import { newestFirstRoundRobin } from "../../../functions/lib/order";
import { TAG } from "../../../functions/lib/tags";
import { MAX_SHARE_ACCOUNTS } from "../../../functions/share/config";

/** EventBridge `Source` of the "snapshot shared" event (CONTRACTS.md "Event contract between accounts"). */
export const SHARED_EVENT_SOURCE = "rds-pilot-light";
/** EventBridge `DetailType` of the "snapshot shared" event. */
export const SHARED_EVENT_DETAIL_TYPE = "RDS Pilot Light Snapshot Shared";
/** PutEvents accepts at most 10 entries per call (EventBridge PutEvents API reference). */
export const MAX_PUT_EVENTS_ENTRIES = 10;
/** The `restore` attribute value that makes a snapshot public; never counted as an account. */
export const PUBLIC_ATTRIBUTE_VALUE = "all";

/** `String.prototype.localeCompare` without arguments, as one reusable collator (same order, much faster). */
const collator = new Intl.Collator();

/** Value of the `rpl-shared-set` tag for a DR account list: order and duplicates do not matter. */
export function sharedSetValue(accounts: readonly string[]): string {
  return shortHash([...new Set(accounts)].sort().join(","));
}

/** Why a listed snapshot is not the Sharer's business. */
export type IgnoreReason = "not-owned" | "not-source-stage" | "not-shareable-status";

/** Everything the planner decided. */
export interface SharePlan {
  /**
   * Available, ours, stage source, not yet marked shared with this account set; newest recovery point first, DBs in
   * turn ({@link shareOrder}), so a run cut short by its time budget has shared the newest snapshot of every DB.
   */
  readonly toShare: readonly Snapshot[];
  /** Ids of snapshots whose `rpl-shared-set` tag already matches (no call needed). */
  readonly alreadyShared: readonly string[];
  /** Ids of our source snapshots still `creating`: a later run shares them. */
  readonly pending: readonly string[];
  /** Snapshots left alone, with the reason. */
  readonly ignored: readonly { readonly snapshotId: string; readonly reason: IgnoreReason; readonly status: string }[];
}

/**
 * Sorts listed snapshots into share / already shared / pending / ignored. `revoked` names snapshots whose tag says
 * shared but whose `restore` attribute was found missing a DR account (functions/share/revoked.ts): shared again.
 */
export function planShare(input: {
  readonly snapshots: readonly Snapshot[];
  readonly drAccounts: readonly string[];
  readonly revoked?: ReadonlySet<string>;
}): SharePlan {
  const want = sharedSetValue(input.drAccounts);
  const toShare: Snapshot[] = [];
  const alreadyShared: string[] = [];
  const pending: string[] = [];
  const ignored: { snapshotId: string; reason: IgnoreReason; status: string }[] = [];
  const sorted = input.snapshots.slice().sort(byKindAndId);
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    const stage = stageOf(s);
    if (stage === undefined) ignored.push({ snapshotId: s.id, reason: "not-owned", status: s.status });
    else if (stage !== "source") ignored.push({ snapshotId: s.id, reason: "not-source-stage", status: s.status });
    else if (s.status === "creating") pending.push(s.id);
    else if (s.status !== "available")
      ignored.push({ snapshotId: s.id, reason: "not-shareable-status", status: s.status });
    else if (s.tags[TAG.sharedSet] === want && !input.revoked?.has(s.id)) alreadyShared.push(s.id);
    else toShare.push(s);
  }
  return { toShare: shareOrder(toShare), alreadyShared, pending, ignored };
}

function byKindAndId(a: Snapshot, b: Snapshot): number {
  return (a.kind === b.kind ? 0 : collator.compare(a.kind, b.kind)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The Sharer's work order: newest recovery point first, one DB at a time in turn (lib/order.ts). */
export function shareOrder(snapshots: readonly Snapshot[]): Snapshot[] {
  return newestFirstRoundRobin(snapshots, {
    group: (s) => `${s.kind}|${s.tags[TAG.sourceAccount] || s.account}|${s.dbId}`,
    time: (s) => recoveryPointOf(s)?.getTime(),
    id: (s) => s.id,
  });
}

/**
 * The DR accounts still missing from a snapshot's `restore` attribute. Throws a ShareLimitError naming the
 * snapshot when adding them would exceed the 20-account limit (accounts shared by hand count too).
 */
export function accountsToAdd(snapshotId: string, current: readonly string[], wanted: readonly string[]): string[] {
  const have = new Set(current.filter((v) => v !== PUBLIC_ATTRIBUTE_VALUE));
  const missing = [...new Set(wanted)].filter((a) => !have.has(a)).sort();
  const total = have.size + missing.length;
  if (missing.length > 0 && total > MAX_SHARE_ACCOUNTS) {
    throw new ShareLimitError(
      `snapshot ${snapshotId} is shared with ${have.size} account(s); adding ${missing.join(", ")} would make ${total}, ` +
        `more than the RDS limit of ${MAX_SHARE_ACCOUNTS}. Remove stale accounts from its restore attribute or shorten RPL_DR_ACCOUNTS.`,
    );
  }
  return missing;
}

/** Detail of the "snapshot shared" event, as the Copier in the DR account expects it. */
export interface SharedEventDetail {
  readonly snapshotArn: string;
  readonly kind: Snapshot["kind"];
  readonly dbId: string;
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  /** ISO-8601 UTC. */
  readonly recoveryPoint: string;
}

/**
 * The event detail for a shared snapshot: account and region from our tags (ARN as fallback). The recovery point
 * is `SnapshotCreateTime`, because that is all the DR account sees when it lists the share (tags do not travel),
 * and the Copier names copies after it: event-driven and sweep-driven copies must get the same name.
 */
export function sharedEventDetail(s: Snapshot): SharedEventDetail {
  const rp = s.createdAt ?? recoveryPointOf(s);
  return {
    snapshotArn: s.arn,
    kind: s.kind,
    dbId: s.dbId,
    sourceAccount: s.tags[TAG.sourceAccount] || s.account,
    sourceRegion: s.tags[TAG.sourceRegion] || s.region,
    recoveryPoint: rp ? rp.toISOString() : "",
  };
}

/** Splits `items` into chunks of at most `size` (PutEvents batches). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
