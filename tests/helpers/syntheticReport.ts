/**
 * A small synthetic simulation result (report + samples + fault timetable) for tests of the HTML report: sawtooth
 * recovery-point ages per DB and stage, one alarm episode, one drill, one outage, one quota window, one deleted DB.
 * Deterministic; no simulator run.
 */
import type { HtmlReportInput } from "../../sim/htmlReport";
import type { DbReport, SimulationReport } from "../../sim/report";

export const SYN_START = Date.parse("2026-01-05T00:00:00Z");
const MIN = 60_000;

/** `dbs` DBs in account 111111111111, two stages each, `hours` of samples every 5 minutes, RPO 60 min. */
export function syntheticInput(dbs: number, hours = 24): HtmlReportInput {
  const end = SYN_START + hours * 60 * MIN;
  const samples = new Map<string, { rpoMinutes: number; points: [number, number][] }>();
  const dbReports: DbReport[] = [];
  for (let i = 0; i < dbs; i++) {
    const id = `db-${String(i).padStart(2, "0")}`;
    for (const [stage, offset] of [
      ["dr", 20],
      ["dr-region", 35],
    ] as const) {
      const points: [number, number][] = [];
      for (let t = SYN_START + 5 * MIN; t <= end; t += 5 * MIN) {
        const minutes = (t - SYN_START) / MIN;
        // Before the first copy the age counts from the start; then a 30-minute sawtooth above `offset`.
        points.push([t, minutes < 60 ? minutes : offset + ((minutes + i * 5) % 30)]);
      }
      samples.set(`111111111111/${id} ${stage}`, { rpoMinutes: 60, points });
    }
    dbReports.push({
      account: "111111111111",
      region: "eu-west-1",
      id,
      kind: "instance",
      sizeGb: 100,
      rpoMinutes: 60,
      deletedAt: null,
      stages: {
        dr: {
          region: "eu-west-1",
          p50: 35,
          p95: 48,
          max: 50,
          samples: 100,
          samplesOverRpo: 0,
          firstCopyAt: null,
          copies: { full: 1, incremental: 10 },
          gbCopiedPerDay: 12.5,
          heldAtEnd: 5,
        },
      },
      missedRpo: false,
    });
  }
  const report: SimulationReport = {
    scenario: {
      name: `synthetic-${dbs}`,
      source: "tests/helpers/syntheticReport.ts",
      seed: 1,
      days: hours / 24,
      start: new Date(SYN_START).toISOString(),
      end: new Date(end).toISOString(),
      stacks: ["Pulumi.prod.yaml (source, 111111111111, eu-west-1)"],
      sampleMinutes: 5,
      warmupHours: 2,
    },
    dbs: dbReports,
    snapshotsHeld: [],
    machines: [],
    alarms: [
      {
        name: "222222222222/eu-west-1 freshness alarm (dr)",
        kind: "freshness",
        episodes: [{ firedAt: "2026-01-05T12:30:00.000Z", resolvedAt: "2026-01-05T15:30:00.000Z" }],
      },
    ],
    recovery: {
      freshness: [],
      drills: [
        {
          machine: "222222222222/eu-central-1/restore",
          region: "eu-central-1",
          startedAt: "2026-01-05T08:00:00.000Z",
          finishedAt: "2026-01-05T08:45:00.000Z",
          durationMinutes: 45,
          restoreMinutes: 40,
          status: "SUCCEEDED",
          error: null,
          restored: ["rpl-drill-db-00-202601050800"],
          cleanedUp: true,
          leftBehind: [],
          rtoMinutes: 240,
          rtoAlarm: false,
          validation: "none",
          validationMinutes: null,
          validationReason: null,
        },
      ],
      failovers: [],
    },
    safety: { newestCopyDeleted: [], belowMinKeep: [] },
    throttled: [],
    faults: ["account 111111111111 down 2026-01-05T12:00:00.000Z for 3 h"],
    totals: { apiCalls: 0, executions: 0, executionsFailed: 0, copiesFull: 0, copiesIncremental: 0, throttledCalls: 0 },
    missedRpo: [],
    series: {},
  };
  return {
    report,
    samples,
    scenario: {
      faults: {
        throttleRate: 0,
        failedCopyRate: 0,
        outages: [{ account: "111111111111", startHours: 12, hours: 3 }],
        deleteDbs: [{ account: "111111111111", id: "db-00", atHours: 20 }],
        snapshotQuotas: [{ account: "111111111111", max: 3, startHours: 16 }],
      },
    },
  };
}
