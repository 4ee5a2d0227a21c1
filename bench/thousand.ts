/**
 * Bench section `thousand`: scenarios/thousand-dbs.yaml (1,000 DBs in one account, one DR account, 1 virtual day,
 * AWS's default RDS API budget) run in a child process from an esbuild bundle of bench/thousandChild.ts (sim/bundle.ts:
 * the same report as from source, without tsx's compile and closure wrappers), with its CPU time (user + system of the
 * child) and what issue 10 judges it by: executions failed for throttling (a sweep whose DBs' runs gave up on
 * throttling included, sim/apiUsage.ts `ThrottledRuns`), the peak and mean RDS requests per hour of every account and
 * region against the hourly budget, the busiest minute and second, the fewest tokens left in the bucket, and DBs met /
 * missed / infeasible. Each goal is printed with its verdict.
 */
import { spawnSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { buildSimulatorBundle } from "../sim/bundle";
import type { ScaleRunSummary } from "../sim/scaleScenario";
import { childrenCpuSeconds } from "./cpu";

/** Issue 10's CPU target for the 1,000-DB day (user + system seconds). */
const CPU_TARGET_S = 60;

/** Runs the scenario at each size (number of DBs) and prints one block per run; returns each run's goal line. */
export async function thousandFigures(root: string, sizes: readonly number[]): Promise<string[]> {
  const goals: string[] = [];
  console.log(
    "== thousand-dbs: scenarios/thousand-dbs.yaml (1 virtual day, API budget burst 300, 12/s), bundled child process",
  );
  // In dist/, one level below the repository: the child finds ../scenarios/thousand-dbs.yaml from there.
  const bundle = resolve(root, "dist", "thousand-child.cjs");
  await buildSimulatorBundle(bundle, resolve(root, "bench", "thousandChild.ts"));
  for (const dbs of sizes) {
    const args = [relative(root, bundle), String(dbs)];
    const before = childrenCpuSeconds();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
    const cpu = childrenCpuSeconds() - before;
    console.log(`  node ${args.join(" ")}   (the bench builds the bundle from bench/thousandChild.ts)`);
    if (r.status !== 0) {
      console.log(
        `  ${dbs} DBs: exit ${r.status ?? r.signal}: ${String(r.stderr).trim().split("\n").slice(-3).join(" | ")}`,
      );
      goals.push(`thousand-dbs (${dbs} DBs): the run failed (exit ${r.status ?? r.signal}): NOT met`);
      continue;
    }
    const s = JSON.parse(String(r.stdout).trim().split("\n").at(-1)!) as ScaleRunSummary;
    const lines = thousandLines(s, cpu);
    for (const line of lines) console.log(line);
    goals.push(`thousand-dbs (${dbs} DBs), ${lines.at(-1)?.trim() ?? ""}`);
  }
  return goals;
}

/** The printed block of one run: figures, then one verdict line per goal of issue 10. */
export function thousandLines(s: ScaleRunSummary, cpu: number): string[] {
  const pct = (v: number, of: number) => (of > 0 ? `${((100 * v) / of).toFixed(1)} %` : "n/a");
  const ok = (b: boolean) => (b ? "met" : "NOT met");
  const byMachine = (m: Readonly<Record<string, number>>) =>
    Object.entries(m)
      .map(([k, v]) => `${k} x${v}`)
      .join(", ") || "none";
  const lines = [
    `  ${s.dbs} DBs: cpu ${cpu.toFixed(1)} s (user+sys); executions ${s.executions} (${s.executionsFailed} failed: ` +
      `${byMachine(s.failedByMachine)}); throttled attempts ${s.throttledAttempts}`,
    `    RDS API requests per account and region (budget: ${s.budget.perHour}/h, ${s.budget.perMinute}/min, burst ${s.budget.burst}):`,
  ];
  for (const a of s.accounts) {
    lines.push(
      `      ${a.account}/${a.region}: peak ${a.peakPerHour}/h (${pct(a.peakPerHour, s.budget.perHour)}), mean ` +
        `${a.meanPerHour}/h (${pct(a.meanPerHour, s.budget.perHour)}), peak ${a.peakPerMinute}/min, ` +
        `${a.peakPerSecond}/s; fewest tokens ${a.minTokens}; throttled attempts ${a.throttled}`,
    );
  }
  lines.push(
    `    state machines (executions / Lambda runs / API calls): ${s.machines
      .map((m) => `${m.name} ${m.started}/${m.handlerRuns}/${m.apiCalls}`)
      .join(", ")}`,
    `    DBs: ${s.met} met, ${s.missed} missed (feasible RPO), ${s.infeasible} infeasible; worst recovery-point age ` +
      `${s.worstAgeMinutes} min`,
    `    goals: 0 executions failed for throttling: ${ok(s.executionsFailedThrottling === 0)} ` +
      `(${s.executionsFailedThrottling}: ${byMachine(s.failedThrottlingByMachine)}); every feasible DB within RPO: ` +
      `${ok(s.missed === 0)}; peak hour below the budget: ${ok(s.peakPerHour < s.budget.perHour)} ` +
      `(${s.peakPerHour} of ${s.budget.perHour}); cpu < ${CPU_TARGET_S} s: ${ok(cpu < CPU_TARGET_S)}` +
      `${s.dbs < 1000 ? ` (${s.dbs} DBs, not the 1,000 the goal is about)` : ""}`,
  );
  return lines;
}
