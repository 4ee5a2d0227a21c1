/**
 * Compact declaration of many DBs in a scenario (`dbGenerators`): a count, a share of Aurora clusters, a size range
 * and a change-rate range, expanded into ordinary scenario DBs with seeded names and draws. The same generator and
 * seed always give the same DBs, so a scenario with 1,000 DBs stays a few lines of YAML and stays reproducible.
 *
 * Sizes are drawn log-uniformly between `sizeGb.min` and `sizeGb.max` (many small DBs, few large ones, as in a
 * typical fleet); change rates uniformly between `changePercentPerHour.min` and `.max`. Identifiers are
 * `<prefix>-<index>` zero-padded to the count's width (`app-0001` ... `app-1000`).
 */
import * as z from "zod";
import { makeRandom } from "./random";

const positive = z.number().check(z.positive("must be a number > 0"));
const nonNegative = z.number().check(z.nonnegative("must be a number >= 0"));
/** Most DBs one generator may declare (a scenario can list several generators). */
export const MAX_GENERATED_DBS = 10_000;

const range = (n: z.ZodNumber) =>
  z
    .strictObject({ min: n, max: n })
    .check(z.refine((r: { min: number; max: number }) => r.min <= r.max, { message: "min must be <= max" }));

/** One generator block: `count` DBs named `<prefix>-<index>`. */
export const dbGeneratorSchema = z.strictObject({
  /** How many DBs to declare. */
  count: z
    .int()
    .check(z.gte(1, "must be a whole number >= 1"), z.lte(MAX_GENERATED_DBS, `must be at most ${MAX_GENERATED_DBS}`)),
  /** Identifier prefix: `<prefix>-0001`, ... (an RDS identifier with room for the index). */
  prefix: z
    .string()
    .check(
      z.regex(/^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){0,50}$/, "must start with a letter: letters, digits, single hyphens"),
    )
    .check(z.refine((v) => !v.endsWith("-"), "must not end with a hyphen")),
  /** Fraction of the DBs that are Aurora clusters (the rest are instances). */
  clusterFraction: z
    .number()
    .check(z.gte(0, "must be a fraction from 0 to 1"), z.lte(1, "must be a fraction from 0 to 1"))
    .default(0),
  /** Allocated size range, GB (log-uniform draw). */
  sizeGb: range(positive),
  /** Percent of the data changed per hour (uniform draw); default the scenario DB default. */
  changePercentPerHour: range(nonNegative).optional(),
  /** Engines the instances and the clusters cycle through. */
  instanceEngines: z.array(z.string().check(z.minLength(1, "must not be empty"))).default(["postgres", "mysql"]),
  clusterEngines: z
    .array(z.string().check(z.minLength(1, "must not be empty")))
    .default(["aurora-postgresql", "aurora-mysql"]),
  /** Target RPO of every generated DB, minutes; default the scenario's `rpoMinutes`, then the stack config. */
  rpoMinutes: positive.optional(),
  /** Region of the DBs; default the source stack's region. */
  region: z
    .string()
    .check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1"))
    .optional(),
  /** Tags on every generated DB (the Taker's opt-in tag, for example). */
  tags: z.record(z.string(), z.string()).default({}),
  /** Seed of the draws (combined with the prefix); default the scenario's seed. */
  seed: z.int().optional(),
});

/** A validated generator block. */
export type DbGenerator = z.infer<typeof dbGeneratorSchema>;

/** What a generator expands to: the fields of a scenario DB. */
export interface GeneratedDb {
  id: string;
  kind: "instance" | "cluster";
  engine: string;
  sizeGb: number;
  changePercentPerHour?: number;
  region?: string;
  rpoMinutes?: number;
  tags: Record<string, string>;
}

/**
 * Expands one generator into DBs. The kinds are spread evenly (every DB whose running cluster share crosses a whole
 * number is a cluster), so exactly `round(count * clusterFraction)` are clusters whatever the seed; sizes and change
 * rates come from the seeded stream.
 */
export function expandDbGenerator(g: DbGenerator, scenarioSeed: number): GeneratedDb[] {
  const rnd = makeRandom(g.seed ?? scenarioSeed, `dbGenerator/${g.prefix}`);
  const width = String(g.count).length;
  const clusters = Math.round(g.count * g.clusterFraction);
  const out: GeneratedDb[] = [];
  const logMin = Math.log(g.sizeGb.min);
  const logMax = Math.log(g.sizeGb.max);
  for (let i = 0; i < g.count; i++) {
    const isCluster = Math.floor(((i + 1) * clusters) / g.count) > Math.floor((i * clusters) / g.count);
    const engines = isCluster ? g.clusterEngines : g.instanceEngines;
    // Whole GB, as RDS allocates storage; at least 1.
    const sizeGb = Math.max(1, Math.round(Math.exp(logMin + (logMax - logMin) * rnd.next())));
    const change = g.changePercentPerHour;
    const db: GeneratedDb = {
      id: `${g.prefix}-${String(i + 1).padStart(width, "0")}`,
      kind: isCluster ? "cluster" : "instance",
      engine: engines[i % engines.length]!,
      sizeGb,
      tags: { ...g.tags },
    };
    if (change) db.changePercentPerHour = Math.round((change.min + (change.max - change.min) * rnd.next()) * 100) / 100;
    if (g.region !== undefined) db.region = g.region;
    if (g.rpoMinutes !== undefined) db.rpoMinutes = g.rpoMinutes;
    out.push(db);
  }
  return out;
}
