/**
 * The simulation report: what a run achieved per DB, what it cost, and which alarms would have fired. Plain data
 * (JSON-serialisable, deterministic for a seed) plus a text rendering for the terminal.
 */

import pc from "picocolors";
import { type ApiUsageReport, renderApiUsage } from "./apiUsage";
import type { DeletionAudit } from "./deletionAudit";
import { type DbFeasibility, infeasibleMisses, renderFeasibility } from "./feasibilityReport";

/** Where a DR copy lives: `dr` = DR account, home region; `dr-region` = DR account, DR region. */
export type DrStage = "dr" | "dr-region";

/** Recovery-point age statistics of one DB in one stage, in minutes. */
export interface AgeStats {
  readonly region: string;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** Samples taken (every `sampleMinutes` while the DB existed). */
  readonly samples: number;
  /** Samples older than the RPO. */
  readonly samplesOverRpo: number;
  /** When the first copy became available (ISO), or null. */
  readonly firstCopyAt: string | null;
  /** Copies that became available, by how RDS made them. */
  readonly copies: { readonly full: number; readonly incremental: number };
  /** GB those copies moved, per simulated day (the transfer bill; rule COPY-BYTES). */
  readonly gbCopiedPerDay: number;
  /** Available copies held at the end. */
  readonly heldAtEnd: number;
}

/** One DB's line of the report. */
export interface DbReport {
  readonly account: string;
  readonly region: string;
  readonly id: string;
  readonly kind: "instance" | "cluster";
  readonly sizeGb: number;
  readonly rpoMinutes: number;
  /** When the scenario deleted the DB (ISO); sampling stops there. */
  readonly deletedAt: string | null;
  readonly stages: Partial<Record<DrStage, AgeStats>>;
  /** True when any sample in any stage was older than the RPO. */
  readonly missedRpo: boolean;
}

/** Manual snapshots held in one account and region. */
export interface SnapshotsHeld {
  readonly account: string;
  readonly region: string;
  readonly kind: "instance" | "cluster";
  readonly max: number;
  readonly atEnd: number;
  /** The manual snapshot quota in force at the end (a scenario may lower it). */
  readonly quota: number;
}

/** Executions of one state machine. */
export interface MachineReport {
  /** `<account>/<region>/<step>`. */
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly step: string;
  readonly started: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Still running when the simulation ended. */
  readonly running: number;
  /** Failures by error name. */
  readonly errors: Readonly<Record<string, number>>;
  /** Lambda invocations (step and check runs, retries included). */
  readonly handlerRuns: number;
  /** AWS API calls made by this machine's handlers. */
  readonly apiCalls: { readonly total: number; readonly perRunMean: number; readonly perRunMax: number };
  /** Starts by trigger. */
  readonly triggers: Readonly<Record<string, number>>;
}

/** An alarm that went into ALARM at least once. */
export interface AlarmReport {
  readonly name: string;
  /**
   * `step-failure`: a state machine's ExecutionsFailed alarm. `freshness`: the FreshnessMonitor's alarm, evaluated on
   * the metrics the real freshness Lambda published. `sampled-age`: the simulator's own samples over the RPO, only for
   * DR stacks that deploy no FreshnessMonitor. `drill`: the SnapshotRestorer's drill alarms (failed, slower than RTO).
   */
  readonly kind: "step-failure" | "freshness" | "sampled-age" | "drill" | "quota";
  /** Each time it went to ALARM (ISO) and when it returned to OK (ISO or null). */
  readonly episodes: readonly { readonly firedAt: string; readonly resolvedAt: string | null }[];
}

/** One scheduled drill: the real restore state machine run in `mode: drill`. */
export interface DrillReport {
  /** `<account>/<region>/restore` of the restore state machine. */
  readonly machine: string;
  /** Region restored into. */
  readonly region: string;
  readonly startedAt: string;
  /** When the execution ended (ISO), or null when it was still running at the end of the simulation. */
  readonly finishedAt: string | null;
  /** Virtual minutes from start to end of the execution (clean-up included), or null while running. */
  readonly durationMinutes: number | null;
  /**
   * `RestoreDurationMinutes` the restorer published for the drill: restore plus validation (the drill's RTO
   * measure), or null if none.
   */
  readonly restoreMinutes: number | null;
  /** What the drill validation Lambda decided (`none`: no validation configured), or null if it never got there. */
  readonly validation: "passed" | "failed" | "none" | null;
  /** Minutes the validation took (`DrillValidationMinutes`), or null. */
  readonly validationMinutes: number | null;
  /** The validation's reason, or why it failed. */
  readonly validationReason: string | null;
  readonly status: "SUCCEEDED" | "FAILED" | "RUNNING";
  /** Error name of a failed execution. */
  readonly error: string | null;
  /** DB identifiers the drill restored into. */
  readonly restored: readonly string[];
  /** True when no `rpl-drill-*` DB was left in the restore region once the execution ended. */
  readonly cleanedUp: boolean;
  /** `rpl-drill-*` DBs left behind. */
  readonly leftBehind: readonly string[];
  readonly rtoMinutes: number;
  /** The drill alarms fired: the drill failed, or `RestoreDurationMinutes` > RTO. */
  readonly rtoAlarm: boolean;
}

/** Runs of one freshness Lambda (invoked by EventBridge Scheduler, asynchronously). */
export interface FreshnessRunsReport {
  /** `<account>/<region>/freshness`. */
  readonly name: string;
  readonly schedule: string;
  /** Invocations, Lambda's own retries included. */
  readonly invocations: number;
  /** Invocations that threw. */
  readonly failed: number;
  /** Scheduled runs that failed all three attempts (no datapoint from them). */
  readonly lost: number;
  /** `MaxRecoveryPointAgeMinutes` datapoints published per stage. */
  readonly datapoints: Readonly<Record<string, number>>;
  /** Alarm threshold (the stack's `rpoMinutes`) and period (minutes). */
  readonly thresholdMinutes: number;
  readonly periodMinutes: number;
}

/** Invariants the pipeline must keep; any entry here is a defect, not a fault outcome. */
export interface SafetyReport {
  /** Deletions of the newest available copy of a DB in some account/region. */
  readonly newestCopyDeleted: readonly string[];
  /** Times a DB held fewer available copies in a DR location than retention's minKeep promises. */
  readonly belowMinKeep: readonly string[];
}

/** The whole report. */
export interface SimulationReport {
  readonly scenario: {
    readonly name: string;
    readonly source: string;
    readonly seed: number;
    readonly days: number;
    readonly start: string;
    readonly end: string;
    readonly stacks: readonly string[];
    readonly sampleMinutes: number;
    readonly warmupHours: number;
  };
  readonly dbs: readonly DbReport[];
  readonly snapshotsHeld: readonly SnapshotsHeld[];
  readonly machines: readonly MachineReport[];
  readonly alarms: readonly AlarmReport[];
  /** The DR stacks' recovery components: freshness Lambda runs and scheduled drills. */
  readonly recovery: {
    readonly freshness: readonly FreshnessRunsReport[];
    readonly drills: readonly DrillReport[];
    readonly failovers: readonly FailoverReport[];
  };
  readonly safety: SafetyReport;
  /** Deletions by owner and copy/delete churn (sim/deletionAudit.ts). */
  readonly deletions?: DeletionAudit;
  readonly faults: readonly string[];
  readonly totals: {
    readonly apiCalls: number;
    readonly executions: number;
    readonly executionsFailed: number;
    readonly copiesFull: number;
    readonly copiesIncremental: number;
    /** RDS calls refused with Throttling by the account's API budget. */
    readonly throttledCalls: number;
  };
  /** Throttled RDS calls per account, region and command (empty without an API budget). */
  readonly throttled: readonly {
    readonly account: string;
    readonly region: string;
    readonly command: string;
    readonly count: number;
  }[];
  /** RDS API requests per account and region vs the API budget (sim/apiUsage.ts). */
  readonly apiUsage?: ApiUsageReport;
  /** DBs (`account/id`) that missed their RPO (including the infeasible ones). */
  readonly missedRpo: readonly string[];
  /** Feasible floor per DB and stage (sim/feasibilityReport.ts); a miss below the floor is INFEASIBLE. */
  readonly feasibility?: readonly DbFeasibility[];
  /** Per DB and stage: `[minutes since start, age minutes]` points, hourly maxima (the chart uses finer data). */
  readonly series: Readonly<Record<string, readonly (readonly [number, number])[]>>;
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Rounds to one decimal (report values stay short and stable). */
export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** One failover (`mode: restore`) the scenario started (`recovery.failovers`). */
export interface FailoverReport {
  /** `<account>/<region>/restore`: the restore state machine, in the recovery region. */
  readonly machine: string;
  /** Region restored into. */
  readonly region: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly status: "SUCCEEDED" | "FAILED" | "RUNNING";
  readonly error: string | null;
  /** Minutes until every DB was available (the restorer's `elapsedMinutes`), or null. */
  readonly elapsedMinutes: number | null;
  readonly rtoMinutes: number;
  /** Succeeded within the RTO. */
  readonly withinRto: boolean;
  /** Each restored DB, with the recovery point used and its age when the failover started (the data lost). */
  readonly restored: readonly {
    readonly db: string;
    readonly targetId: string;
    readonly recoveryPoint: string;
    readonly ageAtStartMinutes: number;
  }[];
}

/** Tracks one alarm's state transitions. */
export class AlarmTracker {
  readonly episodes: { firedAt: string; resolvedAt: string | null }[] = [];
  #inAlarm = false;

  constructor(
    readonly name: string,
    readonly kind: AlarmReport["kind"],
  ) {}

  /** Feeds the alarm condition at `atMs`. */
  set(breaching: boolean, atMs: number): void {
    if (breaching && !this.#inAlarm) {
      this.#inAlarm = true;
      this.episodes.push({ firedAt: new Date(atMs).toISOString(), resolvedAt: null });
    } else if (!breaching && this.#inAlarm) {
      this.#inAlarm = false;
      this.episodes[this.episodes.length - 1]!.resolvedAt = new Date(atMs).toISOString();
    }
  }

  get inAlarm(): boolean {
    return this.#inAlarm;
  }
}

/** Renders the report as terminal tables. `color` adds ANSI colours. */
export function renderReport(r: SimulationReport, color = false): string {
  const c = color ? pc : pc.createColors(false);
  const out: string[] = [];
  const s = r.scenario;
  out.push(`${c.bold(`Scenario ${s.name}`)} (${s.source}), seed ${s.seed}, ${s.days} days from ${s.start}`);
  out.push(`Stacks: ${s.stacks.join(", ")}`);
  if (r.faults.length > 0) out.push(`Faults: ${r.faults.join("; ")}`);
  out.push("");
  out.push(
    c.bold(
      `Recovery-point age in the DR account (minutes; sampled every ${s.sampleMinutes} min after a ${s.warmupHours} h warm-up)`,
    ),
  );
  const dbRows: string[][] = [
    [
      "DB",
      "kind",
      "GB",
      "RPO",
      "stage",
      "region",
      "p50",
      "p95",
      "max",
      ">RPO",
      "full/incr",
      "GB/day",
      "held",
      "result",
    ],
  ];
  for (const d of r.dbs) {
    const stages = Object.entries(d.stages) as [DrStage, AgeStats][];
    stages.forEach(([stage, a], i) => {
      const over = a.max > d.rpoMinutes;
      dbRows.push([
        i === 0 ? `${d.account}/${d.id}${d.deletedAt ? " (deleted)" : ""}` : "",
        i === 0 ? d.kind : "",
        i === 0 ? String(d.sizeGb) : "",
        i === 0 ? String(d.rpoMinutes) : "",
        stage,
        a.region,
        String(a.p50),
        String(a.p95),
        over ? c.red(String(a.max)) : String(a.max),
        String(a.samplesOverRpo),
        `${a.copies.full}/${a.copies.incremental}`,
        String(a.gbCopiedPerDay),
        String(a.heldAtEnd),
        over ? c.red("MISSED") : c.green("met"),
      ]);
    });
  }
  out.push(table(dbRows));
  if (r.throttled.length > 0) {
    out.push(
      `Throttled RDS calls (account API budget): ${r.throttled
        .map((t) => `${t.account}/${t.region} ${t.command} x${t.count}`)
        .join(", ")}`,
    );
  }
  if (r.apiUsage) {
    const api = renderApiUsage(r.apiUsage, c);
    out.push("", c.bold(api.title), table(api.rows), ...api.notes);
  }
  const feasible = renderFeasibility(r, c);
  if (feasible) out.push("", c.bold(feasible.title), table(feasible.rows), ...feasible.notes);
  out.push("");
  out.push(c.bold("Manual snapshots held vs quota"));
  const held = [["account", "region", "kind", "max", "at end", "quota"]];
  for (const h of r.snapshotsHeld) {
    const near = h.max >= h.quota;
    held.push([
      h.account,
      h.region,
      h.kind,
      near ? c.red(String(h.max)) : String(h.max),
      String(h.atEnd),
      String(h.quota),
    ]);
  }
  out.push(table(held));
  out.push("");
  out.push(c.bold("State machine executions"));
  const m = [["machine", "started", "ok", "failed", "running", "runs", "API calls/run (mean, max)", "errors"]];
  for (const x of r.machines) {
    m.push([
      x.name,
      String(x.started),
      String(x.succeeded),
      x.failed > 0 ? c.red(String(x.failed)) : "0",
      String(x.running),
      String(x.handlerRuns),
      `${x.apiCalls.perRunMean}, ${x.apiCalls.perRunMax}`,
      Object.entries(x.errors)
        .map(([k, v]) => `${k}×${v}`)
        .join(" "),
    ]);
  }
  out.push(table(m));
  out.push("");
  out.push(c.bold("Alarms that would have fired"));
  if (r.alarms.length === 0) out.push("  none");
  for (const a of r.alarms) {
    const first = a.episodes
      .slice(0, 3)
      .map((e) => `${e.firedAt}${e.resolvedAt ? ` → OK ${e.resolvedAt}` : " (still in ALARM)"}`);
    const more = a.episodes.length > 3 ? ` … ${a.episodes.length - 3} more` : "";
    out.push(`  ${c.yellow(a.name)} (${a.kind}): ${a.episodes.length}× — ${first.join("; ")}${more}`);
  }
  if (r.recovery.freshness.length > 0 || r.recovery.drills.length > 0 || r.recovery.failovers.length > 0) {
    out.push("");
    out.push(c.bold("Recovery components"));
    for (const f of r.recovery.freshness) {
      const points = Object.entries(f.datapoints)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      out.push(
        `  ${f.name} (${f.schedule}; alarm: max age > ${f.thresholdMinutes} min per ${f.periodMinutes} min, missing = breaching): ` +
          `${f.invocations} runs, ${f.failed > 0 ? c.red(String(f.failed)) : "0"} failed, ${f.lost} lost; datapoints ${points || "none"}`,
      );
    }
    if (r.recovery.drills.length > 0) {
      const d = [
        [
          "drill",
          "started",
          "minutes",
          "restore+validation min",
          "RTO",
          "validation",
          "result",
          "cleaned up",
          "alarm",
          "DBs",
        ],
      ];
      for (const x of r.recovery.drills) {
        d.push([
          x.machine,
          x.startedAt,
          x.durationMinutes === null ? "-" : String(x.durationMinutes),
          x.restoreMinutes === null ? "-" : String(x.restoreMinutes),
          String(x.rtoMinutes),
          x.validation === null
            ? "-"
            : `${x.validation}${x.validationMinutes !== null ? ` (${x.validationMinutes} min)` : ""}${x.validationReason ? `: ${x.validationReason}` : ""}`,
          x.status === "SUCCEEDED" ? c.green("ok") : c.red(`${x.status}${x.error ? ` ${x.error}` : ""}`),
          x.cleanedUp ? "yes" : c.red(`NO: ${x.leftBehind.join(" ")}`),
          x.rtoAlarm ? c.red("ALARM") : "-",
          x.restored.join(" "),
        ]);
      }
      out.push(table(d));
    } else {
      out.push("  no drill ran in the simulated time");
    }
    if (r.recovery.failovers.length > 0) {
      const f = [
        ["failover", "region", "started", "minutes", "RTO", "result", "DB -> restored (recovery point, age at start)"],
      ];
      for (const x of r.recovery.failovers) {
        f.push([
          x.machine,
          x.region,
          x.startedAt,
          x.elapsedMinutes === null ? "-" : String(x.elapsedMinutes),
          String(x.rtoMinutes),
          x.withinRto
            ? c.green("ok within RTO")
            : c.red(`${x.status}${x.error ? ` ${x.error}` : ""}${x.status === "SUCCEEDED" ? " over RTO" : ""}`),
          x.restored.map((d) => `${d.db} -> ${d.targetId} (${d.recoveryPoint}, ${d.ageAtStartMinutes} min)`).join("; "),
        ]);
      }
      out.push(table(f));
    }
  }
  if (r.safety.newestCopyDeleted.length > 0 || r.safety.belowMinKeep.length > 0) {
    out.push("");
    out.push(c.red(c.bold("SAFETY VIOLATIONS")));
    for (const v of [...r.safety.newestCopyDeleted, ...r.safety.belowMinKeep]) out.push(`  ${v}`);
  }
  if (r.deletions) {
    const d = r.deletions;
    out.push("");
    out.push(
      `Deletions: ${d.byOwner.owned} owned, ${d.byOwner.unowned} unowned (${d.unownedByTool.length} by the tool); ` +
        `${d.churn.length} owned copies deleted within one interval of becoming available.`,
    );
    for (const v of [...d.unownedByTool, ...d.churn].slice(0, 20)) out.push(`  ${v}`);
  }
  out.push("");
  const t = r.totals;
  out.push(
    `Totals: ${t.executions} executions (${t.executionsFailed} failed), ${t.apiCalls} API calls, ` +
      `${t.copiesFull} full and ${t.copiesIncremental} incremental copies.`,
  );
  const infeasible = new Set(infeasibleMisses(r, r.feasibility ?? []));
  const missed = r.missedRpo.filter((db) => !infeasible.has(db));
  out.push(
    missed.length === 0
      ? c.green(infeasible.size === 0 ? `Every DB met its RPO.` : `Every DB whose RPO is feasible met it.`)
      : c.red(`${missed.length} DB(s) missed the RPO: ${missed.join(", ")}`),
  );
  if (infeasible.size > 0) {
    out.push(
      c.yellow(
        `${infeasible.size} DB(s) have an RPO below their feasible floor (INFEASIBLE): ${[...infeasible].join(", ")}`,
      ),
    );
  }
  return out.join("\n");
}

function table(rows: readonly (readonly string[])[]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours to measure widths.
  const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, "").length;
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visible(cell));
    });
  }
  return rows
    .map((row) => `  ${row.map((cell, i) => cell + " ".repeat(widths[i]! - visible(cell))).join("  ")}`.trimEnd())
    .join("\n");
}
