/**
 * Environment of the Janitor Lambda (expire step), used in the source account and in the DR account. Parsed once
 * at cold start; a bad variable fails the cold start with a ConfigError naming it (and, for `RPL_RETENTION`, the
 * field).
 */
import * as z from "zod/mini";
import { parseEnv, REGION_NAME, region } from "../lib/env";
import { ConfigError } from "../lib/errors";
import { runtimeRegion } from "../lib/lambda";
import { checkRetentionJson, DEFAULT_RETENTION, type RetentionPolicy } from "../lib/retention";
import type { ExpireStage } from "./plan";

/** Parsed Janitor configuration. */
export interface ExpireConfig {
  /** Region the Lambda runs in. */
  readonly region: string;
  /** `source`: manages `rpl-stage=source` snapshots; `dr`: manages `dr` and `dr-region` copies. */
  readonly stage: ExpireStage;
  /**
   * Regions swept, in order, without duplicates. A DR Janitor must list both its home and its DR region, so that a
   * home-region copy still being copied to the DR region is seen as a copy source and kept.
   */
  readonly regions: readonly string[];
  /** Retention policy (fields not given take their defaults). */
  readonly retention: RetentionPolicy;
}

/** Empty strings mean "unset": components pass `""` for optional variables they do not use. */
const unsetIfEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

const regionList = z.pipe(
  z.string(),
  z.transform((v, ctx) => {
    const out: string[] = [];
    for (const r of v.split(",").map((s) => s.trim())) {
      if (r === "") continue;
      if (!z.safeParse(region, r).success) {
        ctx.issues.push({ code: "custom", message: `"${r}" is not an AWS region such as eu-west-1`, input: v });
      } else if (!out.includes(r)) out.push(r);
    }
    return out;
  }),
);

const retention = z.pipe(
  z.string(),
  z.transform((v, ctx) => {
    const r = checkRetentionJson(v, "RPL_RETENTION");
    if (r.ok) return r.policy;
    for (const message of r.problems) ctx.issues.push({ code: "custom", message, input: v });
    return undefined;
  }),
);

const schema = z.object({
  RPL_STAGE: z.enum(["source", "dr"], "must be source or dr"),
  RPL_REGIONS: z.optional(regionList),
  RPL_RETENTION: z.optional(retention),
});

/** Parses the Janitor's environment; throws a ConfigError naming every bad variable. */
export function parseExpireConfig(env: Readonly<Record<string, string | undefined>>): ExpireConfig {
  // Leave unset variables out (rather than `undefined`) so errors say "got unset".
  const cleaned: Record<string, string> = {};
  for (const key of ["RPL_STAGE", "RPL_REGIONS", "RPL_RETENTION"] as const) {
    const v = unsetIfEmpty(env[key]);
    if (v !== undefined) cleaned[key] = v;
  }
  const parsed = parseEnv("expire", schema, cleaned);
  const home = runtimeRegion(env);
  if (!REGION_NAME.test(home)) {
    throw new ConfigError(
      `expire Lambda configuration is invalid: AWS_REGION must be an AWS region name (got ${JSON.stringify(home)})`,
    );
  }
  const listed = parsed.RPL_REGIONS ?? [];
  // The home region is always swept (issue 13 item 2): a DR Janitor whose RPL_REGIONS left it out would never expire
  // the home-region copies, and a source Janitor's snapshots live there.
  const regions = listed.includes(home) ? listed : [home, ...listed];
  return {
    region: home,
    stage: parsed.RPL_STAGE,
    regions,
    retention: parsed.RPL_RETENTION ?? DEFAULT_RETENTION,
  };
}
