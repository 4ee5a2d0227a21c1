/**
 * Environment of the Copier (and of the Checker, which shares it): which source accounts' shares to copy, the DR
 * keys per region, the optional second (DR) region, the copy mode and the in-flight limit. Parsed once at cold start;
 * a bad variable fails the cold start with a ConfigError naming it.
 */
import * as z from "zod/mini";
import { accountList, bool, parseEnv, positiveInt, region } from "../lib/env";
import { ConfigError } from "../lib/errors";
import { runtimeRegion } from "../lib/lambda";
import { DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB } from "./perDbCap";

/**
 * How the DR copies are made (docs/copy-topology.md):
 * - `fan-out` (default): the home-region copy and the DR-region copy both come from the source's shared snapshot,
 *   requested at once; the DR-region copy is one cross-account cross-region CopyDBSnapshot. DB clusters fall back to
 *   `two-step` (Aurora cannot copy across account and region in one step).
 * - `two-step`: share -> home-region copy -> DR-region copy of that copy (a copy of a copy: always a full copy).
 * - `direct`: one copy from the share into the DR region, no home-region copy.
 */
export type CopyMode = "fan-out" | "two-step" | "direct";

/** Copy modes, default first. */
export const COPY_MODES = ["fan-out", "two-step", "direct"] as const satisfies readonly CopyMode[];

/**
 * Largest `RPL_MAX_COPIES_IN_FLIGHT`: RDS allows up to 20 snapshot copy requests in progress to one destination
 * region per account (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html; older pages
 * said 5). A higher setting would only turn into SnapshotQuotaExceeded faults.
 */
export const MAX_COPIES_IN_FLIGHT_LIMIT = 20;

/** Default of `RPL_MAX_COPIES_IN_FLIGHT`: the older, lower RDS limit of copies in progress per destination region. */
export const DEFAULT_MAX_COPIES_IN_FLIGHT = 5;

/**
 * Default of `RPL_COPY_WINDOW_HOURS`: the default `retention.allHours` of the DR Janitor, which keeps every copy
 * younger than that (config/derive.ts sets the variable from the stack's retention).
 */
export const DEFAULT_COPY_WINDOW_HOURS = 24;

/** Default of `RPL_EXPECTED_COPY_MINUTES`: the stack default of `expectedCopyMinutes` (config/schema.ts). */
export const DEFAULT_EXPECTED_COPY_MINUTES = 20;

/** Parsed Copier/Checker configuration. */
export interface CopyConfig {
  /** Region the Lambda runs in (`AWS_REGION`): where the shares are visible and the first copy lands. */
  readonly region: string;
  /** `RPL_SOURCE_ACCOUNTS`: only snapshots shared by these accounts are copied. */
  readonly sourceAccounts: readonly string[];
  /** `RPL_DR_KMS_KEY_ARN`: the DR account's key in {@link region}; every home-region copy is encrypted with it. */
  readonly drKmsKeyArn: string;
  /** `RPL_DR_REGION`: region of the second copy; undefined = no regional copy. */
  readonly drRegion?: string;
  /** `RPL_DR_REGION_KMS_KEY_ARN`: the DR account's key in {@link drRegion}. Set exactly when `drRegion` is. */
  readonly drRegionKmsKeyArn?: string;
  /** `RPL_COPY_MODE`. */
  readonly mode: CopyMode;
  /** `RPL_MAX_COPIES_IN_FLIGHT`: copies in progress allowed per destination region. */
  readonly maxCopiesInFlight: number;
  /**
   * `RPL_MAX_COPIES_IN_FLIGHT_PER_DB`: copies in progress one source DB may hold per destination region, from 1 to
   * {@link maxCopiesInFlight}, so a DB whose copies cannot keep up cannot take every slot (functions/copy/perDbCap.ts).
   * Undefined: no per-DB cap (only hand-built configs in tests; {@link parseCopyConfig} always sets it).
   */
  readonly maxCopiesInFlightPerDb?: number;
  /** `RPL_DELETE_INTERMEDIATE`: delete the home-region copy once the DR-region copy is available. */
  readonly deleteIntermediate: boolean;
  /**
   * `RPL_COPY_WINDOW_HOURS`: recovery points older than this many hours are never copied (again). At least 1; set to
   * the DR Janitor's `retention.allHours` so a copy retention deleted is not copied back from the source.
   */
  readonly copyWindowHours: number;
  /**
   * `RPL_EXPECTED_COPY_MINUTES`: minutes a copy usually takes (the stack's `expectedCopyMinutes`). The summary's
   * `nextCheckSeconds` (copy/nextCheck.ts) falls back to it for a copy that shows no progress yet. At least 0; the
   * parser always sets it, and {@link DEFAULT_EXPECTED_COPY_MINUTES} applies where a hand-built config leaves it out.
   */
  readonly expectedCopyMinutes?: number;
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/[A-Za-z0-9/_-]+$/;
const kmsArn = z
  .string("is required: the ARN of a KMS key")
  .check(z.regex(KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"));

const schema = z.object({
  RPL_SOURCE_ACCOUNTS: z.pipe(z.string("is required: comma list of 12-digit source account ids"), accountList),
  RPL_DR_KMS_KEY_ARN: kmsArn,
  RPL_DR_REGION: z.optional(region),
  RPL_DR_REGION_KMS_KEY_ARN: z.optional(kmsArn),
  RPL_COPY_MODE: z._default(z.enum(COPY_MODES, "must be fan-out, two-step or direct"), "fan-out"),
  RPL_MAX_COPIES_IN_FLIGHT: z.prefault(positiveInt("copies"), String(DEFAULT_MAX_COPIES_IN_FLIGHT)),
  RPL_MAX_COPIES_IN_FLIGHT_PER_DB: z.prefault(positiveInt("copies"), String(DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB)),
  RPL_DELETE_INTERMEDIATE: z.prefault(bool, "false"),
  RPL_COPY_WINDOW_HOURS: z.prefault(positiveInt("hours"), String(DEFAULT_COPY_WINDOW_HOURS)),
  RPL_EXPECTED_COPY_MINUTES: z.prefault(positiveInt("minutes"), String(DEFAULT_EXPECTED_COPY_MINUTES)),
});

/** Parses the Copier/Checker environment; throws a ConfigError naming every bad or inconsistent variable. */
export function parseCopyConfig(
  env: Readonly<Record<string, string | undefined>>,
  step: "copy" | "check" = "copy",
): CopyConfig {
  // An empty string means "unset" for the optional variables (Pulumi writes "" for absent optional config).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const e = parseEnv(step, schema, cleaned);
  const home = runtimeRegion(env);
  const problems: string[] = [];
  const keyRegion = (arn: string) => KMS_KEY_ARN.exec(arn)?.[1];

  // KMS keys are regional: RDS rejects a key from another region, so catch the mix-up at cold start.
  if (keyRegion(e.RPL_DR_KMS_KEY_ARN) !== home) {
    problems.push(
      `RPL_DR_KMS_KEY_ARN must be a key in the Lambda's region ${home} (got ${JSON.stringify(e.RPL_DR_KMS_KEY_ARN)})`,
    );
  }
  if (e.RPL_MAX_COPIES_IN_FLIGHT < 1 || e.RPL_MAX_COPIES_IN_FLIGHT > MAX_COPIES_IN_FLIGHT_LIMIT) {
    problems.push(
      `RPL_MAX_COPIES_IN_FLIGHT must be from 1 to ${MAX_COPIES_IN_FLIGHT_LIMIT}, the RDS limit of copies in progress per destination region (got "${e.RPL_MAX_COPIES_IN_FLIGHT}")`,
    );
  }
  const perDb = e.RPL_MAX_COPIES_IN_FLIGHT_PER_DB;
  const maxValid = e.RPL_MAX_COPIES_IN_FLIGHT >= 1 && e.RPL_MAX_COPIES_IN_FLIGHT <= MAX_COPIES_IN_FLIGHT_LIMIT;
  // Judged against a valid RPL_MAX_COPIES_IN_FLIGHT only: a bad one has its own message.
  if (perDb < 1 || (maxValid && perDb > e.RPL_MAX_COPIES_IN_FLIGHT)) {
    problems.push(
      `RPL_MAX_COPIES_IN_FLIGHT_PER_DB must be from 1 to RPL_MAX_COPIES_IN_FLIGHT (${e.RPL_MAX_COPIES_IN_FLIGHT}), the copies in progress one DB may hold per destination region (got "${perDb}")`,
    );
  }
  if (e.RPL_COPY_WINDOW_HOURS < 1) {
    problems.push(
      `RPL_COPY_WINDOW_HOURS must be at least 1 (got "${e.RPL_COPY_WINDOW_HOURS}"); a zero window would copy nothing`,
    );
  }
  if (e.RPL_DR_REGION !== undefined) {
    if (e.RPL_DR_REGION === home) {
      problems.push(`RPL_DR_REGION must differ from the Lambda's region ${home}; unset it for a single-region copy`);
    }
    if (e.RPL_DR_REGION_KMS_KEY_ARN === undefined) {
      problems.push(`RPL_DR_REGION_KMS_KEY_ARN is required when RPL_DR_REGION is set (got unset)`);
    } else if (keyRegion(e.RPL_DR_REGION_KMS_KEY_ARN) !== e.RPL_DR_REGION) {
      problems.push(
        `RPL_DR_REGION_KMS_KEY_ARN must be a key in RPL_DR_REGION ${e.RPL_DR_REGION} (got ${JSON.stringify(e.RPL_DR_REGION_KMS_KEY_ARN)})`,
      );
    }
  } else {
    if (e.RPL_DR_REGION_KMS_KEY_ARN !== undefined) {
      problems.push(`RPL_DR_REGION_KMS_KEY_ARN is set but RPL_DR_REGION is not; set both or neither`);
    }
    if (e.RPL_COPY_MODE === "direct") {
      problems.push(`RPL_COPY_MODE=direct needs RPL_DR_REGION (the region to copy into); set it or use two-step`);
    }
    // Without a DR region there is one copy (home region) and fan-out and two-step are the same thing.
    if (e.RPL_DELETE_INTERMEDIATE) {
      problems.push(`RPL_DELETE_INTERMEDIATE=true needs RPL_DR_REGION; without it the home copy is the only copy`);
    }
  }
  if (e.RPL_DELETE_INTERMEDIATE && e.RPL_COPY_MODE === "fan-out" && e.RPL_DR_REGION !== undefined) {
    // In fan-out the home-region copy is a DR copy in its own right, and deleting it makes the next one full.
    problems.push(
      "RPL_DELETE_INTERMEDIATE=true does not apply to RPL_COPY_MODE=fan-out, whose home-region copy is not an " +
        "intermediate; use two-step, or direct for no home-region copy",
    );
  }
  if (problems.length > 0) throw new ConfigError(`${step} Lambda configuration is invalid: ${problems.join("; ")}`);

  return {
    region: home,
    sourceAccounts: e.RPL_SOURCE_ACCOUNTS,
    drKmsKeyArn: e.RPL_DR_KMS_KEY_ARN,
    ...(e.RPL_DR_REGION !== undefined ? { drRegion: e.RPL_DR_REGION } : {}),
    ...(e.RPL_DR_REGION_KMS_KEY_ARN !== undefined ? { drRegionKmsKeyArn: e.RPL_DR_REGION_KMS_KEY_ARN } : {}),
    mode: e.RPL_COPY_MODE,
    maxCopiesInFlight: e.RPL_MAX_COPIES_IN_FLIGHT,
    maxCopiesInFlightPerDb: e.RPL_MAX_COPIES_IN_FLIGHT_PER_DB,
    deleteIntermediate: e.RPL_DELETE_INTERMEDIATE,
    copyWindowHours: e.RPL_COPY_WINDOW_HOURS,
    expectedCopyMinutes: e.RPL_EXPECTED_COPY_MINUTES,
  };
}
