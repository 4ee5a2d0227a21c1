/**
 * Bench section `thousand`: scenarios/thousand-dbs.yaml (1,000 DBs in one account, one DR account, 1 virtual day,
 * AWS's default RDS API budget) run in a child process (bench/thousandChild.ts), with its CPU time (user + system of
 * the child) and what issue 10 judges it by: executions failed for throttling, the peak and mean API requests per hour
 * and the peak per minute against the budget, the fewest tokens left in the bucket, and DBs met / missed / infeasible.
 */
import { spawnSync } from "node:child_process";
import type { ScaleRunSummary } from "../sim/scaleScenario";
import { childrenCpuSeconds } from "./cpu";

/** Runs the scenario at each size (number of DBs) and prints one block per run. */
export function thousandFigures(root: string, sizes: readonly number[]): void {
  console.log(
    "== thousand-dbs: scenarios/thousand-dbs.yaml (1 virtual day, API budget burst 300, 12/s), child process",
  );
  for (const dbs of sizes) {
    const args = ["--import", "tsx", "bench/thousandChild.ts", String(dbs)];
    const before = childrenCpuSeconds();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
    const cpu = childrenCpuSeconds() - before;
    console.log(`  node ${args.join(" ")}`);
    if (r.status !== 0) {
      console.log(
        `  ${dbs} DBs: exit ${r.status ?? r.signal}: ${String(r.stderr).trim().split("\n").slice(-3).join(" | ")}`,
      );
      continue;
    }
    const s = JSON.parse(String(r.stdout).trim().split("\n").at(-1)!) as ScaleRunSummary;
    const pct = (v: number, of: number) => (of > 0 ? `${((100 * v) / of).toFixed(1)} %` : "n/a");
    console.log(
      `  ${s.dbs} DBs: cpu ${cpu.toFixed(1)} s (user+sys); executions ${s.executions} (${s.executionsFailed} failed, ` +
        `${s.executionsFailedThrottling} for throttling); throttled attempts ${s.throttledAttempts}\n` +
        `    API requests (busiest account/region): peak ${s.peakPerHour}/h (${pct(s.peakPerHour, s.budget.perHour)} of ` +
        `${s.budget.perHour}/h), mean ${s.meanPerHour}/h, peak ${s.peakPerMinute}/min (refill ${s.budget.perMinute}/min), ` +
        `fewest tokens left ${s.minTokens} of ${s.budget.burst}\n` +
        `    DBs: ${s.met} met, ${s.missed} missed, ${s.infeasible} infeasible; worst recovery-point age ${s.worstAgeMinutes} min`,
    );
  }
}
