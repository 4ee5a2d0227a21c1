/**
 * Simulation scenarios: which stacks take part, which DBs exist, how long RDS takes, and which faults happen.
 * A scenario is YAML validated with zod; a bad one fails with one line per problem naming the file and the field.
 * The format is documented in docs/simulation.md.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import * as z from "zod";
import { DEFAULT_CHANGE_PERCENT_PER_HOUR, DEFAULT_COPY_THROUGHPUT } from "../config/assumptions";
import { ConfigError } from "../functions/lib/errors";
import { dbGeneratorSchema, expandDbGenerator } from "./dbGenerator";
import { DEFAULT_SCENARIO_PATH, DEFAULT_SCENARIO_YAML } from "./defaultScenario";

const HOURS_MAX = 24 * 366;
const nonNegative = z.number().check(z.nonnegative("must be a number >= 0"));
const positive = z.number().check(z.positive("must be a number > 0"));
const fraction = z
  .number()
  .check(z.gte(0, "must be a fraction from 0 to 1"), z.lte(1, "must be a fraction from 0 to 1"));
const account = z.string().check(z.regex(/^\d{12}$/, "must be a 12-digit AWS account id"));
const region = z.string().check(z.regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be an AWS region such as eu-west-1"));
const hours = z.number().check(z.gte(0, "must be hours from the start (>= 0)"), z.lte(HOURS_MAX, "is too far out"));
const dbIdentifier = z
  .string()
  .check(
    z.regex(
      /^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){0,62}$/,
      "must be an RDS identifier: 1-63 letters, digits or single hyphens, starting with a letter",
    ),
  )
  .check(z.refine((v) => !v.endsWith("-"), "must not end with a hyphen"));

/** One DB instance or Aurora cluster in a source account. */
const dbSchema = z.strictObject({
  id: dbIdentifier,
  kind: z.enum(["instance", "cluster"]).default("instance"),
  engine: z.string().optional(),
  sizeGb: positive,
  /** Percent of the data changed per hour; drives incremental snapshot and copy durations. */
  changePercentPerHour: nonNegative.default(DEFAULT_CHANGE_PERCENT_PER_HOUR),
  /** Region of the DB; default the region of the source stack of its account. */
  region: region.optional(),
  /** Target RPO for this DB in minutes; default the scenario's `rpoMinutes`, then the stack config. */
  rpoMinutes: positive.optional(),
  /** Tags on the DB (the Taker's opt-in tag, for example). */
  tags: z.record(z.string(), z.string()).default({}),
});

const durationsSchema = z.strictObject({
  snapshot: z
    .strictObject({
      /** Fixed part of every snapshot, minutes. */
      fixedMinutes: nonNegative.default(3),
      /** Minutes per GB for the first (full) snapshot of a DB. */
      minutesPerGb: nonNegative.default(0.05),
      /** Minutes per changed GB for later (incremental) snapshots. */
      minutesPerChangedGb: nonNegative.default(0.5),
      /** Relative jitter: each duration is multiplied by a uniform factor in [1 - jitter, 1 + jitter]. */
      jitter: fraction.default(0.2),
    })
    .default({ fixedMinutes: 3, minutesPerGb: 0.05, minutesPerChangedGb: 0.5, jitter: 0.2 }),
  copy: z
    .strictObject({
      /** Fixed minutes of every copy (assumption; default `DEFAULT_COPY_THROUGHPUT.fixedMinutes`). */
      fixedMinutes: nonNegative.default(DEFAULT_COPY_THROUGHPUT.fixedMinutes),
      /** GB per hour a copy inside one region moves (default `DEFAULT_COPY_THROUGHPUT`). */
      sameRegionGbPerHour: positive.optional(),
      /** GB per hour a copy into another region moves (default `DEFAULT_COPY_THROUGHPUT`). */
      crossRegionGbPerHour: positive.optional(),
      /** Older form: minutes per GB in one region (`sameRegionGbPerHour = 60 / minutesPerGb`). */
      minutesPerGb: positive.optional(),
      /** Older form: multiplier of `minutesPerGb` for copies to another region. */
      crossRegionFactor: positive.optional(),
      jitter: fraction.default(DEFAULT_COPY_THROUGHPUT.jitter),
    })
    .default({ fixedMinutes: DEFAULT_COPY_THROUGHPUT.fixedMinutes, jitter: DEFAULT_COPY_THROUGHPUT.jitter }),
});

const outageSchema = z
  .strictObject({
    /** Every API call of this account fails (`InternalFailure`) during the window. */
    account: account.optional(),
    /**
     * The whole region is down during the window: every account's calls to it fail (`InternalFailure`, a 5xx) and
     * no state machine living in it runs (executions started there fail as `RegionOutage`).
     */
    region: region.optional(),
    /** Executions of this step's state machine fail at start during the window (`take`, `share`, `copy`, ...). */
    stateMachine: z
      .string()
      .check(z.regex(/^[a-z][a-z0-9-]*$/, "must be a step name such as copy"))
      .optional(),
    /** Restrict a state machine outage to the stack of this account. */
    inAccount: account.optional(),
    startHours: hours,
    hours: positive,
  })
  .check(
    z.refine((o) => [o.account, o.stateMachine, o.region].filter((x) => x !== undefined).length === 1, {
      message: "must name exactly one of account, region or stateMachine",
    }),
  );

/** `account/dbId` of a source DB. */
const dbRef = z.string().check(z.regex(/^\d{12}\/[A-Za-z][A-Za-z0-9-]*$/, "must be account/dbId"));

/**
 * A fault by time window and target (docs/faults.md):
 * - `kmsDenied`: copies of DB `db` into DR account `account` fail with `KMSKeyNotAccessibleFault` during the window
 *   (a key policy or grant change in the source account, say);
 * - `shareRevoked`: during the window, someone removes DR account `account` from the `restore` attribute of every
 *   snapshot of DB `db` (ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute `ValuesToRemove`), checked
 *   every `everyMinutes`.
 */
const scheduledFaultSchema = z.strictObject({
  kind: z.enum(["kmsDenied", "shareRevoked"]),
  db: dbRef,
  /** The DR account the fault hits. */
  account,
  startHours: hours,
  hours: positive,
  everyMinutes: positive.default(5),
});

const faultsSchema = z.strictObject({
  /**
   * Probability that an AWS *attempt* is throttled (the handlers' SDK retry strategy retries it, docs/faults.md):
   * one fraction for every service, or `{ rds, kms, events }` fractions per service.
   */
  throttleRate: z
    .union([
      fraction,
      z.strictObject({ rds: fraction.optional(), kms: fraction.optional(), events: fraction.optional() }),
    ])
    .default(0),
  /** Probability that a started copy ends `failed`. */
  failedCopyRate: fraction.default(0),
  outages: z.array(outageSchema).default([]),
  /** DBs deleted during the run (their DR copies must survive retention). */
  deleteDbs: z.array(z.strictObject({ account, id: dbIdentifier, atHours: hours })).default([]),
  /** Manual snapshot quota of an account and region (default 100), optionally only within a window. */
  snapshotQuotas: z
    .array(
      z.strictObject({
        account,
        region: region.optional(),
        max: z.int().check(z.gte(1, "must be a whole number >= 1")),
        /** Snapshot kind whose quota is pre-filled; default both. */
        kind: z.enum(["instance", "cluster"]).optional(),
        startHours: hours.default(0),
        hours: positive.optional(),
      }),
    )
    .default([]),
  /** Faults by time window and target: a KMS-denied copy, a revoked share (docs/faults.md). */
  scheduled: z.array(scheduledFaultSchema).optional(),
});

/**
 * The recovery side of the scenario: the modeled drill validation Lambda (called when a DR stack sets
 * `restore.drillValidationLambdaArn`), failovers an operator starts, and what the run is expected to show.
 */
const recoverySchema = z.strictObject({
  drillValidator: z
    .strictObject({
      /** What the validation Lambda answers: `{ passed: true }`, `{ passed: false }`, or it throws. */
      answer: z.enum(["pass", "fail", "error"]).default("pass"),
      /** Virtual minutes it takes (longer than `restore.drillValidationTimeoutSeconds` = a timeout). */
      latencyMinutes: nonNegative.default(5),
      /** The `reason` it gives. */
      reason: z.string().optional(),
    })
    .default({ answer: "pass", latencyMinutes: 5 }),
  /** Failovers (`mode: restore`) started on the DR stacks' restore state machine. */
  failovers: z
    .array(
      z.strictObject({
        atHours: hours,
        /** DBs to restore (`dbId` or `account/dbId`); default every DB with a copy. */
        dbIds: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  /**
   * DBs (`account/id`) expected to miss the RPO (a region outage, say): the simulator's exit code is 0 when exactly
   * these miss it and every failover succeeded within the RTO.
   */
  expectMissedRpo: z
    .array(z.string().check(z.regex(/^\d{12}\/[A-Za-z][A-Za-z0-9-]*$/, "must be account/dbId")))
    .default([]),
});

const expression = z
  .string()
  .check(
    z.regex(/^(rate|cron)\(.+\)$/, "must be a schedule expression such as rate(60 minutes) or cron(0 3 ? * MON-FRI *)"),
  );

const triggersSchema = z.strictObject({
  /** RDS "snapshot created" events start the Sharer and "snapshot shared" events start the Copier. */
  events: z.boolean().default(true),
  /** The Copier machine polls its copies (check loop); false = one run per start, later work waits a run. */
  copyCheckLoop: z.boolean().default(true),
  /** Schedule expressions replacing the ones the stacks derive (UTC). */
  schedules: z
    .strictObject({
      taker: expression.optional(),
      sharer: expression.optional(),
      copier: expression.optional(),
      janitor: expression.optional(),
      /** The SnapshotRestorer's drill schedule (default: the stack's `restore.drillSchedule`). */
      drill: expression.optional(),
    })
    .default({}),
});

/** AWS account settings of the model (docs/model.md). */
const awsSchema = z.strictObject({
  /**
   * RDS API request budget per account and region (rule API-THROTTLING); omitted = no budget. AWS's default is
   * burst 300, 12 per second (RDS user guide, "Request throttling for the Amazon RDS API").
   */
  apiRateLimit: z
    .strictObject({
      burst: z.number().check(z.gte(1, "must be a number of requests >= 1")),
      refillPerSecond: positive,
    })
    .optional(),
  /** Snapshot copies in progress into one region per account (rule COPIES-IN-FLIGHT; current guide: 20). */
  copiesInFlightPerRegion: z.int().check(z.gte(1, "must be a whole number >= 1")).default(20),
});

/** The scenario schema. */
export const scenarioSchema = z.strictObject({
  name: z.string().check(z.minLength(1, "must not be empty")),
  description: z.string().optional(),
  /** Stack config files (Pulumi.<stack>.yaml, relative to the scenario file) and the account each deploys into. */
  stacks: z
    .array(z.strictObject({ file: z.string().check(z.minLength(1, "must be a file path")), account }))
    .check(z.minLength(1, "must list at least one stack file")),
  /** How runs start; default as the stacks deploy them. Set to model other deployments (the seed schedule). */
  triggers: triggersSchema.default({ events: true, copyCheckLoop: true, schedules: {} }),
  /** Virtual days to simulate. */
  days: z.number().check(z.positive("must be a number of days > 0"), z.lte(366, "must be at most 366 days")),
  seed: z.int().default(1),
  /** Virtual start instant (ISO 8601, UTC). Default Monday 2026-01-05T00:00Z, so weekday schedules are visible. */
  start: z.iso
    .datetime({ offset: true, message: "must be an ISO 8601 date-time such as 2026-01-05T00:00:00Z" })
    .default("2026-01-05T00:00:00Z"),
  /**
   * Hours at the start not scored: the first copy of every DB is a full copy, after the DBs appear at the start.
   * Samples are still taken (and charted); they just do not count towards p50/p95/max and the RPO verdict.
   */
  warmupHours: z.number().check(z.gte(0, "must be hours >= 0")).default(6),
  /** Minutes between recovery-point age samples. */
  sampleMinutes: positive.default(5),
  /** Target RPO in minutes for every DB without its own; default from the stack config. */
  rpoMinutes: positive.optional(),
  /** DBs per source account id. */
  dbs: z.record(account, z.array(dbSchema).check(z.minLength(1, "must list at least one DB"))).default({}),
  /**
   * Many DBs per source account id, declared compactly (sim/dbGenerator.ts): expanded into `dbs` when the scenario
   * is parsed, after the DBs listed there.
   */
  dbGenerators: z
    .record(account, z.array(dbGeneratorSchema).check(z.minLength(1, "must list at least one generator")))
    .default({}),
  durations: durationsSchema.default({
    snapshot: { fixedMinutes: 3, minutesPerGb: 0.05, minutesPerChangedGb: 0.5, jitter: 0.2 },
    copy: { fixedMinutes: DEFAULT_COPY_THROUGHPUT.fixedMinutes, jitter: DEFAULT_COPY_THROUGHPUT.jitter },
  }),
  /** AWS account settings of the model: API budget, copies in flight (docs/model.md). */
  aws: awsSchema.default({ copiesInFlightPerRegion: 20 }),
  faults: faultsSchema.default({
    throttleRate: 0,
    failedCopyRate: 0,
    outages: [],
    deleteDbs: [],
    snapshotQuotas: [],
  }),
  recovery: recoverySchema.default({
    drillValidator: { answer: "pass", latencyMinutes: 5 },
    failovers: [],
    expectMissedRpo: [],
  }),
});

/** A validated scenario, with stack files resolved to absolute paths. */
export type Scenario = z.infer<typeof scenarioSchema> & {
  /** File the scenario came from (or the embedded default's virtual path). */
  readonly source: string;
};
/** One DB of a scenario. */
export type ScenarioDb = z.infer<typeof dbSchema>;
/** Fault section of a scenario. */
export type ScenarioFaults = z.infer<typeof faultsSchema>;
/** Recovery section of a scenario. */
export type ScenarioRecovery = z.infer<typeof recoverySchema>;
/** Trigger overrides of a scenario. */
export type ScenarioTriggers = z.infer<typeof triggersSchema>;
/** Duration model of a scenario. */
export type ScenarioDurations = z.infer<typeof durationsSchema>;

/**
 * Validates a parsed scenario document. `source` names the file in errors and is the base for relative stack paths.
 * Throws a ConfigError listing every problem as `<file>: <field path>: <message> (got <value>)`.
 */
export function parseScenario(raw: unknown, source: string): Scenario {
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const path = i.path.length > 0 ? formatPath(i.path) : "(document)";
      const got = valueAt(raw, i.path);
      const gotText = got === undefined ? "missing" : JSON.stringify(got);
      return `  ${path}: ${i.message} (got ${gotText?.length > 80 ? `${gotText.slice(0, 77)}...` : gotText})`;
    });
    throw new ConfigError(`invalid scenario ${source}:\n${lines.join("\n")}`);
  }
  const base = dirname(source);
  const s = r.data;
  const generated = expandGenerators(s, source);
  s.dbs = generated;
  if (Object.keys(s.dbs).length === 0)
    throw new ConfigError(`invalid scenario ${source}:\n  dbs: must list at least one DB (or use dbGenerators)`);
  const seen = new Set<string>();
  for (const [acct, dbs] of Object.entries(s.dbs)) {
    for (const [i, db] of dbs.entries()) {
      const key = `${acct}/${db.id}`;
      if (seen.has(key))
        throw new ConfigError(`invalid scenario ${source}:\n  dbs.${acct}[${i}].id: "${db.id}" is listed twice`);
      seen.add(key);
    }
  }
  for (const [i, d] of s.faults.deleteDbs.entries()) {
    if (!seen.has(`${d.account}/${d.id}`)) {
      throw new ConfigError(
        `invalid scenario ${source}:\n  faults.deleteDbs[${i}]: no DB "${d.id}" in account ${d.account} under dbs`,
      );
    }
  }
  for (const [i, f] of (s.faults.scheduled ?? []).entries()) {
    if (!seen.has(f.db)) {
      throw new ConfigError(`invalid scenario ${source}:\n  faults.scheduled[${i}].db: no DB "${f.db}" under dbs`);
    }
  }
  return { ...s, stacks: s.stacks.map((st) => ({ ...st, file: resolve(base, st.file) })), source };
}

/** `dbs` with every `dbGenerators` block expanded (after the listed DBs of the same account), defaults applied. */
function expandGenerators(s: z.infer<typeof scenarioSchema>, source: string): Record<string, ScenarioDb[]> {
  const out: Record<string, ScenarioDb[]> = {};
  for (const [acct, dbs] of Object.entries(s.dbs)) out[acct] = [...dbs];
  for (const [acct, generators] of Object.entries(s.dbGenerators)) {
    const list = out[acct] ?? [];
    out[acct] = list;
    for (const [gi, g] of generators.entries()) {
      for (const db of expandDbGenerator(g, s.seed)) {
        const parsed = dbSchema.safeParse(db);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new ConfigError(
            `invalid scenario ${source}:\n  dbGenerators.${acct}[${gi}]: generated DB ${db.id}: ` +
              `${formatPath(issue.path)}: ${issue.message}`,
          );
        }
        list.push(parsed.data);
      }
    }
  }
  return out;
}

/** Reads and validates a scenario file (YAML). */
export function loadScenario(path: string): Scenario {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  return parseScenarioText(text, abs);
}

/** Parses scenario YAML text; `source` is its (virtual) path. */
export function parseScenarioText(text: string, source: string): Scenario {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` line ${err.linePos[0].line}` : "";
    throw new ConfigError(`scenario ${source}${where} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  return parseScenario(raw, source);
}

/** The embedded default scenario (identical to scenarios/default.yaml). */
export function defaultScenario(): Scenario {
  return parseScenarioText(DEFAULT_SCENARIO_YAML, DEFAULT_SCENARIO_PATH);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}
