/**
 * Where the 20 DB x 7 day simulation's CPU goes, in the two ways its single CPU figure hides (`npx tsx bench/run.ts
 * sim-split`; the main/background split of the full week is also printed by `sim-cpu`):
 * - by thread: the main thread (the simulation: handlers, planners, model, executor, plus V8's main-thread GC work)
 *   against V8's background threads (concurrent TurboFan compiles, parallel scavenges, concurrent marking), read from
 *   /proc per thread by the preload bench/threadCpu.cjs;
 * - by length and by DB kind: start-up (a run of 15 virtual minutes), 1, 2 and 7 days (what a further day costs once
 *   the JIT has warmed up), and the week with only the scenario's DB instances or only its Aurora clusters.
 * Each figure is one child process of the bundled simulator; the counts are deterministic, the CPU times are not.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { childrenCpuSeconds } from "./cpu";

/** The preload that prints per-thread CPU at exit. */
export function threadCpuPreload(root: string): string {
  return resolve(root, "bench", "threadCpu.cjs");
}

/** Main-thread and background-thread CPU seconds of a child run with {@link threadCpuPreload}, or undefined. */
export interface ThreadCpu {
  readonly main: number;
  readonly background: number;
}

/** Reads the preload's line from a child's stderr (undefined when absent: not Linux, or the child crashed). */
export function threadCpuOf(stderr: Buffer | string | null): ThreadCpu | undefined {
  const line = String(stderr ?? "")
    .split("\n")
    .find((l) => l.startsWith("rpl-thread-cpu "));
  if (!line) return undefined;
  const { main, threads } = JSON.parse(line.slice("rpl-thread-cpu ".length)) as {
    main: string;
    threads: Record<string, number>;
  };
  let background = 0;
  for (const [tid, s] of Object.entries(threads)) if (tid !== main) background += s;
  return { main: threads[main] ?? 0, background };
}

/** One line: "main thread X s, V8 background threads Y s (Z % of the run)". */
export function threadCpuLine(t: ThreadCpu | undefined): string {
  if (!t) return "per-thread CPU: not available (no /proc)";
  const all = t.main + t.background;
  return (
    `main thread ${t.main.toFixed(1)} s, V8 background threads ${t.background.toFixed(1)} s ` +
    `(${((100 * t.background) / (all || 1)).toFixed(0)} % of ${all.toFixed(1)} s: TurboFan compiles and GC)`
  );
}

/** Runs `node --require threadCpu.cjs bundle args` once: CPU (children usage), per-thread CPU, exit code. */
export function timedRun(
  root: string,
  node: string,
  bundle: string,
  args: readonly string[],
): { cpu: number; threads: ThreadCpu | undefined; status: number | null; stdout: Buffer } {
  const before = childrenCpuSeconds();
  const r = spawnSync(node, ["--require", threadCpuPreload(root), bundle, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 30,
  });
  return { cpu: childrenCpuSeconds() - before, threads: threadCpuOf(r.stderr), status: r.status, stdout: r.stdout };
}

/**
 * Writes a copy of `scenario` keeping only the DBs of `kind`, with its stack files made absolute, under dist/, and
 * returns its path (the simulator resolves relative stack files against the scenario's own directory).
 */
function scenarioWithOnly(root: string, scenario: string, kind: "instance" | "cluster"): string {
  const path = resolve(root, scenario);
  const doc = parse(readFileSync(path, "utf8")) as {
    name: string;
    stacks: { file: string }[];
    dbs: Record<string, { kind?: string }[]>;
  };
  doc.name = `${doc.name}-${kind}s-only`;
  doc.stacks = doc.stacks.map((s) => ({ ...s, file: resolve(dirname(path), s.file) }));
  for (const account of Object.keys(doc.dbs)) {
    doc.dbs[account] = doc.dbs[account]!.filter((d) => (d.kind ?? "instance") === kind);
  }
  const out = resolve(root, "dist", `sim-split-${kind}s.yaml`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, stringify(doc));
  return out;
}

/** The `sim-split` section: start-up, 1, 2 and 7 days, and the week by DB kind, each with its thread split. */
export function simSplitFigures(root: string, bundle: string, scenario: string): void {
  console.log(
    `== Where the simulation's CPU goes (${scenario}; bundled, one child process per row, node ${process.version})`,
  );
  const rows: { label: string; args: string[] }[] = [
    { label: "start-up (15 virtual minutes)", args: ["--days", String(15 / 1440)] },
    { label: "1 day", args: ["--days", "1"] },
    { label: "2 days", args: ["--days", "2"] },
    { label: "7 days", args: ["--days", "7"] },
    { label: "7 days, DB instances only", args: ["--scenario", scenarioWithOnly(root, scenario, "instance")] },
    { label: "7 days, Aurora clusters only", args: ["--scenario", scenarioWithOnly(root, scenario, "cluster")] },
  ];
  const cpuOf = new Map<string, number>();
  for (const row of rows) {
    const args = row.args.includes("--scenario") ? row.args : ["--scenario", scenario, ...row.args];
    const r = timedRun(root, process.execPath, bundle, [...args, "--json", "--no-progress"]);
    cpuOf.set(row.label, r.cpu);
    let runs = "";
    try {
      const rep = JSON.parse(String(r.stdout)) as { machines: { handlerRuns: number }[] };
      runs = `, ${rep.machines.reduce((a, m) => a + m.handlerRuns, 0)} Lambda runs`;
    } catch {
      runs = ", no JSON report";
    }
    console.log(
      `  ${row.label.padEnd(30)} cpu ${r.cpu.toFixed(1).padStart(5)} s, exit ${r.status}${runs}; ${threadCpuLine(r.threads)}`,
    );
  }
  const d2 = cpuOf.get("2 days");
  const d7 = cpuOf.get("7 days");
  if (d2 !== undefined && d7 !== undefined) {
    console.log(`  each day after the second: ${((d7 - d2) / 5).toFixed(2)} s ((7 days - 2 days) / 5)`);
  }
}
