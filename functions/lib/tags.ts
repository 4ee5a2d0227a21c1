import type { Tag } from "@aws-sdk/client-rds";

/**
 * Tag keys this tool writes on every snapshot it creates or copies. IAM policies restrict deletes with
 * `rds:snapshot-tag/rpl-managed-by` and `rds:cluster-snapshot-tag/rpl-managed-by`, so keys avoid `:` and `/`
 * (which would make those condition keys ambiguous).
 */
export const TAG = {
  /** Ownership marker. Only snapshots with this tag (value {@link MANAGED_BY_VALUE}) may ever be deleted. */
  managedBy: "rpl-managed-by",
  /** Identifier of the DB instance or cluster the snapshot is of. */
  sourceDb: "rpl-source-db",
  /** `instance` or `cluster`. */
  sourceKind: "rpl-source-kind",
  /** 12-digit account id of the production account. */
  sourceAccount: "rpl-source-account",
  /** Region of the production DB. */
  sourceRegion: "rpl-source-region",
  /** ISO-8601 UTC creation time of the original snapshot (the recovery point). */
  recoveryPoint: "rpl-recovery-point",
  /** Pipeline stage of this copy: `source`, `dr` (DR account, home region) or `dr-region`. */
  stage: "rpl-stage",
  /** ARN of the snapshot this one was copied from (absent on originals). */
  copiedFrom: "rpl-copied-from",
  /**
   * Set by the Sharer after a source snapshot was shared with every DR account and announced: `shortHash` of the
   * sorted DR account list. A matching value lets later runs skip the snapshot without an attribute call.
   */
  sharedSet: "rpl-shared-set",
  /**
   * On DBs the Restorer creates (value {@link MANAGED_BY_VALUE}). Its IAM role may create a DB only with this tag in
   * the request and delete a drill DB only when it carries it (components/snapshotRestorer.ts restorerPolicy). A
   * separate key from `rpl-managed-by`: a restored DB copies its tags to its own snapshots, which must never look
   * like snapshots the Janitor may delete.
   */
  restoredBy: "rpl-restored-by",
  /** On restored DBs: the run that created them (its start time), so a retry recognises its own DB. */
  restoreToken: "rpl-restore-token",
  /** On drill DBs: `true`. */
  drill: "rpl-drill",
  /** On restored DBs: the snapshot they came from. */
  restoredFrom: "rpl-restored-from",
} as const;

/**
 * Tag keys the Taker writes on a new snapshot (functions/take/plan.ts `takeTags`). Its IAM role may add tags only
 * from this set (`aws:TagKeys`), so the tests evaluate the real tag sets against the real policy.
 */
export const TAKE_TAG_KEYS = [
  TAG.managedBy,
  TAG.sourceDb,
  TAG.sourceKind,
  TAG.sourceAccount,
  TAG.sourceRegion,
  TAG.recoveryPoint,
  TAG.stage,
] as const;

/** Tag keys the Copier writes on a new copy (functions/copy/plan.ts): the Taker's plus `rpl-copied-from`. */
export const COPY_TAG_KEYS = [...TAKE_TAG_KEYS, TAG.copiedFrom] as const;

/** Tag keys the Restorer writes on the DBs it creates (functions/restore/handler.ts `tagsFor`). */
export const RESTORE_TAG_KEYS = [
  TAG.sourceDb,
  TAG.sourceAccount,
  TAG.recoveryPoint,
  TAG.restoredFrom,
  TAG.restoreToken,
  TAG.drill,
  TAG.restoredBy,
] as const;

/** Value of the ownership tag. */
export const MANAGED_BY_VALUE = "rds-pilot-light";

/** Pipeline stage of a snapshot. */
export type Stage = "source" | "dr" | "dr-region";

/** Converts an RDS `TagList` to a plain record (later duplicates win, as in RDS). */
export function tagsToRecord(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) {
    if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  }
  return out;
}

/** Converts a plain record to an RDS `TagList`, sorted by key for deterministic requests. */
export function recordToTags(tags: Readonly<Record<string, string>>): Tag[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] }));
}

/** True when the tags mark a snapshot as created or copied by this tool. */
export function isOwned(tags: Readonly<Record<string, string>>): boolean {
  return tags[TAG.managedBy] === MANAGED_BY_VALUE;
}
