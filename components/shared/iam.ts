/**
 * IAM policy documents of every role, as pure functions of plain strings, so tests can evaluate them request by
 * request (tests/components/iam.test.ts) and compare them exactly. Components call them inside `pulumi.all(...)`.
 *
 * Rules: exact actions, exact ARNs; snapshot ARNs limited to our `rpl-` identifiers; deletes only with the
 * ownership tag condition; never `rds:*`; `"*"` only for RDS Describe calls (see {@link describeStatement}).
 */
import { SOURCE_DB_DELETED_DETAIL_TYPE, SOURCE_DELETED_TAG } from "../../functions/lib/sourceDeleted";
import { COPY_TAG_KEYS, MANAGED_BY_VALUE, TAG, TAKE_TAG_KEYS } from "../../functions/lib/tags";

/** An IAM policy statement. */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: { AWS?: string | string[]; Service?: string | string[] } | "*";
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

/** Where a role works: partition, account and its home region. */
export interface AccountContext {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
}

/** Prefix of every snapshot identifier this tool creates (functions/lib/identifiers.ts). */
export const SNAPSHOT_ID_PREFIX = "rpl-";

/** RDS condition keys for the ownership tag on instance and cluster snapshots. */
export const OWNERSHIP_CONDITION = {
  snapshot: { StringEquals: { [`rds:snapshot-tag/${TAG.managedBy}`]: MANAGED_BY_VALUE } },
  clusterSnapshot: { StringEquals: { [`rds:cluster-snapshot-tag/${TAG.managedBy}`]: MANAGED_BY_VALUE } },
} as const;

/**
 * Condition of the Taker's and Copier's `rds:AddTagsToResource` (issue 11). RDS authorises the `Tags` of a
 * CreateDBSnapshot/CopyDBSnapshot as AddTagsToResource on the new snapshot, and `aws:RequestTag` / `aws:TagKeys`
 * describe that request (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/security_iam_id-based-policy-examples-grant-permissions-tags-on-create.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html). A tag call is allowed only
 * when it writes the ownership tag with our value together with the full creation tag set (`required` present,
 * `stage` one of ours) and no other key: a stray or partial tag call cannot mark a snapshot as owned.
 *
 * Limitation (docs/recovery-region.md): RDS has no condition key telling a create's tag call from a later one on an
 * existing snapshot (as `ec2:CreateAction` does for EC2), so the `rpl-*`, own-account, own-region resource ARN is
 * what keeps other snapshots out.
 */
export function ownTagsOnCreateCondition(
  keys: readonly string[],
  stages: readonly string[],
  required: readonly string[],
): NonNullable<Statement["Condition"]> {
  return {
    StringEquals: {
      [`aws:RequestTag/${TAG.managedBy}`]: MANAGED_BY_VALUE,
      [`aws:RequestTag/${TAG.stage}`]: stages.length === 1 ? stages[0]! : [...stages],
    },
    "ForAllValues:StringEquals": { "aws:TagKeys": [...keys] },
    Null: Object.fromEntries(required.map((k) => [`aws:RequestTag/${k}`, "false"])),
  };
}

/** ARN of our instance snapshots (`rpl-*`) in one account and region (`*` allowed). */
export function snapshotArn(partition: string, region: string, account: string, id = `${SNAPSHOT_ID_PREFIX}*`): string {
  return `arn:${partition}:rds:${region}:${account}:snapshot:${id}`;
}

/** ARN of our cluster snapshots (`rpl-*`) in one account and region (`*` allowed). */
export function clusterSnapshotArn(
  partition: string,
  region: string,
  account: string,
  id = `${SNAPSHOT_ID_PREFIX}*`,
): string {
  return `arn:${partition}:rds:${region}:${account}:cluster-snapshot:${id}`;
}

/** Trust policy letting one AWS service assume a role, optionally only on behalf of `sourceAccount`. */
export function trustPolicy(service: string, sourceAccount?: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        // Confused-deputy guard: the service may assume the role only for this account's resources.
        ...(sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } } : {}),
      },
    ],
  };
}

/**
 * RDS Describe calls. They take no resource-level restriction that works for listing (DescribeDBInstances,
 * DescribeDBSnapshots with no identifier, DescribeAccountAttributes), so `"*"`; they read metadata only.
 */
export function describeStatement(extra: readonly string[] = []): Statement {
  return {
    Sid: "DescribeRds",
    Effect: "Allow",
    Action: [
      "rds:DescribeDBInstances",
      "rds:DescribeDBClusters",
      "rds:DescribeDBSnapshots",
      "rds:DescribeDBClusterSnapshots",
      ...extra,
    ],
    Resource: "*",
  };
}

/** Writing to the Lambda's own log group only. */
export function logsStatement(logGroupArn: string): Statement {
  return {
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [`${logGroupArn}:*`],
  };
}

/** Inputs of {@link takerPolicy}. */
export interface TakerPolicyInput extends AccountContext {
  readonly logGroupArn: string;
}

/**
 * Taker: lists DBs and snapshots, reads the manual-snapshot quota, creates `rpl-*` snapshots of any DB (which DBs
 * is the regex/opt-in tag's job) with tags in the same call (CreateDBSnapshot with `Tags` also needs
 * `rds:AddTagsToResource` on the new snapshot).
 */
export function takerPolicy(i: TakerPolicyInput): PolicyDocument {
  const { partition: p, region: r, account: a } = i;
  return {
    Version: "2012-10-17",
    Statement: [
      describeStatement(["rds:DescribeAccountAttributes"]),
      {
        Sid: "CreateOwnSnapshots",
        Effect: "Allow",
        Action: ["rds:CreateDBSnapshot"],
        Resource: [`arn:${p}:rds:${r}:${a}:db:*`, snapshotArn(p, r, a)],
      },
      {
        Sid: "CreateOwnClusterSnapshots",
        Effect: "Allow",
        Action: ["rds:CreateDBClusterSnapshot"],
        Resource: [`arn:${p}:rds:${r}:${a}:cluster:*`, clusterSnapshotArn(p, r, a)],
      },
      {
        Sid: "TagOwnSnapshotsOnCreate",
        Effect: "Allow",
        Action: ["rds:AddTagsToResource"],
        Resource: [snapshotArn(p, r, a), clusterSnapshotArn(p, r, a)],
        Condition: ownTagsOnCreateCondition(TAKE_TAG_KEYS, ["source"], [TAG.recoveryPoint, TAG.sourceDb]),
      },
      {
        // A DB with CopyTagsToSnapshot passes its own tags to the new snapshot; RDS authorises those with
        // rds:TagsFromRequest = false. They may never include the ownership tag.
        Sid: "KeepInheritedTagsOnCreate",
        Effect: "Allow",
        Action: ["rds:AddTagsToResource"],
        Resource: [snapshotArn(p, r, a), clusterSnapshotArn(p, r, a)],
        Condition: {
          Bool: { "rds:TagsFromRequest": false },
          "ForAllValues:StringNotEquals": { "aws:TagKeys": [TAG.managedBy] },
        },
      },
      logsStatement(i.logGroupArn),
    ],
  };
}

/** Inputs of {@link sharerPolicy}. */
export interface SharerPolicyInput extends AccountContext {
  readonly logGroupArn: string;
  /** DR event buses the Sharer notifies (may be empty). */
  readonly eventBusArns: readonly string[];
}

/**
 * Sharer: shares (and tags as shared) only snapshots carrying the ownership tag, reads which manager owns their key,
 * and notifies the DR buses.
 */
export function sharerPolicy(i: SharerPolicyInput): PolicyDocument {
  const { partition: p, region: r, account: a } = i;
  return {
    Version: "2012-10-17",
    Statement: [
      describeStatement(),
      {
        // Shares, reads the share list, and records the shared-with set in a tag (functions/share markShared).
        Sid: "ShareOwnSnapshots",
        Effect: "Allow",
        Action: ["rds:ModifyDBSnapshotAttribute", "rds:DescribeDBSnapshotAttributes", "rds:AddTagsToResource"],
        Resource: [snapshotArn(p, r, a)],
        Condition: OWNERSHIP_CONDITION.snapshot,
      },
      {
        Sid: "ShareOwnClusterSnapshots",
        Effect: "Allow",
        Action: [
          "rds:ModifyDBClusterSnapshotAttribute",
          "rds:DescribeDBClusterSnapshotAttributes",
          "rds:AddTagsToResource",
        ],
        Resource: [clusterSnapshotArn(p, r, a)],
        Condition: OWNERSHIP_CONDITION.clusterSnapshot,
      },
      {
        // A snapshot under the AWS-managed aws/rds key cannot be shared: the Sharer checks KeyManager first.
        Sid: "ReadSnapshotKeyManager",
        Effect: "Allow",
        Action: ["kms:DescribeKey"],
        Resource: [`arn:${p}:kms:${r}:${a}:key/*`],
      },
      ...(i.eventBusArns.length > 0
        ? [
            {
              Sid: "NotifyDrBuses",
              Effect: "Allow" as const,
              Action: ["events:PutEvents"],
              Resource: [...i.eventBusArns],
            },
          ]
        : []),
      logsStatement(i.logGroupArn),
    ],
  };
}

/** Inputs of {@link copierPolicy}. */
export interface CopierPolicyInput extends AccountContext {
  readonly logGroupArn: string;
  /** Accounts whose shared `rpl-*` snapshots may be copied. */
  readonly sourceAccounts: readonly string[];
  /** Second region of the DR account (undefined = home region only). */
  readonly drRegion?: string;
  /** DR keys (home region and DR region) the copies are encrypted with. */
  readonly drKeyArns: readonly string[];
  /**
   * Source keys the shared snapshots are encrypted with. Default: any key of the source accounts, still usable
   * only through RDS (the source key policy is the real gate).
   */
  readonly sourceKeyArns?: readonly string[];
  /** Allow deleting the intermediate home-region copy (tag-conditioned). */
  readonly deleteIntermediate: boolean;
}

/** The RDS endpoints a key may be used through (`kms:ViaService`). */
export function rdsViaServices(regions: readonly string[]): string[] {
  return [...new Set(regions)].map((r) => `rds.${r}.amazonaws.com`);
}

/**
 * Copier: copies shared `rpl-*` snapshots of the source accounts (any region, for
 * the direct cross-account cross-region mode) and its own `rpl-*` copies on into the DR region, re-encrypting with
 * the DR keys; uses keys only through RDS; deletes intermediate copies only when they carry the ownership tag.
 */
export function copierPolicy(i: CopierPolicyInput): PolicyDocument {
  const { partition: p, region: home, account: a } = i;
  const regions = i.drRegion ? [home, i.drRegion] : [home];
  const via = { StringEquals: { "kms:ViaService": rdsViaServices(regions) } };
  const sourceKeys = i.sourceKeyArns ?? i.sourceAccounts.map((s) => `arn:${p}:kms:*:${s}:key/*`);
  const ownSnapshots = regions.map((r) => snapshotArn(p, r, a));
  const ownClusterSnapshots = regions.map((r) => clusterSnapshotArn(p, r, a));
  const statements: Statement[] = [
    describeStatement(),
    {
      Sid: "CopySharedAndOwnSnapshots",
      Effect: "Allow",
      Action: ["rds:CopyDBSnapshot"],
      Resource: [...i.sourceAccounts.map((s) => snapshotArn(p, "*", s)), ...ownSnapshots],
    },
    {
      Sid: "CopySharedAndOwnClusterSnapshots",
      Effect: "Allow",
      Action: ["rds:CopyDBClusterSnapshot"],
      Resource: [...i.sourceAccounts.map((s) => clusterSnapshotArn(p, "*", s)), ...ownClusterSnapshots],
    },
    {
      Sid: "TagOwnCopies",
      Effect: "Allow",
      Action: ["rds:AddTagsToResource"],
      Resource: [...ownSnapshots, ...ownClusterSnapshots],
      Condition: ownTagsOnCreateCondition(
        COPY_TAG_KEYS,
        ["dr", "dr-region"],
        [TAG.recoveryPoint, TAG.sourceDb, TAG.copiedFrom],
      ),
    },
    ...markSourceDeletedStatements(ownSnapshots, ownClusterSnapshots),
    {
      Sid: "UseDrKeysThroughRds",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      Resource: [...i.drKeyArns],
      Condition: via,
    },
    {
      Sid: "GrantDrKeysToRds",
      Effect: "Allow",
      Action: ["kms:CreateGrant"],
      Resource: [...i.drKeyArns],
      Condition: { ...via, Bool: { "kms:GrantIsForAWSResource": true } },
    },
    {
      Sid: "UseSourceKeysThroughRds",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
      Resource: [...sourceKeys],
      Condition: via,
    },
    {
      Sid: "GrantSourceKeysToRds",
      Effect: "Allow",
      Action: ["kms:CreateGrant"],
      Resource: [...sourceKeys],
      Condition: { ...via, Bool: { "kms:GrantIsForAWSResource": true } },
    },
  ];
  if (i.deleteIntermediate) {
    statements.push(
      {
        Sid: "DeleteOwnIntermediateCopies",
        Effect: "Allow",
        Action: ["rds:DeleteDBSnapshot"],
        Resource: [snapshotArn(p, home, a)],
        Condition: OWNERSHIP_CONDITION.snapshot,
      },
      {
        Sid: "DeleteOwnIntermediateClusterCopies",
        Effect: "Allow",
        Action: ["rds:DeleteDBClusterSnapshot"],
        Resource: [clusterSnapshotArn(p, home, a)],
        Condition: OWNERSHIP_CONDITION.clusterSnapshot,
      },
    );
  }
  statements.push(logsStatement(i.logGroupArn));
  return { Version: "2012-10-17", Statement: statements };
}

/** Checker (the Copier's read-only companion): lists snapshots and writes its own logs, nothing else. */
export function checkerPolicy(logGroupArn: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [describeStatement(), logsStatement(logGroupArn)] };
}

/** Inputs of {@link janitorPolicy}. */
export interface JanitorPolicyInput extends AccountContext {
  readonly logGroupArn: string;
  /** Regions the Janitor sweeps. */
  readonly regions: readonly string[];
}

/** Janitor: deletes `rpl-*` snapshots in its regions, and only those carrying the ownership tag. */
export function janitorPolicy(i: JanitorPolicyInput): PolicyDocument {
  const { partition: p, account: a } = i;
  return {
    Version: "2012-10-17",
    Statement: [
      describeStatement(),
      {
        Sid: "DeleteOwnedSnapshots",
        Effect: "Allow",
        Action: ["rds:DeleteDBSnapshot"],
        Resource: i.regions.map((r) => snapshotArn(p, r, a)),
        Condition: OWNERSHIP_CONDITION.snapshot,
      },
      {
        Sid: "DeleteOwnedClusterSnapshots",
        Effect: "Allow",
        Action: ["rds:DeleteDBClusterSnapshot"],
        Resource: i.regions.map((r) => clusterSnapshotArn(p, r, a)),
        Condition: OWNERSHIP_CONDITION.clusterSnapshot,
      },
      logsStatement(i.logGroupArn),
    ],
  };
}

/** State machine role: invoke exactly its step Lambdas (and their versions). */
export function stateMachinePolicy(functionArns: readonly string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "InvokeStepFunctions",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: functionArns.flatMap((f) => [f, `${f}:*`]),
      },
    ],
  };
}

/**
 * What a state machine with a Distributed Map needs on itself (components/shared/sweepMachine.ts): start its own
 * child executions, and describe and stop them. Only the DISTRIBUTED sweep mode needs it; an INLINE Map needs nothing
 * beyond the Lambda invocations. Source: Step Functions developer guide, "IAM policies for using Distributed Map
 * states", https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html (child executions
 * are named `execution:<stateMachineName>/<mapRunLabel>:<id>`, hence the `/*` pattern).
 */
export function distributedMapPolicy(stateMachineArn: string): PolicyDocument {
  // arn:aws:states:<region>:<account>:stateMachine:<name> -> arn:aws:states:<region>:<account>:execution:<name>/*
  const executions = `${stateMachineArn.replace(":stateMachine:", ":execution:")}/*`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "StartOwnChildExecutions",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [stateMachineArn],
      },
      {
        Sid: "TrackOwnChildExecutions",
        Effect: "Allow",
        Action: ["states:DescribeExecution", "states:StopExecution"],
        Resource: [executions],
      },
    ],
  };
}

/** Scheduler / EventBridge rule role: start exactly one state machine. */
export function startExecutionPolicy(stateMachineArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "StartPipelineMachine", Effect: "Allow", Action: ["states:StartExecution"], Resource: [stateMachineArn] },
    ],
  };
}

/**
 * Copier: mark its own copies of a source DB deleted in production (functions/copy/sourceDeleted.ts): only copies
 * carrying the ownership tag, and only the one tag key `rpl-source-deleted-at`.
 */
function markSourceDeletedStatements(ownSnapshots: string[], ownClusterSnapshots: string[]): Statement[] {
  const onlyKey = { "ForAllValues:StringEquals": { "aws:TagKeys": [SOURCE_DELETED_TAG] } };
  return [
    {
      Sid: "MarkOwnCopiesSourceDeleted",
      Effect: "Allow",
      Action: ["rds:AddTagsToResource"],
      Resource: ownSnapshots,
      Condition: { ...OWNERSHIP_CONDITION.snapshot, ...onlyKey, Null: { "aws:TagKeys": "false" } },
    },
    {
      Sid: "MarkOwnClusterCopiesSourceDeleted",
      Effect: "Allow",
      Action: ["rds:AddTagsToResource"],
      Resource: ownClusterSnapshots,
      Condition: { ...OWNERSHIP_CONDITION.clusterSnapshot, ...onlyKey, Null: { "aws:TagKeys": "false" } },
    },
  ];
}

/** Resource policy of the DR event bus: only the source accounts, only our source and detail-type. */
export function drEventBusPolicy(busArn: string, sourceAccounts: readonly string[], partition = "aws"): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "SourceAccountsPutShareEvents",
        Effect: "Allow",
        Principal: { AWS: sourceAccounts.map((s) => `arn:${partition}:iam::${s}:root`) },
        Action: "events:PutEvents",
        Resource: busArn,
        // events:source and events:detail-type are multivalued for PutEvents (one value per entry of the batch):
        // every entry must match (ForAllValues), and the keys must be present (an empty set would match vacuously).
        Condition: {
          "ForAllValues:StringEquals": {
            "events:source": [SHARE_EVENT_SOURCE],
            "events:detail-type": [SHARE_DETAIL_TYPE, SOURCE_DB_DELETED_DETAIL_TYPE],
          },
          Null: { "events:source": "false", "events:detail-type": "false" },
        },
      },
    ],
  };
}

/** Detail-type of the "snapshot shared" event (CONTRACTS.md "Event contract"). */
export const SHARE_DETAIL_TYPE = "RDS Pilot Light Snapshot Shared";
/** Source of the "snapshot shared" event. */
export const SHARE_EVENT_SOURCE = "rds-pilot-light";
