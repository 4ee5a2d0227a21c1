/**
 * Environment-variable parsing with zod/mini (small enough for Lambda bundles). A bad variable fails at cold start
 * with an error naming the variable, its value and what was expected.
 */
import * as z from "zod/mini";
import { ConfigError } from "./errors";

/** Parses `env` with `schema`, throwing a ConfigError that names every bad variable. */
export function parseEnv<T extends z.ZodMiniType>(
  step: string,
  schema: T,
  env: Readonly<Record<string, string | undefined>>,
): z.infer<T> {
  const r = z.safeParse(schema, env);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const key = i.path.map(String).join(".");
    const got = env[key] !== undefined ? JSON.stringify(env[key]) : "unset";
    // Nested validators (e.g. JSON inside a variable) may already name the variable and value themselves.
    return i.message.startsWith(key) ? i.message : `${key}: ${i.message} (got ${got})`;
  });
  throw new ConfigError(`${step} Lambda configuration is invalid: ${lines.join("; ")}`);
}

/** A 12-digit AWS account id. */
export const accountId = z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit AWS account id"));

/** Comma-separated list of 12-digit account ids (at least one). */
export const accountList = z.pipe(
  z.string().check(z.minLength(1, "must list at least one 12-digit account id")),
  z.transform((v, ctx) => {
    const ids = v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    for (const id of ids) {
      if (!/^\d{12}$/.test(id)) {
        ctx.issues.push({ code: "custom", message: `"${id}" is not a 12-digit AWS account id`, input: v });
      }
    }
    return ids;
  }),
);

/** A positive integer given as a string. For defaults use `z.prefault(schema, "60")` (zod 4 `_default` skips parsing). */
export const positiveInt = (what: string) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, `must be a positive whole number of ${what}`)),
    z.transform((v) => Number(v)),
  );

/** A JavaScript regular expression source. */
export const regexSource = z.pipe(
  z.string(),
  z.transform((v, ctx) => {
    try {
      return new RegExp(v);
    } catch (err) {
      ctx.issues.push({
        code: "custom",
        message: `is not a valid regular expression: ${(err as Error).message}`,
        input: v,
      });
      return /$^/;
    }
  }),
);

/**
 * AWS region names: `<area>[-gov|-iso…]-<direction>-<number>`, with the areas and directions AWS uses today
 * (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html lists every region code, e.g.
 * `us-gov-west-1`, `ap-southeast-7`, `mx-central-1`, `il-central-1`). A new region of a new area needs an entry
 * here; the pattern rejects typos such as `eu-west` or `europe-west-1` at cold start instead of on the first call.
 */
export const REGION_NAME =
  /^(af|ap|ca|cn|eu|il|me|mx|sa|us)(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;

/** An AWS region name such as `eu-west-1` ({@link REGION_NAME}). */
export const region = z.string().check(z.regex(REGION_NAME, "must be an AWS region name such as eu-west-1"));

/** `true`/`false`. */
export const bool = z.pipe(
  z.enum(["true", "false"]),
  z.transform((v) => v === "true"),
);
