/**
 * Bench section `scenarios`: every shipped scenario (scenarios/*.yaml) except the two with their own sections
 * (twenty-dbs: `sim-cpu`; thousand-dbs: `thousand`) for its full virtual length, each in its own child process of the
 * bundled simulator (sim/bundle.ts, the same report as `npm run simulate -- --scenario FILE`), printing one row per
 * scenario: exit code, CPU time (user + system of the child), per DB and DR stage the worst sampled age after the
 * warm-up with full/incremental copies and GB copied per day, the feasible floor of the DB's worst stage and the
 * verdict (met / MISSED / INFEASIBLE as the report's "feasible vs achieved" section decides it, or "missed as
 * expected" for a DB the scenario lists in `recovery.expectMissedRpo`), and the run's
 * failed executions, throttled RDS calls and API calls. docs/simulation.md "Measured results" is this output.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { relative, resolve } from "node:path";
import { buildSimulatorBundle } from "../sim/bundle";
import { infeasibleMisses, rpoResult } from "../sim/feasibilityReport";
import type { SimulationReport } from "../sim/report";
import { loadScenario } from "../sim/scenario";
import { childrenCpuSeconds } from "./cpu";

/** Scenarios measured by their own bench section. */
const OWN_SECTION = new Set(["twenty-dbs.yaml", "thousand-dbs.yaml"]);

export async function scenarioFigures(root: string): Promise<void> {
  console.log("== Shipped scenarios (full length, bundled simulator in a child process; cpu = user+sys of the child)");
  const bundle = resolve(root, "dist", "sim-bench.cjs");
  await buildSimulatorBundle(bundle);
  const files = readdirSync(resolve(root, "scenarios"))
    .filter((f) => f.endsWith(".yaml") && !OWN_SECTION.has(f))
    .sort();
  for (const file of files) {
    const args = [relative(root, bundle), "--scenario", `scenarios/${file}`, "--json", "--no-progress"];
    const before = childrenCpuSeconds();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
    const cpu = childrenCpuSeconds() - before;
    console.log(`  node ${args.join(" ")}`);
    if (!r.stdout?.length) {
      console.log(`    exit ${r.status ?? r.signal}: ${String(r.stderr).trim().split("\n").slice(-2).join(" | ")}`);
      continue;
    }
    const report = JSON.parse(String(r.stdout)) as SimulationReport;
    const expected = loadScenario(resolve(root, "scenarios", file)).recovery.expectMissedRpo;
    for (const line of scenarioLines(report, r.status ?? -1, cpu, expected)) console.log(line);
  }
}

/** One scenario's lines: a header with the exit code and totals, then one line per DB. */
export function scenarioLines(
  r: SimulationReport,
  exit: number,
  cpu: number,
  expectMissedRpo: readonly string[] = [],
): string[] {
  const expected = new Set(expectMissedRpo);
  const infeasible = new Set(infeasibleMisses(r, r.feasibility ?? []));
  const floors = new Map((r.feasibility ?? []).map((f) => [f.db, f]));
  const t = r.totals;
  const lines = [
    `    exit ${exit}, cpu ${cpu.toFixed(1)} s; ${r.scenario.days} days, warm-up ${r.scenario.warmupHours} h; ` +
      `${t.executions} executions (${t.executionsFailed} failed), ${t.apiCalls} API calls (${t.throttledCalls} throttled); ` +
      `safety findings ${r.safety.newestCopyDeleted.length + r.safety.belowMinKeep.length}`,
  ];
  for (const d of r.dbs) {
    const key = `${d.account}/${d.id}`;
    const stages = Object.entries(d.stages).flatMap(([stage, s]) =>
      s ? [`${stage} ${s.max} (${s.copies.full}/${s.copies.incremental}, ${s.gbCopiedPerDay} GB/day)`] : [],
    );
    const worst = Math.max(0, ...Object.values(d.stages).map((s) => s?.max ?? 0));
    const f = floors.get(key);
    const floor = f ? Math.max(0, ...Object.values(f.floorMinutes).map((v) => v ?? 0)) : undefined;
    const result = rpoResult(worst, d.rpoMinutes, infeasible.has(key));
    const verdict = result !== "met" && expected.has(key) ? "missed as expected" : result;
    lines.push(
      `      ${d.id} (${d.sizeGb} GB ${d.kind}${d.deletedAt ? ", deleted during the run" : ""}): ${stages.join(", ")}; ` +
        `RPO ${d.rpoMinutes}, floor ${floor ?? "-"}: ${verdict}`,
    );
  }
  return lines;
}
