/**
 * Pure planner of the Sharer: which of our source snapshots still need sharing with the DR accounts, and which
 * accounts to add to one snapshot. No I/O.
 */
import { BoundedCache } from "../lib/boundedCache";
import { ShareLimitError } from "../lib/errors";
import { shortHash } from "../lib/identifiers";
import { recoveryPointOf, type Snapshot, stageOf } from "../lib/model";
import { newestFirstRoundRobin } from "../lib/order";
import { TAG } from "../lib/tags";
import { MAX_SHARE_ACCOUNTS } from "./config";

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
  // Remembered per account list (every Sharer run asks for its one configured list, twice). The key is the list's JSON
  // text, or for one account (the usual case) the account itself unless it could read as such a text.
  const one = accounts.length === 1 ? (accounts[0] as string) : undefined;
  const key = one !== undefined && !one.startsWith("[") ? one : JSON.stringify(accounts);
  return sharedSetValues.get(key, sharedSetOf, accounts);
}
const sharedSetOf = (_key: string, accounts: readonly string[]): string =>
  shortHash([...new Set(accounts)].sort().join(","));
const sharedSetValues = new BoundedCache<string, string>(1_000);

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
 *
 * Every list is in kind-then-identifier order ({@link byKindAndId}). The listing is read once in its own order and
 * each list is ordered on its own, instead of sorting the whole listing first: a sweep at 1,000 DBs lists ~48,000
 * snapshots that are nearly all already shared, and those are only identifiers, so they are sorted per kind as plain
 * strings (`Array.prototype.sort`'s default order is the code-unit order the comparator uses; equal identifiers of one
 * kind are the same string, so no order among them is lost). Lists of snapshots or entries are sorted stably with the
 * comparator, which gives the same order as taking them from the sorted listing.
 */
export function planShare(input: {
  readonly snapshots: readonly Snapshot[];
  readonly drAccounts: readonly string[];
  readonly revoked?: ReadonlySet<string>;
}): SharePlan {
  const want = sharedSetValue(input.drAccounts);
  const revoked = input.revoked;
  const snapshots = input.snapshots;
  const toShare: Snapshot[] = [];
  const ignoredSnapshots: Snapshot[] = [];
  const ignoredReasons: IgnoreReason[] = [];
  // Identifiers of the snapshots already shared and of those pending, per kind (the kinds in listing order).
  const kinds: string[] = [];
  const sharedIds: string[][] = [];
  const pendingIds: string[][] = [];
  // Each kind's list of already-shared identifiers is made at the listing's length and cut to its count at the end:
  // at 1,000 DBs nearly every snapshot lands in it, and growing it by pushes copied it a dozen times.
  const sharedCounts: number[] = [];
  let lastKind = "";
  let k = -1;
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    if (s.kind !== lastKind || k < 0) {
      lastKind = s.kind;
      k = kinds.indexOf(s.kind);
      if (k < 0) {
        k = kinds.length;
        kinds.push(s.kind);
        sharedIds.push(new Array<string>(snapshots.length));
        sharedCounts.push(0);
        pendingIds.push([]);
      }
    }
    const stage = stageOf(s);
    if (stage === undefined) {
      ignoredSnapshots.push(s);
      ignoredReasons.push("not-owned");
    } else if (stage !== "source") {
      ignoredSnapshots.push(s);
      ignoredReasons.push("not-source-stage");
    } else if (s.status === "creating") (pendingIds[k] as string[]).push(s.id);
    else if (s.status !== "available") {
      ignoredSnapshots.push(s);
      ignoredReasons.push("not-shareable-status");
    } else if (s.tags[TAG.sharedSet] === want && !revoked?.has(s.id)) {
      (sharedIds[k] as string[])[(sharedCounts[k] as number)++] = s.id;
    } else toShare.push(s);
  }
  for (let j = 0; j < kinds.length; j++) (sharedIds[j] as string[]).length = sharedCounts[j] as number;
  // The kinds in the comparator's order (distinct kinds never collate equal: `instance` and `cluster`).
  const kindOrder = kinds.map((_, j) => j).sort((a, b) => collator.compare(kinds[a] as string, kinds[b] as string));
  const idsInOrder = (perKind: string[][]): string[] => {
    const lists = kindOrder.map((j) => (perKind[j] as string[]).sort());
    return lists.length === 1 ? (lists[0] as string[]) : ([] as string[]).concat(...lists);
  };
  const order = ignoredSnapshots.map((_, j) => j);
  order.sort((a, b) => byKindAndId(ignoredSnapshots[a] as Snapshot, ignoredSnapshots[b] as Snapshot) || a - b);
  const ignored = order.map((j) => {
    const s = ignoredSnapshots[j] as Snapshot;
    return { snapshotId: s.id, reason: ignoredReasons[j] as IgnoreReason, status: s.status };
  });
  return {
    toShare: shareOrder(toShare.sort(byKindAndId)),
    alreadyShared: idsInOrder(sharedIds),
    pending: idsInOrder(pendingIds),
    ignored,
  };
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
