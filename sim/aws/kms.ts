/**
 * KMS keys of the model: customer-managed keys with an allow-list standing in for the key policy, and the
 * AWS-managed `alias/aws/rds` key that exists implicitly in every account and region.
 */
import type {
  DescribeKeyCommandInput,
  DescribeKeyCommandOutput,
  ListAliasesCommandInput,
  ListAliasesCommandOutput,
} from "@aws-sdk/client-kms";
import { accessDenied, kmsNotFound } from "./errors";
import { type KeyRecord, scope } from "./state";

/** Alias of the account's default RDS key; snapshots encrypted with it cannot be shared. */
export const AWS_RDS_ALIAS = "alias/aws/rds";

const META = { httpStatusCode: 200 };

/** The model's KMS keys, in every account and region. */
export class KmsModel {
  private readonly byArn = new Map<string, KeyRecord>();
  /** `account|region` -> key id / alias name -> key. */
  private readonly byScope = new Map<string, Map<string, KeyRecord>>();
  private counter = 0;

  /** Creates a key and returns its ARN. */
  createKey(
    account: string,
    region: string,
    opts: { managed?: "AWS" | "CUSTOMER"; alias?: string; allowAccounts?: readonly string[] } = {},
  ): string {
    if (opts.alias !== undefined && !opts.alias.startsWith("alias/")) {
      throw new Error(`createKey: alias must start with "alias/" (got "${opts.alias}")`);
    }
    const names = this.names(account, region);
    if (opts.alias && names.has(opts.alias)) {
      throw new Error(`createKey: alias ${opts.alias} already exists in ${account}/${region}`);
    }
    this.counter += 1;
    const id = `00000000-0000-4000-8000-${this.counter.toString(16).padStart(12, "0")}`;
    const key: KeyRecord = {
      arn: `arn:aws:kms:${region}:${account}:key/${id}`,
      id,
      account,
      region,
      managed: opts.managed ?? "CUSTOMER",
      aliases: new Set(opts.alias ? [opts.alias] : []),
      allowAccounts: new Set(opts.allowAccounts ?? []),
    };
    this.byArn.set(key.arn, key);
    names.set(id, key);
    if (opts.alias) names.set(opts.alias, key);
    return key.arn;
  }

  /** Lets `account` use the key (the key policy statement for another account). */
  allowKeyUse(keyArn: string, account: string): void {
    const key = this.byArn.get(keyArn);
    if (!key) throw new Error(`allowKeyUse: no key ${keyArn}`);
    key.allowAccounts.add(account);
  }

  /** The AWS-managed `aws/rds` key of an account and region, created on first use. */
  awsRdsKey(account: string, region: string): KeyRecord {
    const existing = this.names(account, region).get(AWS_RDS_ALIAS);
    if (existing) return existing;
    return this.byArn.get(this.createKey(account, region, { managed: "AWS", alias: AWS_RDS_ALIAS }))!;
  }

  /**
   * Resolves a key reference as the caller in `account`/`region` gives it: key ARN, alias ARN, key id or alias
   * name. Ids and alias names only resolve in the caller's own account and region, as in KMS.
   */
  resolve(account: string, region: string, ref: string): KeyRecord | undefined {
    if (ref.startsWith("arn:")) {
      // A key's own ARN (what snapshots and DBs hold): the map has it; only alias ARNs need taking apart.
      const direct = this.byArn.get(ref);
      if (direct !== undefined) return direct;
      const parts = ref.split(":");
      const resource = parts.slice(5).join(":");
      const [keyAccount, keyRegion] = [parts[4] ?? "", parts[3] ?? ""];
      if (resource.startsWith("alias/")) {
        if (resource === AWS_RDS_ALIAS) return this.awsRdsKey(keyAccount, keyRegion);
        return this.byScope.get(scope(keyAccount, keyRegion))?.get(resource);
      }
      return this.byArn.get(ref);
    }
    if (ref === AWS_RDS_ALIAS) return this.awsRdsKey(account, region);
    return this.byScope.get(scope(account, region))?.get(ref);
  }

  /** True when `account` may use the key (its own, or allowed by the key policy). */
  canUse(key: KeyRecord, account: string): boolean {
    return key.account === account || key.allowAccounts.has(account);
  }

  /** KMS DescribeKey. */
  describeKey(account: string, region: string, input: DescribeKeyCommandInput): DescribeKeyCommandOutput {
    const ref = input.KeyId ?? "";
    const key = this.resolve(account, region, ref);
    if (!key) throw kmsNotFound(ref);
    if (!this.canUse(key, account)) throw accessDenied("kms", account, "kms:DescribeKey");
    return {
      $metadata: META,
      KeyMetadata: {
        AWSAccountId: key.account,
        KeyId: key.id,
        Arn: key.arn,
        Enabled: true,
        KeyState: "Enabled",
        KeyManager: key.managed,
        KeyUsage: "ENCRYPT_DECRYPT",
        KeySpec: "SYMMETRIC_DEFAULT",
        Origin: "AWS_KMS",
        Description: key.managed === "AWS" ? "Default key that protects my RDS database volumes" : "",
      },
    };
  }

  /** KMS ListAliases (one page; the model has few aliases). */
  listAliases(account: string, region: string, input: ListAliasesCommandInput): ListAliasesCommandOutput {
    this.awsRdsKey(account, region);
    const filter = input.KeyId ? this.resolve(account, region, input.KeyId) : undefined;
    const aliases: NonNullable<ListAliasesCommandOutput["Aliases"]> = [];
    for (const [name, key] of this.names(account, region)) {
      if (!name.startsWith("alias/")) continue;
      if (input.KeyId && key !== filter) continue;
      aliases.push({ AliasName: name, AliasArn: `arn:aws:kms:${region}:${account}:${name}`, TargetKeyId: key.id });
    }
    return { $metadata: META, Aliases: aliases, Truncated: false };
  }

  private names(account: string, region: string): Map<string, KeyRecord> {
    const k = scope(account, region);
    let m = this.byScope.get(k);
    if (!m) {
      m = new Map();
      this.byScope.set(k, m);
    }
    return m;
  }
}
