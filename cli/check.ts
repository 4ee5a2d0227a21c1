/**
 * `check` (`npm run check -- <stack>`): validates a stack file offline with the reader preview uses, and prints
 * what preview would deploy: components, schedules, the derived snapshot interval, the quota arithmetic and the
 * recovery settings. No AWS and no Pulumi calls.
 */
import { basename } from "node:path";
import {
  deploymentPlan,
  deriveIntervalMinutes,
  type PilotLightConfig,
  readStackConfig,
  readStackValues,
  recoveryRegion,
  resolveStackFile,
  schedulesFor,
} from "../config";
import { type FeasibilityCopyMode, fullCopyWarnings } from "../config/feasibility";
import { ConfigError } from "../functions/lib/errors";
import { retentionFootprint } from "../functions/lib/retention";
import { parseRecoverySettings, type RecoverySettings, restoreEnvironment } from "../functions/restore/stackConfig";
import type { CliIo } from "./context";
import { CliError } from "./errors";
import type { Colors } from "./format";

/** What `check --json` prints for a valid stack. */
export interface CheckReport {
  readonly ok: true;
  readonly file: string;
  readonly role: PilotLightConfig["role"];
  readonly region: string;
  readonly drRegion?: string;
  /** Where the Restorer, the freshness monitor and their alarms run, and where the CLI restores from. */
  readonly recoveryRegion: string;
  readonly components: readonly string[];
  readonly keys: ReturnType<typeof deploymentPlan>["keys"];
  readonly schedules: Readonly<Record<string, string>>;
  readonly interval: {
    readonly minutes: number;
    readonly explicit: boolean;
    /** rpoMinutes - expectedSnapshotMinutes - expectedCopyMinutes: the most an interval may be to meet the RPO. */
    readonly budgetMinutes: number;
    readonly rpoMinutes: number;
    readonly expectedSnapshotMinutes: number;
    readonly expectedCopyMinutes: number;
  };
  readonly quota: {
    readonly perDb: number;
    readonly dbsPerRegion: number;
    readonly headroom: number;
    readonly needed: number;
    readonly quota: number;
  };
  /** Feasible RPO as far as the stack file can tell (config/feasibility.ts). */
  readonly feasibleRpo: FeasibleRpoReport;
  readonly recovery?: RecoverySettings;
  readonly warnings: readonly string[];
  /** `{secure: ...}` values the offline check cannot decrypt (preview checks them). */
  readonly unchecked: readonly string[];
}

/**
 * What the stack file says about the feasible RPO. A stack file holds no DB sizes or change rates, so no per-DB floor
 * can be computed offline from it (`npm run simulate` with a scenario's DBs prints the per-DB table,
 * docs/copy-topology.md); what it does decide is which copies are full every interval ({@link fullCopyWarnings}).
 */
export interface FeasibleRpoReport {
  readonly copyMode: FeasibilityCopyMode;
  /** Per-DB floors: always empty from a stack file, which configures no DB sizes. */
  readonly perDb: readonly [];
  /** Full-copy warnings implied by role, copyMode and drRegion (the same lines preview prints). */
  readonly fullCopyWarnings: readonly string[];
}

/** {@link FeasibleRpoReport} of a validated configuration. */
export function feasibleRpoOf(config: PilotLightConfig): FeasibleRpoReport {
  return { copyMode: config.copyMode, perDb: [], fullCopyWarnings: fullCopyWarnings(config) };
}

/**
 * Validates `stackOrFile` and builds the report. Throws a ConfigError with one line per problem (naming key and
 * file), the same lines preview prints.
 */
export function checkStack(stackOrFile: string, cwd = process.cwd()): CheckReport {
  const file = resolveStackFile(stackOrFile, cwd);
  const source = basename(file);
  const config = readStackConfig(readStackValues(file), source);
  const plan = deploymentPlan(config);
  let recovery: RecoverySettings | undefined;
  const recoveryParts = config.components.filter((c) => c === "restorer" || c === "freshness");
  if (recoveryParts.length > 0 || config.restore !== undefined) {
    recovery = parseRecoverySettings(config.restore, config);
    // The SnapshotRestorer builds its Lambda environment at preview; a missing subnet group fails there.
    if (config.components.includes("restorer")) restoreEnvironment(recovery, config.retiredDbs, source);
  }
  const schedules: Record<string, string> = { ...schedulesFor(config) };
  if (recovery && config.components.includes("freshness")) {
    schedules.freshness = `rate(${recovery.freshnessScheduleMinutes} minutes)`;
  }
  if (recovery && config.components.includes("restorer")) schedules.drill = recovery.drillSchedule;
  const budget = config.rpoMinutes - config.expectedSnapshotMinutes - config.expectedCopyMinutes;
  const perDb = retentionFootprint(config.retention, config.snapshotIntervalMinutes);
  const dbsPerRegion = config.maxDbs * (config.role === "dr" ? Math.max(1, config.sourceAccounts.length) : 1);
  return {
    ok: true,
    file,
    role: config.role,
    region: config.region,
    ...(config.drRegion ? { drRegion: config.drRegion } : {}),
    recoveryRegion: recoveryRegion(config),
    components: plan.components,
    keys: plan.keys,
    schedules,
    interval: {
      minutes: config.snapshotIntervalMinutes,
      explicit: config.intervalExplicit,
      budgetMinutes: budget,
      rpoMinutes: config.rpoMinutes,
      expectedSnapshotMinutes: config.expectedSnapshotMinutes,
      expectedCopyMinutes: config.expectedCopyMinutes,
    },
    quota: {
      perDb,
      dbsPerRegion,
      headroom: config.quotaHeadroom,
      needed: perDb * dbsPerRegion + config.quotaHeadroom,
      quota: config.manualSnapshotQuota,
    },
    feasibleRpo: feasibleRpoOf(config),
    ...(recovery ? { recovery } : {}),
    warnings: config.warnings,
    unchecked: config.unchecked ?? [],
  };
}

/** Human-readable report. */
export function renderCheck(r: CheckReport, c: Colors): string[] {
  const i = r.interval;
  const q = r.quota;
  const intervalWhy = i.explicit
    ? `set explicitly (snapshotIntervalMinutes); budget rpoMinutes ${i.rpoMinutes} - snapshot ${i.expectedSnapshotMinutes} - copy ${i.expectedCopyMinutes} = ${i.budgetMinutes} min`
    : `derived: rpoMinutes ${i.rpoMinutes} - snapshot ${i.expectedSnapshotMinutes} - copy ${i.expectedCopyMinutes} = ${i.budgetMinutes} min, floored to ${deriveIntervalMinutes(i.rpoMinutes, i.expectedSnapshotMinutes + i.expectedCopyMinutes)}`;
  const keys = Object.entries(r.keys)
    .filter(([, v]) => v)
    .map(
      ([k]) =>
        ({ createSource: "source CMK", createDrHome: "DR key (home region)", createDrRegion: "DR key (drRegion)" })[
          k
        ] ?? k,
    );
  const lines = [
    `${c.green("ok")} ${r.file}`,
    `  role ${r.role}, region ${r.region}${r.drRegion ? `, drRegion ${r.drRegion}` : ""}${r.role === "source" ? "" : `; recovery (restore, freshness, CLI) in ${r.recoveryRegion}`}`,
    `  components: ${r.components.join(", ")}`,
    `  keys created: ${keys.length > 0 ? keys.join(", ") : "none (existing keys from kms.*)"}`,
    "  schedules:",
    ...Object.entries(r.schedules).map(([k, v]) => `    ${k.padEnd(10)} ${v}`),
    `  snapshot interval: ${i.minutes} min (${intervalWhy})`,
    `  quota per account and region: ${q.perDb} snapshots kept per DB x ${q.dbsPerRegion} DBs + headroom ${q.headroom} = ${q.needed} <= manualSnapshotQuota ${q.quota}`,
    `  feasible RPO: copyMode ${r.feasibleRpo.copyMode}; no DB sizes in a stack file, so no per-DB floor (see docs/copy-topology.md)`,
    ...r.feasibleRpo.fullCopyWarnings.map((w) => c.yellow(`  full copies: ${w}`)),
  ];
  if (r.recovery) {
    const s = r.recovery;
    lines.push(
      `  restore: region ${s.region}, RTO ${s.rtoMinutes} min, subnet group ${s.subnetGroup ?? "(unset)"}, name prefix "${s.namePrefix}", freshness stages ${s.freshnessStages.join(", ")}`,
    );
  }
  for (const u of r.unchecked)
    lines.push(c.yellow(`  not checked offline: ${u} is a secret ({secure: ...}); preview checks it`));
  for (const w of r.warnings) lines.push(c.yellow(`  warning: ${w}`));
  return lines;
}

/** Runs `check`: prints the report (text or JSON); a bad stack becomes a CliError (exit 1) listing every problem. */
export function runCheck(stackOrFile: string, io: CliIo, o: { json: boolean; colors: Colors }): number {
  let report: CheckReport;
  try {
    report = checkStack(stackOrFile, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, { cause: err, problems: err.message.split("\n") });
    throw err;
  }
  if (o.json) io.out(JSON.stringify(report, null, 2));
  else for (const l of renderCheck(report, o.colors)) io.out(l);
  return 0;
}
