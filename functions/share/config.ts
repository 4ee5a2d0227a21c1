/**
 * Environment of the Sharer Lambda (source account). Parsed once at cold start; a bad variable fails the cold
 * start with a ConfigError naming it.
 */
import * as z from "zod/mini";
import { accountList, parseEnv } from "../lib/env";
import { runtimeRegion } from "../lib/lambda";

/** A manual snapshot can be shared with at most 20 AWS accounts (RDS sharing user guide). */
export const MAX_SHARE_ACCOUNTS = 20;

/** Parsed Sharer configuration. */
export interface ShareConfig {
  /** Region the Lambda works in (its own). */
  readonly region: string;
  /** DR account ids to share with: distinct, sorted, 1..20. */
  readonly drAccounts: readonly string[];
  /** EventBridge bus ARNs in DR accounts to notify after sharing (may be empty). */
  readonly eventBusArns: readonly string[];
}

const EVENT_BUS_ARN =
  /^arn:aws[a-z-]*:events:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/;

const busList = z.pipe(
  z.string(),
  z.transform((v, ctx) => {
    const arns = v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    for (const arn of arns) {
      if (!EVENT_BUS_ARN.test(arn)) {
        ctx.issues.push({
          code: "custom",
          message: `"${arn}" is not an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>)`,
          input: v,
        });
      }
    }
    return [...new Set(arns)];
  }),
);

const schema = z.object({
  RPL_DR_ACCOUNTS: z.pipe(
    z.pipe(z.string({ error: "is required: a comma-separated list of 12-digit DR account ids" }), accountList),
    z.transform((ids, ctx) => {
      const distinct = [...new Set(ids)].sort();
      if (distinct.length === 0)
        ctx.issues.push({ code: "custom", message: "must list at least one 12-digit account id", input: ids });
      if (distinct.length > MAX_SHARE_ACCOUNTS) {
        ctx.issues.push({
          code: "custom",
          message: `lists ${distinct.length} accounts; a snapshot can be shared with at most ${MAX_SHARE_ACCOUNTS}`,
          input: ids,
        });
      }
      return distinct;
    }),
  ),
  RPL_DR_EVENT_BUS_ARNS: z.optional(busList),
});

/** Parses the Sharer's environment; throws a ConfigError naming every bad variable. */
export function parseShareConfig(env: Readonly<Record<string, string | undefined>>): ShareConfig {
  const buses = env.RPL_DR_EVENT_BUS_ARNS;
  // Keys are only present when set, so errors say "got unset" rather than "got undefined".
  const parsed = parseEnv("share", schema, {
    ...(env.RPL_DR_ACCOUNTS !== undefined ? { RPL_DR_ACCOUNTS: env.RPL_DR_ACCOUNTS } : {}),
    ...(buses !== undefined && buses.trim() !== "" ? { RPL_DR_EVENT_BUS_ARNS: buses } : {}),
  });
  return {
    region: runtimeRegion(env),
    drAccounts: parsed.RPL_DR_ACCOUNTS,
    eventBusArns: parsed.RPL_DR_EVENT_BUS_ARNS ?? [],
  };
}
