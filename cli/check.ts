/**
 * `check` (`npm run check -- <stack>`): validates a stack file offline with the reader preview uses, and prints
 * what preview would deploy: components, schedules, the derived snapshot interval, the quota arithmetic, the
 * recovery settings and, when `dbProfiles` gives the DBs' sizes, the feasible RPO per DB. No AWS and no Pulumi calls.
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
import { feasibilityOfProfiles } from "../config/dbProfiles";
import { type FeasibilityCopyMode, formatMinutes, fullCopyWarnings } from "../config/feasibility";
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

/** Feasible RPO of one DB of `dbProfiles` (config/feasibility.ts). */
export interface DbFeasibleRpo {
  readonly db: string;
  readonly kind: "instance" | "cluster";
  readonly sizeGb: number;
  /** The DB's RPO (its own, else the stack's). */
  readonly rpoMinutes: number;
  /** Best worst-case recovery-point age of the last stage (the one the RPO is measured on), minutes. */
  readonly floorMinutes: number;
  /** The same per stage (`source`, `dr`, `dr-region`), minutes. */
  readonly stages: Readonly<Record<string, number>>;
  readonly fullEveryInterval: boolean;
  readonly feasible: boolean;
  readonly reason: string | null;
}

/**
 * What the stack file says about the feasible RPO. Per-DB floors need the DBs' sizes and kinds, which only the
 * optional `dbProfiles` key gives (config/dbProfiles.ts); the full-copy warnings follow from role, copyMode and
 * drRegion alone.
 */
export interface FeasibleRpoReport {
  readonly copyMode: FeasibilityCopyMode;
  /** Per-DB floors of `dbProfiles` (empty without it). */
  readonly perDb: readonly DbFeasibleRpo[];
  /** `restore.expectedDbs` entries with no `dbProfiles` entry (no floor for them). */
  readonly unprofiledExpectedDbs: readonly string[];
  /** Full-copy warnings implied by role, copyMode and drRegion (the same lines preview prints). */
  readonly fullCopyWarnings: readonly string[];
}

/** {@link FeasibleRpoReport} of a validated configuration (`recovery`: its parsed restore block, if any). */
export function feasibleRpoOf(config: PilotLightConfig, recovery?: RecoverySettings): FeasibleRpoReport {
  const profiles = config.dbProfiles ?? [];
  const perDb = feasibilityOfProfiles(config, profiles).map((f, i): DbFeasibleRpo => {
    const p = profiles[i]!;
    return {
      db: p.id,
      kind: p.kind,
      sizeGb: p.sizeGb,
      rpoMinutes: p.rpoMinutes ?? config.rpoMinutes,
      floorMinutes: round1(f.floorMinutes),
      stages: Object.fromEntries(f.stages.map((s) => [s.stage, round1(s.floorMinutes)])),
      fullEveryInterval: f.fullEveryInterval,
      feasible: f.feasible,
      reason: f.reason ?? null,
    };
  });
  const profiled = new Set(profiles.map((p) => p.id));
  const unprofiledExpectedDbs =
    profiles.length === 0 ? [] : (recovery?.expectedDbs ?? []).filter((ref) => !profiled.has(ref));
  return { copyMode: config.copyMode, perDb, unprofiledExpectedDbs, fullCopyWarnings: fullCopyWarnings(config) };
}

function round1(m: number): number {
  return Math.round(m * 10) / 10;
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
    feasibleRpo: feasibleRpoOf(config, recovery),
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
    ...renderFeasibleRpo(r.feasibleRpo, c),
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

/** The feasible-RPO lines of {@link renderCheck}. */
function renderFeasibleRpo(f: FeasibleRpoReport, c: Colors): string[] {
  const lines: string[] = [];
  if (f.perDb.length === 0) {
    lines.push(
      `  feasible RPO: copyMode ${f.copyMode}; a per-DB floor needs each DB's size and kind: list them in rds-pilot-light:dbProfiles (id, kind, sizeGb; docs/configuration.md)`,
    );
  } else {
    lines.push(
      `  feasible RPO (copyMode ${f.copyMode}; copy throughput and change rate are assumptions, config/assumptions.ts):`,
    );
    const width = Math.max(...f.perDb.map((d) => d.db.length));
    for (const d of f.perDb) {
      const head = `    ${d.db.padEnd(width)}  ${d.kind.padEnd(8)} ${String(d.sizeGb).padStart(6)} GB  best age ${formatMinutes(d.floorMinutes)}, RPO ${formatMinutes(d.rpoMinutes)}`;
      lines.push(d.feasible ? `${head}: ${c.green("feasible")}` : `${head}: ${c.red("INFEASIBLE")} (${d.reason})`);
    }
    for (const db of f.unprofiledExpectedDbs) {
      lines.push(c.yellow(`    ${db}: in restore.expectedDbs but not in dbProfiles, so no floor`));
    }
  }
  for (const w of f.fullCopyWarnings) lines.push(c.yellow(`  full copies: ${w}`));
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
