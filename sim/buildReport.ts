/**
 * The report: per-DB recovery-point age statistics and copies, per-machine executions and API calls, alarms,
 * recovery components, safety findings, faults and totals, plus the full-resolution series for the chart.
 */

import { basename } from "node:path";
import { apiUsageOf } from "./apiUsage";
import { auditDeletions } from "./deletionAudit";
import type { Machine } from "./executions";
import { feasibilityOfRun } from "./feasibilityReport";
import type { RecoveryRecord } from "./recoveryTriggers";
import {
  type AgeStats,
  type AlarmTracker,
  type DbReport,
  type DrStage,
  type MachineReport,
  percentile,
  round1,
  type SimulationReport,
} from "./report";
import type { Samples } from "./sampling";
import { HOUR, type SimContext } from "./simContext";

/** The parts of a finished run the report is built from. */
export interface ReportInputs {
  readonly machines: readonly Machine[];
  /** The quota alarms (`SnapshotQuotaBlocked`, per account, region and kind) the run evaluated. */
  readonly quotaAlarms?: readonly AlarmTracker[];
  readonly recovery: RecoveryRecord;
  readonly sampled: Samples;
  readonly faultNotes: readonly string[];
}

/** Series per `account/db stage`: every sample as `[epoch ms, age minutes]`, and the DB's RPO. */
export type SampleSeries = Map<string, { rpoMinutes: number; points: [number, number][] }>;

/** Builds the report of a finished run. */
export function buildReport(
  ctx: SimContext,
  { machines, quotaAlarms = [], recovery, sampled, faultNotes }: ReportInputs,
): { report: SimulationReport; samples: SampleSeries } {
  const { scenario, startMs, endMs, stacks, dbStates, safety } = ctx;
  const dbs: DbReport[] = dbStates.map((d) => {
    const stages: Partial<Record<DrStage, AgeStats>> = {};
    let missed = false;
    for (const [name, s] of d.stages) {
      const sorted = [...s.ages].sort((a, b) => a - b);
      const max = round1(sorted[sorted.length - 1] ?? 0);
      if (s.over > 0) missed = true;
      stages[name] = {
        region: s.region,
        p50: round1(percentile(sorted, 50)),
        p95: round1(percentile(sorted, 95)),
        max,
        samples: sorted.length,
        samplesOverRpo: s.over,
        firstCopyAt: s.firstCopyAt !== undefined ? new Date(s.firstCopyAt).toISOString() : null,
        copies: { full: s.full, incremental: s.incremental },
        gbCopiedPerDay: round1(s.gbCopied / scenario.days),
        heldAtEnd: s.held,
      };
    }
    return {
      account: d.account,
      region: d.region,
      id: d.db.id,
      kind: d.db.kind,
      sizeGb: d.db.sizeGb,
      rpoMinutes: d.rpoMinutes,
      deletedAt: d.deletedAt !== undefined ? new Date(d.deletedAt).toISOString() : null,
      stages,
      missedRpo: missed,
    };
  });

  const machineReports: MachineReport[] = machines.map((m) => ({
    name: m.name,
    account: m.account,
    region: m.region,
    step: m.step,
    started: m.started,
    succeeded: m.succeeded,
    failed: m.failed,
    running: m.running,
    errors: sortKeys(m.errors),
    handlerRuns: m.handlerRuns,
    apiCalls: {
      total: m.callsTotal,
      perRunMean: round1(m.callsTotal / Math.max(1, m.handlerRuns)),
      perRunMax: m.callsMax,
    },
    triggers: sortKeys(m.triggers),
  }));

  const series: Record<string, [number, number][]> = {};
  const samples = new Map<string, { rpoMinutes: number; points: [number, number][] }>();
  for (const d of dbStates) {
    for (const [stage, s] of d.stages) {
      const key = `${d.account}/${d.db.id} ${stage}`;
      samples.set(key, { rpoMinutes: d.rpoMinutes, points: s.points });
      // Hourly maxima keep report.json small while still showing every miss.
      const hourly = new Map<number, number>();
      for (const [t, age] of s.points) {
        const h = Math.floor((t - startMs) / HOUR);
        hourly.set(h, Math.max(hourly.get(h) ?? 0, age));
      }
      series[key] = [...hourly.entries()].map(([h, age]) => [(h + 1) * 60, age]);
    }
  }

  const alarms = [
    ...machines
      .filter((m) => m.alarm.episodes.length > 0)
      .map((m) => ({ name: m.alarm.name, kind: m.alarm.kind, episodes: m.alarm.episodes })),
    ...[...recovery.alarms, ...sampled.freshness.values(), ...quotaAlarms]
      .filter((a) => a.episodes.length > 0)
      .map((a) => ({ name: a.name, kind: a.kind, episodes: a.episodes })),
  ];
  const totals = {
    apiCalls: machines.reduce((a, m) => a + m.callsTotal, 0),
    executions: machines.reduce((a, m) => a + m.started, 0),
    executionsFailed: machines.reduce((a, m) => a + m.failed, 0),
    copiesFull: dbStates.reduce((a, d) => a + [...d.stages.values()].reduce((b, s) => b + s.full, 0), 0),
    copiesIncremental: dbStates.reduce((a, d) => a + [...d.stages.values()].reduce((b, s) => b + s.incremental, 0), 0),
    throttledCalls: ctx.world.throttled.length,
  };
  const report: SimulationReport = {
    scenario: {
      name: scenario.name,
      source: displayPath(scenario.source),
      seed: scenario.seed,
      days: scenario.days,
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      stacks: stacks.map(
        (s) =>
          `${basename(s.file)} (${s.config.role}, ${s.account}, ${s.config.region}${s.config.drRegion ? ` -> ${s.config.drRegion}` : ""})`,
      ),
      sampleMinutes: scenario.sampleMinutes,
      warmupHours: scenario.warmupHours,
    },
    dbs,
    snapshotsHeld: [...sampled.held.values()].filter((h) => h.max > 0),
    machines: machineReports,
    alarms,
    recovery: { freshness: recovery.freshnessRuns, drills: recovery.drills, failovers: recovery.failovers },
    safety: { newestCopyDeleted: safety.newestCopyDeleted, belowMinKeep: safety.belowMinKeep.slice(0, 50) },
    deletions: auditDeletions(ctx),
    faults: faultNotes,
    throttled: summarizeThrottled(ctx.world.throttled),
    apiUsage: apiUsageOf(ctx.world.calls, ctx.world.throttled, machines, ctx, scenario.aws.apiRateLimit),
    totals,
    missedRpo: dbs.filter((d) => d.missedRpo).map((d) => `${d.account}/${d.id}`),
    feasibility: feasibilityOfRun(scenario, stacks, { dbs }),
    series,
  };

  return { report, samples };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** Paths relative to the working directory, so reports do not depend on where the repository lives. */
function displayPath(p: string): string {
  const cwd = process.cwd();
  return p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p;
}

/** RDS calls refused by the account's API budget (rule API-THROTTLING), counted per account, region and command. */
function summarizeThrottled(
  calls: readonly { account: string; region: string; command: string }[],
): SimulationReport["throttled"] {
  const counts = new Map<string, { account: string; region: string; command: string; count: number }>();
  for (const c of calls) {
    const k = `${c.account}|${c.region}|${c.command}`;
    const e = counts.get(k) ?? { account: c.account, region: c.region, command: c.command, count: 0 };
    e.count++;
    counts.set(k, e);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}
