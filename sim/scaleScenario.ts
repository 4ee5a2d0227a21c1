/**
 * A scenario with generated DBs (`dbGenerators`, sim/dbGenerator.ts) scaled to another number of DBs: the generators
 * keep their shares (an 80/20 instance/cluster split stays 80/20), names, size and change-rate ranges and seeds, so
 * a smaller run of a large scenario (50, 100, 250 DBs of `thousand-dbs`) measures the same fleet, only fewer of it.
 * Listed `dbs` are kept as they are.
 *
 * With `scaleLimits`, the account limits shrink in proportion too: the API budget (`aws.apiRateLimit` burst and
 * refill) and the copies in flight per region (`aws.copiesInFlightPerRegion`, at least 1), so each DB draws on the
 * same share of them as in the full run and a small run meets the same pressure (fewer copy lanes queue more
 * unevenly, so it errs on the pessimistic side).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../functions/lib/errors";
import { infeasibleMisses } from "./feasibilityReport";
import type { SimulationReport } from "./report";
import { parseScenario, type Scenario } from "./scenario";

/** Options of {@link loadScaledScenario}. */
export interface ScaleOptions {
  /** Shrink the API budget and copies in flight with the DBs. */
  readonly scaleLimits?: boolean;
}

/** Loads `path` with its generated DBs scaled to `dbs` in total (every generator keeps at least one DB). */
export function loadScaledScenario(path: string, dbs: number, options: ScaleOptions = {}): Scenario {
  if (!Number.isInteger(dbs) || dbs < 1)
    throw new ConfigError(`number of DBs must be a whole number >= 1 (got ${dbs})`);
  const abs = resolve(path);
  const raw = parseYaml(readFileSync(abs, "utf8")) as Record<string, unknown>;
  const gens = raw.dbGenerators as Record<string, { count: number }[]> | undefined;
  const all = Object.values(gens ?? {}).flat();
  const total = all.reduce((a, g) => a + g.count, 0);
  if (total === 0) throw new ConfigError(`${path}: no dbGenerators to scale`);
  // Largest-remainder apportionment, so the counts add up to exactly `dbs` (at least one per generator).
  const exact = all.map((g) => (g.count * dbs) / total);
  const counts = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = dbs - counts.reduce((a, c) => a + c, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k]![1]]! += 1;
  all.forEach((g, i) => {
    g.count = counts[i]!;
  });
  if (options.scaleLimits) {
    // Multiply before dividing: 12 * 100 / 1000 is exactly 1.2, 12 * (100 / 1000) is not.
    const f = (v: number) => (v * dbs) / total;
    const aws = (raw.aws ?? {}) as {
      apiRateLimit?: { burst: number; refillPerSecond: number };
      copiesInFlightPerRegion?: number;
    };
    if (aws.apiRateLimit) {
      aws.apiRateLimit = {
        burst: Math.max(1, Math.round(f(aws.apiRateLimit.burst))),
        refillPerSecond: f(aws.apiRateLimit.refillPerSecond),
      };
    }
    aws.copiesInFlightPerRegion = Math.max(1, Math.round(f(aws.copiesInFlightPerRegion ?? 20)));
    raw.aws = aws;
  }
  return parseScenario(raw, abs);
}

/** What a scale run is judged by (bench `thousand`, tests/sim/thousandDbs.test.ts). */
export interface ScaleRunSummary {
  readonly dbs: number;
  /** DBs within their RPO; missed = over it with a feasible RPO; infeasible = over it with an RPO below the floor. */
  readonly met: number;
  readonly missed: number;
  readonly infeasible: number;
  readonly executions: number;
  readonly executionsFailed: number;
  readonly executionsFailedThrottling: number;
  readonly throttledAttempts: number;
  /** Busiest account and region: peak hour, mean per hour, peak minute; fewest tokens left in any bucket. */
  readonly peakPerHour: number;
  readonly meanPerHour: number;
  readonly peakPerMinute: number;
  readonly minTokens: number;
  readonly budget: { readonly burst: number; readonly perMinute: number; readonly perHour: number };
  /** Every account and region that called RDS: requests per hour (peak, mean), busiest minute and second, bucket. */
  readonly accounts: readonly {
    readonly account: string;
    readonly region: string;
    readonly requests: number;
    readonly peakPerHour: number;
    readonly meanPerHour: number;
    readonly peakPerMinute: number;
    readonly peakPerSecond: number;
    readonly minTokens: number;
    readonly throttled: number;
  }[];
  /** Executions failed for throttling per machine (`account/region/step`). */
  readonly failedThrottlingByMachine: Readonly<Record<string, number>>;
  /** Per state machine: executions started, Lambda runs (retries and check-loop polls included) and AWS API calls. */
  readonly machines: readonly {
    readonly name: string;
    readonly started: number;
    readonly handlerRuns: number;
    readonly apiCalls: number;
  }[];
  /** Executions failed per machine and error, e.g. `111111111111/eu-west-1/take PartialFailureError`. */
  readonly failedByMachine: Readonly<Record<string, number>>;
  readonly worstAgeMinutes: number;
}

/** Summarizes a finished run's report for a scale check. */
export function summarizeScaleRun(r: SimulationReport): ScaleRunSummary {
  const infeasible = infeasibleMisses(r, r.feasibility ?? []).length;
  const u = r.apiUsage;
  const rows = u?.rows ?? [];
  let worst = 0;
  for (const d of r.dbs) for (const s of Object.values(d.stages)) if (s) worst = Math.max(worst, s.max);
  return {
    dbs: r.dbs.length,
    met: r.dbs.length - r.missedRpo.length,
    missed: r.missedRpo.length - infeasible,
    infeasible,
    executions: r.totals.executions,
    executionsFailed: r.totals.executionsFailed,
    executionsFailedThrottling: u?.executionsFailedThrottling.total ?? 0,
    throttledAttempts: r.totals.throttledCalls,
    peakPerHour: u?.peakPerHour ?? 0,
    meanPerHour: rows.reduce((a, x) => Math.max(a, x.perHour.mean), 0),
    peakPerMinute: rows.reduce((a, x) => Math.max(a, x.perMinute.peak), 0),
    minTokens: rows.reduce((a, x) => Math.min(a, x.minTokens), u?.budget.burst ?? 0),
    budget: { burst: u?.budget.burst ?? 0, perMinute: u?.budget.perMinute ?? 0, perHour: u?.budget.perHour ?? 0 },
    accounts: rows.map((x) => ({
      account: x.account,
      region: x.region,
      requests: x.requests,
      peakPerHour: x.perHour.peak,
      meanPerHour: x.perHour.mean,
      peakPerMinute: x.perMinute.peak,
      peakPerSecond: x.perSecondPeak,
      minTokens: x.minTokens,
      throttled: x.throttled,
    })),
    failedThrottlingByMachine: u?.executionsFailedThrottling.byMachine ?? {},
    machines: r.machines.map((m) => ({
      name: m.name,
      started: m.started,
      handlerRuns: m.handlerRuns,
      apiCalls: m.apiCalls.total,
    })),
    failedByMachine: Object.fromEntries(
      r.machines.flatMap((m) => Object.entries(m.errors).map(([e, n]) => [`${m.name} ${e}`, n] as const)),
    ),
    worstAgeMinutes: worst,
  };
}
