/**
 * KMS key policies, as pure functions (tests evaluate them with an IAM simulator).
 *
 * Cross-account DR needs a customer-managed key: a snapshot under the AWS-managed `aws/rds` key cannot be shared.
 * The source key lets exactly the DR accounts use it, and only through RDS (`kms:ViaService`), and lets them create
 * grants only for AWS resources (`kms:GrantIsForAWSResource`) — what RDS needs to copy a shared encrypted snapshot.
 * The copy itself is re-encrypted with the DR account's own key, so it survives the loss of the source account.
 */
import { type PolicyDocument, rdsViaServices, type Statement } from "./iam";

/**
 * Account root may administer the key. Without it a key can become unmanageable (KMS default key policy); IAM
 * policies in the account then decide who uses it.
 */
export function accountRootStatement(partition: string, account: string): Statement {
  return {
    Sid: "AccountRootAdministersKey",
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${account}:root` },
    Action: "kms:*",
    Resource: "*",
  };
}

/** Inputs of {@link sourceKeyPolicy}. */
export interface SourceKeyPolicyInput {
  readonly partition: string;
  readonly account: string;
  /** Region of the key (the source region). */
  readonly region: string;
  /** DR accounts allowed to use the key through RDS (empty for the single-account `both` role). */
  readonly drAccounts: readonly string[];
  /** Extra regions whose RDS may use the key (direct cross-region copies run in the destination region). */
  readonly extraRdsRegions?: readonly string[];
}

/**
 * Regions besides the key's own whose RDS uses the source key: in `fan-out` and `direct` mode the DR account copies
 * the share straight into `drRegion` (one cross-account cross-region CopyDBSnapshot), so RDS there needs the key;
 * `two-step` copies the share only in its own region. Set the source stack's `drRegion` to the DR stacks' one.
 */
export function sourceKeyExtraRegions(copyMode: "fan-out" | "two-step" | "direct", drRegion?: string): string[] {
  return copyMode !== "two-step" && drRegion !== undefined ? [drRegion] : [];
}

/** Policy of the source CMK: the account administers it; the DR accounts use it through RDS only. */
export function sourceKeyPolicy(i: SourceKeyPolicyInput): PolicyDocument {
  const statements: Statement[] = [accountRootStatement(i.partition, i.account)];
  if (i.drAccounts.length > 0) {
    const principals = i.drAccounts.map((a) => `arn:${i.partition}:iam::${a}:root`);
    const via = { "kms:ViaService": rdsViaServices([i.region, ...(i.extraRdsRegions ?? [])]) };
    statements.push(
      {
        Sid: "DrAccountsUseKeyThroughRds",
        Effect: "Allow",
        Principal: { AWS: principals },
        Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        Resource: "*",
        Condition: { StringEquals: { ...via, "kms:CallerAccount": [...i.drAccounts] } },
      },
      {
        Sid: "DrAccountsGrantKeyToRds",
        Effect: "Allow",
        Principal: { AWS: principals },
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: {
          StringEquals: { ...via, "kms:CallerAccount": [...i.drAccounts] },
          Bool: { "kms:GrantIsForAWSResource": true },
        },
      },
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Policy of a DR key: the DR account administers it; its IAM policies (the Copier role) decide use. */
export function drKeyPolicy(partition: string, account: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [accountRootStatement(partition, account)] };
}

/** Policy of the alerts key: CloudWatch alarms may publish to the encrypted SNS topic. */
export function alertsKeyPolicy(partition: string, account: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      accountRootStatement(partition, account),
      {
        Sid: "CloudWatchPublishesToEncryptedTopic",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": account } },
      },
    ],
  };
}
