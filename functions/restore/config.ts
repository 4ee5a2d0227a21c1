/**
 * Environment of the restorer Lambda (DR account). Parsed once at cold start; a bad variable fails the cold start
 * with a ConfigError naming it.
 */
import * as z from "zod/mini";
import { type DbRef, parseDbRefList } from "../freshness/dbRefs";
import { bool, parseEnv, region } from "../lib/env";
import { ConfigError } from "../lib/errors";
import { runtimeRegion } from "../lib/lambda";

/** Prefix of every temporary drill DB; the Lambda's delete permission covers only this prefix. */
export const DRILL_PREFIX = "rpl-drill-";

/** Parsed restorer configuration. */
export interface RestoreConfig {
  /** Region the Lambda runs in. */
  readonly region: string;
  /** Region whose copies are restored, and where the DBs are created (`RPL_RESTORE_REGION`, default own). */
  readonly restoreRegion: string;
  /** DB subnet group in the restore region (`RPL_SUBNET_GROUP`). */
  readonly subnetGroup: string;
  /** VPC security group ids (`RPL_SECURITY_GROUP_IDS`). */
  readonly securityGroupIds: readonly string[];
  /** Instance class for restored instances and Aurora members (`RPL_INSTANCE_CLASS`; instances default to the snapshot's). */
  readonly instanceClass?: string;
  /** Instance class for drills (`RPL_DRILL_INSTANCE_CLASS`, default `instanceClass`). */
  readonly drillInstanceClass?: string;
  /** DB parameter group (`RPL_PARAMETER_GROUP`). */
  readonly parameterGroup?: string;
  /** DB cluster parameter group (`RPL_CLUSTER_PARAMETER_GROUP`). */
  readonly clusterParameterGroup?: string;
  /** Multi-AZ instances; for Aurora two instances instead of one (`RPL_MULTI_AZ`, default false). */
  readonly multiAz: boolean;
  /** KMS key for restored Aurora clusters (`RPL_KMS_KEY_ARN`); instances keep the copy's key. */
  readonly kmsKeyArn?: string;
  /** Prefix of restored DB identifiers in failover mode (`RPL_NAME_PREFIX`, default none). */
  readonly namePrefix: string;
  /** DBs never restored by "all" (`RPL_RETIRED_DBS`). */
  readonly retired: readonly DbRef[];
}

const unsetIfEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

const name = (what: string) =>
  z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9.-]{0,254}$/, `must be an RDS ${what} name (letters, digits, hyphens)`));

const schema = z.object({
  RPL_RESTORE_REGION: z.optional(region),
  RPL_SUBNET_GROUP: z.string().check(z.regex(/^[A-Za-z0-9 ._-]{1,255}$/, "must name a DB subnet group")),
  RPL_SECURITY_GROUP_IDS: z.optional(z.string()),
  RPL_INSTANCE_CLASS: z.optional(
    z.string().check(z.regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, "must be a class such as db.r6g.large")),
  ),
  RPL_DRILL_INSTANCE_CLASS: z.optional(
    z.string().check(z.regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, "must be a class such as db.t4g.medium")),
  ),
  RPL_PARAMETER_GROUP: z.optional(name("parameter group")),
  RPL_CLUSTER_PARAMETER_GROUP: z.optional(name("cluster parameter group")),
  RPL_MULTI_AZ: z.prefault(bool, "false"),
  RPL_KMS_KEY_ARN: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:kms:/, "must be a KMS key ARN"))),
  RPL_NAME_PREFIX: z.prefault(
    z
      .string()
      .check(
        z.regex(/^(?:[a-z](?:[a-z0-9]|-(?!-))*)?$/, "must be empty or start with a letter (a-z, 0-9, single hyphens)"),
      ),
    "",
  ),
  RPL_RETIRED_DBS: z.optional(z.string()),
});

/** Parses the restorer's environment; throws a ConfigError naming every bad variable. */
export function parseRestoreConfig(env: Readonly<Record<string, string | undefined>>): RestoreConfig {
  const keys = Object.keys(schema.shape) as (keyof typeof schema.shape)[];
  const cleaned = Object.fromEntries(keys.map((k) => [k, unsetIfEmpty(env[k])]));
  const p = parseEnv("restore", schema, cleaned);
  const bad: string[] = [];
  const sgs = (p.RPL_SECURITY_GROUP_IDS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const sg of sgs)
    if (!/^sg-[0-9a-f]{8,17}$/.test(sg)) bad.push(`RPL_SECURITY_GROUP_IDS: "${sg}" is not a security group id`);
  const retired = parseDbRefList(p.RPL_RETIRED_DBS);
  bad.push(...retired.errors.map((e) => `RPL_RETIRED_DBS: ${e}`));
  if (p.RPL_NAME_PREFIX.startsWith(DRILL_PREFIX)) {
    bad.push(
      `RPL_NAME_PREFIX: must not start with "${DRILL_PREFIX}" (that prefix is reserved for drills, which get deleted)`,
    );
  }
  if (bad.length > 0) throw new ConfigError(`restore Lambda configuration is invalid: ${bad.join("; ")}`);
  const own = runtimeRegion(env);
  return {
    region: own,
    restoreRegion: p.RPL_RESTORE_REGION ?? own,
    subnetGroup: p.RPL_SUBNET_GROUP,
    securityGroupIds: sgs,
    ...(p.RPL_INSTANCE_CLASS ? { instanceClass: p.RPL_INSTANCE_CLASS } : {}),
    ...(p.RPL_DRILL_INSTANCE_CLASS ? { drillInstanceClass: p.RPL_DRILL_INSTANCE_CLASS } : {}),
    ...(p.RPL_PARAMETER_GROUP ? { parameterGroup: p.RPL_PARAMETER_GROUP } : {}),
    ...(p.RPL_CLUSTER_PARAMETER_GROUP ? { clusterParameterGroup: p.RPL_CLUSTER_PARAMETER_GROUP } : {}),
    multiAz: p.RPL_MULTI_AZ,
    ...(p.RPL_KMS_KEY_ARN ? { kmsKeyArn: p.RPL_KMS_KEY_ARN } : {}),
    namePrefix: p.RPL_NAME_PREFIX,
    retired: retired.refs,
  };
}
