/**
 * Every AWS rule the RDS/KMS model enforces, with its source and where the model enforces it. The same table is in
 * docs/model.md (a test keeps the two in step), and tests/unit/modelRules.test.ts holds one test per rule, named
 * with the rule's id, that fails when the rule is taken out of the model.
 *
 * Where AWS publishes no figure, the rule says so and the value is a named assumption (config/assumptions.ts) or a
 * model option, never a constant hidden in the code.
 */

/** One AWS rule of the model. */
export interface ModelRule {
  /** Stable id, used in test names and the docs. */
  readonly id: string;
  /** What AWS does, in one sentence. */
  readonly statement: string;
  /** Page the rule comes from. */
  readonly url: string;
  /** Section of that page (heading as AWS writes it). */
  readonly section: string;
  /** Where the model enforces it (file and function). */
  readonly enforcedIn: string;
}

const COPY_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html";
const AURORA_COPY_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-copy-snapshot.html";
const SHARE_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html";
const QUOTAS_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html";
const THROTTLING_GUIDE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html";
const COPY_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html";
const AURORA_CROSS_ACCOUNT_GUIDE =
  "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopyDBClusterSnapshot.CrossAccount.html";
const DELETE_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSnapshot.html";

/** The rules, in the order docs/model.md lists them. */
export const MODEL_RULES: readonly ModelRule[] = [
  {
    id: "INC-SOURCE-NOT-COPY",
    statement:
      "A copy whose source snapshot is itself a snapshot copy is never incremental (the copy lacks the metadata).",
    url: COPY_GUIDE,
    section: "Incremental snapshot copying (Note)",
    enforcedIn: "sim/aws/rds.ts RdsModel.incrementalBase",
  },
  {
    id: "INC-PREVIOUS-COPY",
    statement:
      "A copy is incremental only if a different snapshot of the same source DB instance was copied before to the " +
      "same destination (account and region) and that copy has completed; otherwise it is full (the first copy " +
      "into a region is always full).",
    url: COPY_GUIDE,
    section: "Incremental snapshot copying; Full and incremental copies",
    enforcedIn: "sim/aws/rds.ts RdsModel.incrementalBase",
  },
  {
    id: "INC-MOST-RECENT-DELETED",
    statement:
      "Whether a copy is incremental is decided by the most recently completed copy; if that copy was deleted, the " +
      "next copy is full.",
    url: COPY_GUIDE,
    section: "Incremental snapshot copying",
    enforcedIn: "sim/aws/rds.ts RdsModel.incrementalBase, RdsModel.remove (deletedCopyAt)",
  },
  {
    id: "INC-SAME-KMS-KEY",
    statement:
      "A copy is incremental only if all copies of that DB's snapshots in the destination are unencrypted or " +
      "encrypted with the same KMS key as the new copy.",
    url: COPY_GUIDE,
    section: "Incremental snapshot copying; Full and incremental copies",
    enforcedIn: "sim/aws/rds.ts RdsModel.incrementalBase",
  },
  {
    id: "AURORA-COPY-FULL",
    statement: "Aurora doesn't support incremental snapshot copying: DB cluster snapshot copies are always full.",
    url: AURORA_COPY_GUIDE,
    section: "Copying a DB cluster snapshot",
    enforcedIn: "sim/aws/rds.ts RdsModel.incrementalBase",
  },
  {
    id: "CLUSTER-COPY-ONE-HOP",
    statement:
      'A DB cluster snapshot is copied across accounts only within one region ("You can only copy DB cluster ' +
      "snapshots across accounts in the same AWS Region\"), so a shared cluster snapshot can't be copied into another " +
      "region in one step. AWS documents no error code for it: the model answers InvalidParameterCombination (a " +
      "common RDS error, APIReference/CommonErrors.html).",
    url: AURORA_CROSS_ACCOUNT_GUIDE,
    section: "Copying a DB cluster snapshot across accounts",
    enforcedIn: "sim/aws/rds.ts RdsModel.copySnapshot",
  },
  {
    id: "COPY-QUEUE-SAME-DB",
    statement:
      "Copies requested for the same source DB instance are queued internally: a later copy won't start until the " +
      "previous copies are completed (and shows no progress while queued).",
    url: COPY_GUIDE,
    section: "Limitations; Incremental snapshot copying",
    enforcedIn: "sim/aws/rds.ts RdsModel.queueStart; sim/aws/state.ts snapProgress",
  },
  {
    id: "COPIES-IN-FLIGHT",
    statement:
      "Up to 20 snapshot copy requests can be in progress to a single destination Region per account (older " +
      "guides: 5); beyond, CopyDBSnapshot answers SnapshotQuotaExceeded. Configurable (quotas.copiesInFlightPerRegion).",
    url: COPY_GUIDE,
    section: "Limitations",
    enforcedIn: "sim/aws/rds.ts RdsModel.copySnapshot (copiesInFlight)",
  },
  {
    id: "DELETE-SOURCE-TERMINATES-COPY",
    statement:
      'Deleting a snapshot that is being copied terminates the copy ("If the snapshot is being copied, the copy ' +
      "operation is terminated\"). AWS doesn't say what the copy then shows: the model marks it failed and moves the " +
      "DB's queued copies up (assumption TERMINATED_COPY_STATUS, config/assumptions.ts).",
    url: DELETE_API,
    section: "DeleteDBSnapshot (and DeleteDBClusterSnapshot): description",
    enforcedIn: "sim/aws/rds.ts RdsModel.deleteSnapshot, RdsModel.terminateCopy",
  },
  {
    id: "MANUAL-SNAPSHOT-QUOTA",
    statement:
      "Manual DB snapshots and manual DB cluster snapshots each have a per-account, per-region quota (default 100 " +
      "each); creating or copying beyond it answers SnapshotQuotaExceeded.",
    url: QUOTAS_GUIDE,
    section: "Quotas in Amazon RDS",
    enforcedIn: "sim/aws/rds.ts RdsModel.checkManualQuota",
  },
  {
    id: "SHARE-20-ACCOUNTS",
    statement: "A manual snapshot can be shared with at most 20 AWS accounts (SharedSnapshotQuotaExceeded beyond).",
    url: SHARE_GUIDE,
    section: "Sharing a DB snapshot",
    enforcedIn: "sim/aws/rds.ts RdsModel.modifyAttribute",
  },
  {
    id: "SHARE-AWS-MANAGED-KEY",
    statement: "A snapshot encrypted with the default AWS managed key (aws/rds) can't be shared.",
    url: SHARE_GUIDE,
    section: "Sharing encrypted snapshots",
    enforcedIn: "sim/aws/rds.ts RdsModel.modifyAttribute",
  },
  {
    id: "SHARE-ENCRYPTED-NOT-PUBLIC",
    statement: "An encrypted snapshot can't be made public.",
    url: SHARE_GUIDE,
    section: "Sharing encrypted snapshots",
    enforcedIn: "sim/aws/rds.ts RdsModel.modifyAttribute",
  },
  {
    id: "COPY-KMS-KEY-REQUIRED",
    statement:
      "Copying an encrypted snapshot shared from another account, or to another region, needs KmsKeyId (a key of " +
      "the destination region); KMS keys can't be used outside their region.",
    url: COPY_API,
    section: "Request Parameters, KmsKeyId",
    enforcedIn: "sim/aws/rds.ts RdsModel.copySnapshot, RdsModel.kmsFor",
  },
  {
    id: "COPY-SOURCE-KEY-ACCESS",
    statement: "To copy an encrypted snapshot shared from another account you must have access to its KMS key.",
    url: COPY_GUIDE,
    section: "Copying shared snapshots",
    enforcedIn: "sim/aws/rds.ts RdsModel.copySnapshot",
  },
  {
    id: "API-THROTTLING",
    statement:
      "RDS throttles API requests per account and region with a token bucket shared by every caller (default: a " +
      "burst of 300 requests, refilled at 12 per second); beyond, calls fail with Throttling. Off unless a model " +
      "or scenario sets apiRateLimit.",
    url: THROTTLING_GUIDE,
    section: "Request throttling for the Amazon RDS API; How throttling is applied",
    enforcedIn: "sim/aws/throttle.ts TokenBuckets; sim/aws/rdsModel.ts RdsWorld.gate",
  },
  {
    id: "COPY-BYTES",
    statement:
      "A copy's duration depends on the data it moves: a full copy the whole snapshot, an incremental one the data " +
      "changed since the previous copy. AWS publishes no throughput: the GB/h per kind of leg are assumptions " +
      "(config/assumptions.ts, copyMinutesFor).",
    url: COPY_GUIDE,
    section: "Incremental snapshot copying; Latency and multiple copy requests",
    enforcedIn: "sim/aws/rds.ts RdsModel.copySnapshot (gbMoved); sim/aws/state.ts DEFAULT_TIMING; sim/durations.ts",
  },
];

/** Rule ids, for lookups in tests and reports. */
export type ModelRuleId = (typeof MODEL_RULES)[number]["id"];
