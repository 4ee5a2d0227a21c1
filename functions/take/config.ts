/**
 * Environment of the Taker Lambda (source account). Parsed once at cold start; a bad variable fails the cold start
 * with a ConfigError naming it.
 */
import * as z from "zod/mini";
import { parseEnv, positiveInt, regexSource } from "../lib/env";
import { runtimeRegion } from "../lib/lambda";

/** Default `RPL_DB_ID_REGEX`: every DB instance and cluster. */
export const DEFAULT_DB_ID_REGEX = ".*";
/** Default `RPL_INTERVAL_MINUTES`. */
export const DEFAULT_INTERVAL_MINUTES = 60;
/** Default `RPL_QUOTA_HEADROOM`: manual snapshots left free for people (and other tools) in an emergency. */
export const DEFAULT_QUOTA_HEADROOM = 2;
/** Longest interval accepted: 31 days (the slot arithmetic works for any value; longer is surely a typo). */
export const MAX_INTERVAL_MINUTES = 31 * 24 * 60;

/** A tag a DB must carry to be snapshotted: any value when `value` is undefined. */
export interface OptInTag {
  readonly key: string;
  readonly value?: string;
}

/** Parsed Taker configuration. */
export interface TakeConfig {
  /** Region the Lambda works in (its own). */
  readonly region: string;
  /** DB instance/cluster identifiers must match (`RegExp.test`, unanchored unless the pattern anchors itself). */
  readonly dbIdRegex: RegExp;
  /** Tag a DB must carry (optional). */
  readonly optInTag?: OptInTag;
  /** Schedule slot length in minutes: at most one snapshot per DB per slot. */
  readonly intervalMinutes: number;
  /** Manual-snapshot quota to keep free; DBs that would eat into it are skipped and the run fails. */
  readonly quotaHeadroom: number;
}

/** Empty strings mean "unset": components pass `""` for optional variables they do not use. */
const unsetIfEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

const optInTag = z.pipe(
  z.string(),
  z.transform((v, ctx): OptInTag => {
    const eq = v.indexOf("=");
    const key = (eq < 0 ? v : v.slice(0, eq)).trim();
    if (key === "") {
      ctx.issues.push({ code: "custom", message: "must be `key` or `key=value` with a non-empty key", input: v });
    }
    return eq < 0 ? { key } : { key, value: v.slice(eq + 1).trim() };
  }),
);

const schema = z.object({
  RPL_DB_ID_REGEX: z.prefault(regexSource, DEFAULT_DB_ID_REGEX),
  RPL_OPT_IN_TAG: z.optional(optInTag),
  RPL_INTERVAL_MINUTES: z
    .prefault(positiveInt("minutes"), String(DEFAULT_INTERVAL_MINUTES))
    .check(
      z.refine((n) => n >= 1 && n <= MAX_INTERVAL_MINUTES, `must be between 1 and ${MAX_INTERVAL_MINUTES} minutes`),
    ),
  RPL_QUOTA_HEADROOM: z.prefault(positiveInt("snapshots"), String(DEFAULT_QUOTA_HEADROOM)),
});

/** Parses the Taker's environment; throws a ConfigError naming every bad variable. */
export function parseTakeConfig(env: Readonly<Record<string, string | undefined>>): TakeConfig {
  const cleaned: Record<string, string> = {};
  for (const key of ["RPL_DB_ID_REGEX", "RPL_OPT_IN_TAG", "RPL_INTERVAL_MINUTES", "RPL_QUOTA_HEADROOM"]) {
    const v = unsetIfEmpty(env[key]);
    if (v !== undefined) cleaned[key] = v;
  }
  const parsed = parseEnv("take", schema, cleaned);
  return {
    region: runtimeRegion(env),
    dbIdRegex: parsed.RPL_DB_ID_REGEX,
    ...(parsed.RPL_OPT_IN_TAG ? { optInTag: parsed.RPL_OPT_IN_TAG } : {}),
    intervalMinutes: parsed.RPL_INTERVAL_MINUTES,
    quotaHeadroom: parsed.RPL_QUOTA_HEADROOM,
  };
}
